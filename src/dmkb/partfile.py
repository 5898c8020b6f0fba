"""An output file of lines that appears only complete, and that a run killed mid-way can resume.

Lines go to a part file beside the target (``.NAME.part``), each flushed as it is written, and the
options of the run to ``.NAME.part.json``; at the end the part file is renamed over the target.
A run killed before that leaves both; a run started again with ``resume`` and the same options
keeps every complete line of the part file (a line cut by the kill is dropped) and appends to it.
One run at a time writes a part file: it holds a lock on it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Self

from dmkb.errors import UsageError
from dmkb.fs import cannot_write, make_folder, write_atomic

_BLOCK = 1 << 16


class PartFile:
    """``with PartFile(path, options, resume=True) as out: ...; out.write(line); out.finish()``.

    :param options: what the lines depend on (option name → value); a part file written with
        other options is never resumed.
    """

    def __init__(self, path: Path, options: dict, *, resume: bool) -> None:
        self.path = path
        self.part = path.with_name(f".{path.name}.part")
        self.options_file = path.with_name(f".{path.name}.part.json")
        self.options = options
        self.resume = resume
        self.kept = 0  # complete lines already in the part file
        self._handle = None

    def __enter__(self) -> Self:
        if self.path.is_dir():
            raise UsageError(f"{self.path} is a folder", "give the file to write, e.g. --out ranked.jsonl")
        make_folder(self.path.parent)
        try:
            fd = os.open(self.part, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise cannot_write(self.part, exc) from exc
        self._handle = os.fdopen(fd, "r+b")
        try:
            self._start(fd)
        except BaseException:
            self._handle.close()
            raise
        return self

    def _start(self, fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(f"{self.path}: another run is writing it (into {self.part.name})",
                             "wait for it to end, or write to another --out") from None
        size = os.fstat(fd).st_size
        if size and not self.resume:
            raise UsageError(f"{self.path}: an interrupted run left its first results in {self.part}",
                             "add --resume to keep them and rank the rest, or delete the part file to start over")
        if size:
            self._check_options()
            self._handle.truncate(self._complete_size(size))
            self.kept = sum(1 for _ in self.kept_lines())
        else:
            write_atomic(self.options_file, json.dumps(self.options, indent=1) + "\n", mode=0o644)
        self._handle.seek(0, os.SEEK_END)

    def _check_options(self) -> None:
        try:
            before = json.loads(self.options_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise UsageError(f"{self.part}: the options of the run that wrote it are unknown "
                             f"({self.options_file.name} is missing or unreadable)",
                             "delete the part file to start over") from None
        changed = [f"{name} {before.get(name)!r} then, {value!r} now" for name, value in self.options.items()
                   if before.get(name) != value]
        if changed:
            raise UsageError(f"{self.part}: written with other options ({'; '.join(changed)})",
                             "run with the options of the interrupted run, or delete the part file to start over")

    def _complete_size(self, size: int) -> int:
        """The size of the part file up to its last complete line."""
        assert self._handle is not None
        end = size
        while end > 0:
            start = max(0, end - _BLOCK)
            self._handle.seek(start)
            newline = self._handle.read(end - start).rfind(b"\n")
            if newline >= 0:
                return start + newline + 1
            end = start
        return 0

    def kept_lines(self) -> Iterator[str]:
        """The complete lines the interrupted run wrote, without their newlines."""
        with open(self.part, "rb") as handle:
            for line in handle:
                yield line.decode("utf-8", errors="replace").rstrip("\n")

    def write(self, line: str) -> None:
        """Append ``line`` (without its newline), flushed to the file at once."""
        assert self._handle is not None
        try:
            self._handle.write(line.encode("utf-8") + b"\n")
            self._handle.flush()
        except OSError as exc:
            raise cannot_write(self.part, exc) from exc

    def finish(self) -> None:
        """Put the complete file in place of the target, in one rename."""
        assert self._handle is not None
        try:
            os.fsync(self._handle.fileno())
            os.replace(self.part, self.path)
        except OSError as exc:
            raise cannot_write(self.path, exc) from exc
        self.options_file.unlink(missing_ok=True)

    def __exit__(self, *exc: object) -> None:
        if self._handle is None:
            return
        with contextlib.suppress(OSError):
            if self.part.exists() and not os.fstat(self._handle.fileno()).st_size:  # nothing to resume
                self.part.unlink()
                self.options_file.unlink(missing_ok=True)
            self._handle.close()
        self._handle = None
