"""Files, safely: reading only regular files of bounded size; writing through a temporary file
beside the target, then an atomic rename; one writer at a time in a folder, which clears what a
killed writer left behind."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import fnmatch
import os
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

# the temporary files of write_atomic and temporary_beside (and SQLite's journals of them)
TEMPORARY = ".*.tmp*"


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path`` (a link to one is followed).

    A FIFO, a device (``/dev/zero``), a socket or a folder is refused without reading from it, and so
    is a file of more than ``limit`` bytes, so a file can neither block a run nor exhaust memory.

    :raises OSError: when the file cannot be read; its ``strerror`` says why.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # opening a FIFO must not wait for a writer
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise OSError(errno.EINVAL, kind, str(path))
        if info.st_size > limit:
            raise OSError(errno.EFBIG, f"larger than {_size(limit)}", str(path))
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            size += len(chunk)
            if size > limit:  # it grew while being read
                raise OSError(errno.EFBIG, f"larger than {_size(limit)}", str(path))
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _size(limit: int) -> str:
    return f"{limit / 2**20:g} MiB" if limit >= 2**20 else f"{limit} bytes"


def temporary_beside(path: Path) -> Path:
    """A new empty file with a name of its own beside ``path``, to be renamed over it when complete
    (two writers never share one; a killed writer's is recognised by :func:`remove_leftovers`)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(tmp)


@contextlib.contextmanager
def new_sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    """A new, empty SQLite database to fill in the block; when the block ends without an error it
    replaces ``path`` in one rename (readers see the old database or the new one), else it is removed.

    Written without a journal: until the rename it is nobody's but the writer's.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_beside(path)
    try:
        with contextlib.closing(sqlite3.connect(tmp)) as db:
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            yield db
            db.commit()
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def exclusive(directory: Path, name: str, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the lock file ``directory/name`` for the block, waiting while another process (or
    thread) holds it. The lock ends with the holder, also when it is killed.

    :param on_wait: called once before waiting, when the lock is held elsewhere.
    """
    fd = os.open(directory / name, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def remove_leftovers(directory: Path, patterns: tuple[str, ...] = (TEMPORARY,)) -> list[Path]:
    """Remove the temporary files that writers killed mid-way left in ``directory`` and below.

    Only call it while holding the folder's :func:`exclusive` lock, or a live writer loses its file.
    """
    removed = []
    for folder, _, files in os.walk(directory):
        for name in files:
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
                path = Path(folder) / name
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
    return removed


def write_atomic(path: Path, data: str | bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` in one step; readers see the old file or the new one.

    :param mode: permissions of the new file (default: readable by its owner only).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
