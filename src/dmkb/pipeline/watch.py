"""Notice when a file of the KB changes: disorder files, cached references, term caches, stored
research reports.

Polling (a listing and a ``stat`` per file) works on every file system and costs a few
milliseconds for thousands of files.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from dmkb.fs import FileKey, key_of
from dmkb.load.layout import DISORDERS, REFERENCES, RESEARCH, TERM_CACHE

logger = logging.getLogger(__name__)

KB_FOLDERS = (str(DISORDERS), REFERENCES, TERM_CACHE, RESEARCH)
FileState = dict[str, FileKey]


def files_state(folders: Iterable[Path], *, recursive: bool = True) -> FileState:
    """The :func:`~dmkb.fs.file_key` of every file in ``folders``, by path (links to files followed)."""
    found: FileState = {}
    for folder in folders:
        _scan(str(folder), found, recursive)
    return found


def _scan(folder: str, found: FileState, recursive: bool) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):  # a link to a folder is not followed: it may loop
                if recursive:
                    _scan(entry.path, found, recursive)
                continue
            stat = entry.stat()
        except OSError:
            continue
        found[entry.path] = key_of(stat)


class FolderPoller:
    """Which files of some folders were added, removed or changed since the last look."""

    def __init__(self, folders: Iterable[Path], *, recursive: bool = True) -> None:
        self.folders = tuple(folders)
        self.recursive = recursive
        self._seen = files_state(self.folders, recursive=recursive)

    def poll(self) -> list[str]:
        """The paths changed since the last call (or since this poller was made), sorted."""
        now = files_state(self.folders, recursive=self.recursive)
        if now == self._seen:
            return []
        before, self._seen = self._seen, now
        return sorted(path for path in before.keys() | now.keys() if before.get(path) != now.get(path))


class KbWatcher:
    """Calls ``on_change()`` in a background thread after files of the KB at ``root`` changed."""

    def __init__(self, root: Path, on_change: Callable[[], None], interval: float = 1.0) -> None:
        self.root = root
        self.on_change = on_change
        self.interval = interval
        self._stop = threading.Event()
        self._poller: FolderPoller | None = None
        self._thread = threading.Thread(target=self._run, name="dmkb-kb-watcher", daemon=True)

    def start(self) -> None:
        """Take the KB's current state (changes from now on count), then watch in the background."""
        self._poller = FolderPoller(self.root / folder for folder in KB_FOLDERS)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        assert self._poller is not None
        while not self._stop.wait(self.interval):
            try:
                if self._poller.poll():
                    self.on_change()
            except Exception:  # noqa: BLE001 - whatever a file holds, later changes must still be seen
                logger.exception("the rebuild after a change of the KB failed; watching on")
