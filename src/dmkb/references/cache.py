"""The cache of reference texts: ``references_cache/<PREFIX>_<id>.md``, looked up by id."""

from __future__ import annotations

import os
from pathlib import Path

from dmkb.fs import read_regular
from dmkb.load.reference_files import ReferenceText, parse_reference
from dmkb.load.text import decode
from dmkb.settings import max_file_bytes


def cache_file_name(reference_id: str) -> str:
    """``PMID:1`` → ``PMID_1.md``; ``DOI:10.1/a/b`` → ``DOI_10.1_a_b.md`` (first ``:`` and every ``/``)."""
    prefix, _, local = reference_id.strip().partition(":")
    return f"{prefix}_{local.replace('/', '_')}.md"


class ReferenceCache:
    """Read-only access to one cache folder; each file is read at most once."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        try:
            names = os.listdir(directory)
        except OSError:
            names = []
        # DOIs are case-insensitive, and so are file names on some systems
        self._names = {name.lower(): name for name in names if name.endswith(".md")}
        self._read: dict[str, ReferenceText] = {}

    def path_of(self, reference_id: str) -> Path | None:
        """The cache file of ``reference_id``, or ``None`` when it is not cached."""
        name = self._names.get(cache_file_name(reference_id).lower())
        return self.directory / name if name else None

    def add(self, path: Path) -> None:
        """Take note of a file just written to the folder (its old text, if read, is forgotten)."""
        self._names[path.name.lower()] = path.name
        self._read.pop(path.name, None)

    def file_names(self) -> list[str]:
        """The file names of every cached reference, sorted."""
        return sorted(self._names.values())

    def get(self, reference_id: str) -> ReferenceText | None:
        """The cached reference, or ``None`` when it is not cached or cannot be read."""
        path = self.path_of(reference_id)
        return None if path is None else self.read(path.name)

    def read(self, name: str) -> ReferenceText:
        """The cache file ``name`` of this folder, read once (a problem says why it cannot be)."""
        if name not in self._read:
            path = self.directory / name
            try:
                raw = read_regular(path, max_file_bytes())
            except OSError as exc:
                self._read[name] = ReferenceText(problem=f"cannot read {name} ({exc.strerror})")
            else:
                self._read[name] = parse_reference(decode(raw)[0])
        return self._read[name]

    def signature(self, reference_id: str) -> tuple[int, int] | None:
        """Size and modification time of the cache file, to tell when it changed."""
        path = self.path_of(reference_id)
        if path is None:
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        return stat.st_size, stat.st_mtime_ns
