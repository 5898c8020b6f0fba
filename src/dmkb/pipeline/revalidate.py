"""Validate a KB, then again each time one of its files changes, until stopped (Ctrl-C).

The findings of every file stay in memory between runs, so a change costs the checks of the
changed files and the checks across files. Disorder files are looked at every
:data:`INTERVAL` seconds; cached references, term caches, research reports and the term index
(written by commands rather than by hand) every :data:`SLOW_EVERY` looks.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from dmkb.errors import DmkbError
from dmkb.load.layout import DISORDERS, REFERENCES, RESEARCH, TERM_CACHE, find_layout
from dmkb.pipeline.watch import FolderPoller
from dmkb.report.changes import Revalidation, compare
from dmkb.settings import term_index_dir
from dmkb.validate import Validator

INTERVAL = 0.05  # a look at a few hundred disorder files takes about a millisecond
SLOW_EVERY = 20


def revalidate(
    inputs: Sequence[str | Path],
    on_change: Callable[[Revalidation], None],
    on_error: Callable[[DmkbError, list[str]], None],
    *,
    use_memo: bool = True,
    stop: threading.Event | None = None,
    workers: int = 1,
) -> None:
    """Validate ``inputs`` (a KB root or disorder files), call ``on_change`` with the result (every
    finding new), then again after each change of the KB's files, until ``stop`` is set.

    A change that makes the KB impossible to validate (its folder removed) is given to ``on_error``,
    and the watch goes on. ``workers``: see :meth:`Validator.run`.

    :raises UsageError: when the inputs are not a KB or its files to begin with.
    """
    stop = stop or threading.Event()
    layout = find_layout(inputs)
    root = layout.root
    # the files' state is taken first: a change made while the first run is under way is seen
    disorders = FolderPoller({root / DISORDERS, *(path.parent for path in layout.disorder_files)}, recursive=False)
    caches = FolderPoller((root / REFERENCES, root / TERM_CACHE, root / RESEARCH, term_index_dir()))
    validator = Validator(inputs, use_memo=use_memo)
    started = time.perf_counter()
    report = validator.run(workers=workers)
    on_change(compare([], report, [], time.perf_counter() - started))
    validator.save()
    validator.prepare()
    looks = 0
    while not stop.wait(INTERVAL):
        looks += 1
        changed_caches = caches.poll() if looks % SLOW_EVERY == 0 else []
        changed = disorders.poll() + changed_caches
        if not changed:
            continue
        names = [_shown(path, root) for path in changed]
        started = time.perf_counter()
        try:
            now = validator.run(caches_changed=bool(changed_caches), workers=workers)
        except DmkbError as exc:
            on_error(exc, names)
            continue
        except Exception as exc:  # noqa: BLE001 - a bug must not end the watch: later changes are still checked
            on_error(DmkbError(f"internal error: {exc!r}", "this is a bug in dmkb; please report it"), names)
            continue
        on_change(compare(report.findings, now, names, time.perf_counter() - started))
        report = now
        validator.save()


def _shown(path: str, root: Path) -> str:
    """A changed file's name as findings show it (relative to the KB root when it is inside)."""
    return path.removeprefix(str(root) + os.sep)
