"""``dmkb terms build``: bring the index up to date with its sources, rebuilding only what changed."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from dmkb.errors import DmkbError
from dmkb.fs import exclusive, make_folder, remove_leftovers
from dmkb.terms.records import TermSource
from dmkb.terms.store import FORMAT, read_meta, write_source


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
    """Write every source whose data changed (all with ``force``); report each source.

    One build at a time writes into ``directory``; it first removes what killed builds left there.
    """
    make_folder(directory)
    with exclusive(directory, ".build.lock"):
        remove_leftovers(directory)
        return _build(directory, sources, force, on_done)


def _build(directory: Path, sources: list[TermSource], force: bool,
           on_done: Callable[[BuiltSource], None] | None) -> list[BuiltSource]:
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
    """Write the sources, in parallel processes when there are several (largest first)."""
    workers = min(len(sources), os.cpu_count() or 1, 4)
    if workers <= 1:
        for source in sources:
            yield _write(source, source_path(directory, source))
        return
    largest_first = sorted(sources, key=lambda s: -s.size)
    context = multiprocessing.get_context("fork")  # hpo3's loaded ontology is inherited, not reloaded
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [pool.submit(_write, source, source_path(directory, source)) for source in largest_first]
        for future in as_completed(futures):
            yield future.result()


def _write(source: TermSource, path: Path) -> BuiltSource:
    start = time.perf_counter()
    try:
        count = write_source(source, path)
    except DmkbError:
        raise
    except Exception as exc:  # a damaged data file: name the source, keep the index as it was
        raise DmkbError(f"cannot read the source {source.name} ({source.ontology}): {exc}",
                        "reinstall its package (make setup), or fix the file given with --source; "
                        "the index kept its previous copy") from exc
    return BuiltSource(source.name, source.ontology, source.release, count, "built", time.perf_counter() - start)
