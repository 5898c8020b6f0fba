"""``dmkb terms build``: bring the index up to date with its sources, rebuilding only what changed."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from dmkb.terms.records import TermSource
from dmkb.terms.store import FORMAT, read_meta, write_source

# Sources are written in parallel, in forked processes that inherit this list (the readers of a
# source are closures, which cannot be sent to another process).
_PENDING: list[tuple[TermSource, Path]] = []


@dataclass(frozen=True)
class BuiltSource:
    name: str
    ontology: str
    release: str
    terms: int
    status: str  # "built" or "unchanged"
    seconds: float

    def to_json(self) -> dict:
        return self.__dict__.copy()


def source_path(directory: Path, source: TermSource) -> Path:
    return directory / f"{source.name}.sqlite"


def is_current(directory: Path, source: TermSource) -> bool:
    meta = read_meta(source_path(directory, source))
    return bool(meta) and meta.get("format") == FORMAT and meta.get("fingerprint") == source.fingerprint


def build(directory: Path, sources: list[TermSource], force: bool = False,
          on_done: Callable[[BuiltSource], None] | None = None) -> list[BuiltSource]:
    """Write every source whose data changed (all with ``force``); report each source."""
    report = []
    stale = []
    for source in sources:
        if force or not is_current(directory, source):
            stale.append(source)
        else:
            meta = read_meta(source_path(directory, source)) or {}
            done = BuiltSource(source.name, source.ontology, meta.get("release", source.release),
                               int(meta.get("terms", 0)), "unchanged", 0.0)
            report.append(done)
            if on_done:
                on_done(done)
    for done in _write_all(directory, stale):
        report.append(done)
        if on_done:
            on_done(done)
    order = {s.name: i for i, s in enumerate(sources)}
    return sorted(report, key=lambda r: order[r.name])


def _write_all(directory: Path, sources: list[TermSource]):
    global _PENDING
    workers = min(len(sources), os.cpu_count() or 1, 4)
    if workers <= 1:
        for source in sources:
            yield _write(source, source_path(directory, source))
        return
    largest_first = sorted(sources, key=lambda s: -s.size)
    _PENDING = [(source, source_path(directory, source)) for source in largest_first]
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = [pool.submit(_write_pending, i) for i in range(len(_PENDING))]
            for future in as_completed(futures):
                yield future.result()
    finally:
        _PENDING = []


def _write_pending(i: int) -> BuiltSource:
    source, path = _PENDING[i]
    return _write(source, path)


def _write(source: TermSource, path: Path) -> BuiltSource:
    start = time.perf_counter()
    count = write_source(source, path)
    return BuiltSource(source.name, source.ontology, source.release, count, "built", time.perf_counter() - start)
