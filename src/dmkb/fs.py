"""Files, safely: reading only regular files of bounded size; telling a file's versions apart
without reading it; writing through a temporary file beside the target, then an atomic rename;
one writer at a time in a folder, which clears what a killed writer left behind. A write that the
system refuses raises :class:`WriteError`, which says what stood in the way."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import fnmatch
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from dmkb.errors import WriteError
from dmkb.settings import dmkb_home

if TYPE_CHECKING:
    import sqlite3

# the temporary files of write_atomic and temporary_beside (and SQLite's journals of them)
TEMPORARY = ".*.tmp*"


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path`` (a link to one is followed).

    A FIFO, a device (``/dev/zero``), a socket or a folder is refused without reading from it, and so
    is a file of more than ``limit`` bytes, so a file can neither block a run nor exhaust memory.

    :raises OSError: when the file cannot be read; its ``strerror`` says why.
    """
    fd = _open_regular(path)
    try:
        if os.fstat(fd).st_size > limit:
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


def open_regular(path: Path) -> BinaryIO:
    """The regular file at ``path`` open for reading in binary, to be read a line or a block at a
    time (a link is followed); refused as :func:`read_regular` refuses it, whatever its size.

    :raises OSError: when the file cannot be read; its ``strerror`` says why.
    """
    return os.fdopen(_open_regular(path), "rb")


def _open_regular(path: Path) -> int:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # opening a FIFO must not wait for a writer
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise OSError(errno.EINVAL, kind, str(path))
    return fd


FileKey = tuple[int, int, int, int]


def file_key(path: str | Path) -> FileKey | None:
    """What tells one version of the file at ``path`` from another without reading it (a link is
    followed); ``None`` when there is no such file. See :func:`key_of`."""
    try:
        return key_of(os.stat(path))
    except OSError:
        return None


def key_of(info: os.stat_result) -> FileKey:
    """Size, modification and change times and inode: an edit that keeps the size and restores the
    modification time still moves the change time, and a file replaced by another has a new inode.
    Two writes within one tick of the file system's clock can keep all four."""
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


RACY_NS = 2_000_000_000  # coarse file system clocks (FAT) tick every 2 s


def settled(key: FileKey, at_ns: int) -> bool:
    """Whether a file's times in ``key`` were old enough at ``at_ns`` (taken before the stat) that any
    later write must change its key; a key taken earlier may miss a second write in the same tick."""
    return at_ns - max(key[1], key[2]) > RACY_NS


def _size(limit: int) -> str:
    return f"{limit / 2**20:g} MiB" if limit >= 2**20 else f"{limit} bytes"


def temporary_beside(path: Path) -> Path:
    """A new empty file with a name of its own beside ``path``, to be renamed over it when complete
    (two writers never share one; a killed writer's is recognised by :func:`remove_leftovers`)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise cannot_write(path, exc) from exc
    os.close(fd)
    return Path(tmp)


@contextlib.contextmanager
def new_sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    """A new, empty SQLite database to fill in the block; when the block ends without an error it
    replaces ``path`` in one rename (readers see the old database or the new one), else it is removed.

    Written without a journal: until the rename it is nobody's but the writer's.
    """
    import sqlite3  # not at start-up: most commands write no database

    make_folder(path.parent)
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
    try:
        fd = os.open(directory / name, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise cannot_write(directory / name, exc) from exc
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


def make_folder(path: Path) -> Path:
    """``path`` as a folder, created with its parents when missing.

    :raises WriteError: when it cannot be (a file in the way, no permission, a read-only disk).
    """
    if path.exists() and not path.is_dir():
        raise WriteError(f"cannot write {path}: it is a file, not a folder", _where_instead(path))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(path, exc) from exc
    return path


def write_atomic(path: Path, data: str | bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` in one step; readers see the old file or the new one.

    :param mode: permissions of the new file (default: readable by its owner only).
    :raises WriteError: when the system refuses the write.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(path, exc) from exc
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = temporary_beside(path)
    try:
        with open(tmp, "wb") as handle:
            handle.write(payload)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise cannot_write(path, exc) from exc
        raise


def cannot_write(path: Path, exc: OSError) -> WriteError:
    """The error to raise when writing ``path`` failed with ``exc``: what stood in the way, and
    where to write instead (DMKB_HOME, for dmkb's own caches)."""
    blocker = next((p for p in path.parents if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        reason = f"{blocker} is a file, not a folder"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        reason = "permission denied"
    elif exc.errno == errno.ENOSPC:
        reason = "no space left on the disk"
    elif exc.errno == errno.EROFS:
        reason = "the file system is read-only"
    elif exc.errno == errno.ENOENT and blocker is not None and not path.exists():
        reason = f"nothing can be made in {blocker}"
    else:
        reason = (exc.strerror or str(exc)).lower()
    error = WriteError(f"cannot write {path}: {reason}", _where_instead(path))
    error.errno, error.strerror, error.filename = exc.errno, reason, str(path)
    return error


def _where_instead(path: Path) -> str:
    home = dmkb_home()
    if path.is_relative_to(home):
        return f"dmkb keeps its caches in DMKB_HOME ({home}): set DMKB_HOME to a folder you may write to"
    return "choose a folder you may write to, on a disk with room"
