"""Run one function over many items in forked worker processes, when there are enough items and
more than one core; else in this process. Results come back in the order of the items, so that what
a caller writes does not depend on how it was computed.

The workers are forks: they start with a copy of everything this process holds (a loaded model, an
open renderer), so nothing is sent to them but the items. Never used while other threads run (as
in ``dmkb serve``): a fork copies every lock, also one another thread holds at that moment.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
MAX_WORKERS = 4

_work: Callable | None = None  # what the forked workers run


def forked_map(work: Callable[[Item], Result], items: list[Item], *, per_worker: int = 24,
               on_start: Callable[[], None] | None = None) -> Iterator[Result]:
    """``work(item)`` for each item, in order.

    :param per_worker: the fewest items worth a worker of their own.
    :param on_start: run first in each worker (to open its own database connections).
    """
    workers = min(MAX_WORKERS, len(os.sched_getaffinity(0)), len(items) // per_worker)
    if workers < 2 or threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(work, items)
        return
    global _work
    _work = work
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=on_start) as pool:
            yield from pool.imap(_run, items, chunksize=max(1, min(8, len(items) // (workers * 8))))
    finally:
        _work = None


def _run(item: object) -> object:
    assert _work is not None
    return _work(item)
