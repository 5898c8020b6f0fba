"""Notice when a file of the KB changes: disorder files, cached references, term caches, stored
research reports.

Polling (a listing and a ``stat`` per file, about once a second) works on every file system
and costs a few milliseconds for thousands of files.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from dmkb.load.layout import DISORDERS, REFERENCES, RESEARCH, TERM_CACHE

logger = logging.getLogger(__name__)


def kb_signature(root: Path) -> frozenset[tuple[str, int, int]]:
    """Name, size and modification time of every file the site is built from."""
    found: set[tuple[str, int, int]] = set()
    for folder in (root / DISORDERS, root / REFERENCES, root / TERM_CACHE, root / RESEARCH):
        for directory, _, files in os.walk(folder):
            for name in files:
                path = os.path.join(directory, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                found.add((path, stat.st_size, stat.st_mtime_ns))
    return frozenset(found)


class KbWatcher:
    """Calls ``on_change()`` in a background thread after files of the KB at ``root`` changed."""

    def __init__(self, root: Path, on_change: Callable[[], None], interval: float = 1.0) -> None:
        self.root = root
        self.on_change = on_change
        self.interval = interval
        self._stop = threading.Event()
        self._seen: frozenset[tuple[str, int, int]] = frozenset()
        self._thread = threading.Thread(target=self._run, name="dmkb-kb-watcher", daemon=True)

    def start(self) -> None:
        """Take the KB's current state (changes from now on count), then watch in the background."""
        self._seen = kb_signature(self.root)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                now = kb_signature(self.root)
                if now != self._seen:
                    self._seen = now
                    self.on_change()
            except Exception:  # noqa: BLE001 - whatever a file holds, later changes must still be seen
                logger.exception("the rebuild after a change of the KB failed; watching on")
