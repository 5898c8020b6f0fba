"""Run one function over many items in forked worker processes, where the command allows it
(:func:`workers_allowed`) and more than one worker is worth it; else in this process. Results come
back in the order of the items, so that what a caller writes does not depend on how it was
computed. :func:`forked_map` takes a list; :func:`forked_stream` takes the items as they are
needed, however many there are.

The workers are forks: they start with a copy of everything this process holds (a loaded model, an
open renderer), so nothing is sent to them but the items. Only a command whose other threads never
hold a lock a worker needs may allow them (``dmkb build``: at most a progress line or bar); a server
never does, since a fork copies every lock, also one another thread holds at that moment.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

from dmkb.errors import DmkbError

if TYPE_CHECKING:  # imported when workers are forked: a command that forks none (dmkb validate) starts sooner
    from concurrent.futures import Future, ProcessPoolExecutor

Item = TypeVar("Item")
Result = TypeVar("Result")
MAX_WORKERS = 4
CHUNKS_A_WORKER = 4  # chunks under way for each worker of forked_stream
_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies

_allowed = False
_work: Callable | None = None  # what the forked workers run


@contextlib.contextmanager
def workers_allowed() -> Iterator[None]:
    """Let :func:`forked_map` fork workers during the block."""
    global _allowed
    _allowed = True
    try:
        yield
    finally:
        _allowed = False


def forked_map(work: Callable[[Item], Result], items: list[Item], *, per_worker: int = 24,
               on_start: Callable[[], None] | None = None) -> Iterator[Result]:
    """``work(item)`` for each item, in order.

    :param per_worker: the fewest items worth a worker of their own.
    :param on_start: run first in each worker (to open its own database connections).
    """
    workers = min(MAX_WORKERS, len(os.sched_getaffinity(0)), len(items) // per_worker)
    with _forked_pool(work, workers, on_start) as pool:
        if pool is None:
            yield from map(work, items)
        else:
            yield from pool.map(_run, items, chunksize=max(1, min(8, len(items) // (workers * 8))))


def forked_stream(work: Callable[[Item], Result], items: Iterable[Item], workers: int, *,
                  chunk: int = 8, on_start: Callable[[], None] | None = None) -> Iterator[Result]:
    """``work(item)`` for each item, in order, in ``workers`` forked processes, taking the items
    only as they are needed: :data:`CHUNKS_A_WORKER` chunks of ``chunk`` items a worker are under way
    at any time, so memory does not grow with the number of items, however many there are.

    :param on_start: run first in each worker (to open its own database connections).
    """
    with _forked_pool(work, workers, on_start) as pool:
        if pool is None:
            yield from map(work, items)
            return
        under_way: deque[Future] = deque()
        rest = iter(items)
        for part in iter(lambda: tuple(itertools.islice(rest, chunk)), ()):
            under_way.append(pool.submit(_run_chunk, part))
            if len(under_way) >= CHUNKS_A_WORKER * workers:
                yield from under_way.popleft().result()
        while under_way:
            yield from under_way.popleft().result()


class WorkersLost(DmkbError):
    """A worker of a pool ended abruptly, taking the items under way with it."""

    def __init__(self) -> None:
        super().__init__("a worker process ended abruptly (killed, or out of memory)",
                         "run the command again, with fewer workers if memory ran out")


class WorkerDied(Exception):
    """The process forked for one item ended without its result (a crash, a signal)."""


def in_own_fork(work: Callable[[Item], Result], item: Item, on_start: Callable[[], None] | None = None) -> Result:
    """``work(item)`` in a process forked for it alone, so that a crash ends that process only.

    :param on_start: run first in the process (as in :func:`forked_map`).
    :raises WorkerDied: when the process ends without a result.
    """
    import pickle

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the result, pickled, down the pipe; never back into the caller's code
        try:
            os.close(read)
            if on_start:
                on_start()
            with os.fdopen(write, "wb") as out:
                out.write(pickle.dumps(work(item)))
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as result:
        data = result.read()
    _, status = os.waitpid(pid, 0)
    if not data or os.waitstatus_to_exitcode(status) != 0:
        raise WorkerDied(f"its process ended with {_ending(status)}")
    return pickle.loads(data)


def _ending(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


@contextlib.contextmanager
def _forked_pool(work: Callable, workers: int,
                 on_start: Callable[[], None] | None = None) -> Iterator[ProcessPoolExecutor | None]:
    """A pool of ``workers`` forks running ``work``; ``None`` where forks are not allowed or not
    worth it (fewer than two), and where the system cannot make them."""
    if not _allowed or workers < 2 or not sys.platform.startswith("linux"):  # Linux: fork, and prctl below
        yield None
        return
    global _work
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    start = functools.partial(_start_worker, os.getpid(), on_start)
    try:  # a worker that dies (killed, out of memory) fails the run instead of leaving it waiting
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=start)
    except (OSError, ImportError):  # no shared-memory semaphores here (some containers): in this process
        yield None
        return
    _work = work
    # what the workers inherit is never collected by them: kept out of their garbage collector, it is
    # neither scanned again and again nor copied page by page (a scan writes to every object it visits)
    gc.freeze()
    try:
        yield pool
    except BrokenProcessPool:
        raise WorkersLost from None
    finally:
        gc.unfreeze()
        pool.shutdown(cancel_futures=True)  # after an error or Ctrl-C, the work not begun is dropped
        _work = None


def _start_worker(parent: int, on_start: Callable[[], None] | None) -> None:
    """A worker dies with the process that forked it: killed, that one must not leave workers behind
    waiting for work forever and holding what they inherited (the lock of a site folder). Ctrl-C is
    that process's to handle (the workers would each print a traceback)."""
    import ctypes

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)
    if on_start:
        on_start()


def _run(item: object) -> object:
    assert _work is not None
    return _work(item)


def _run_chunk(items: tuple) -> list:
    assert _work is not None
    return [_work(item) for item in items]
