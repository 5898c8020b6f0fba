"""Rank the cases of a batch, a JSON line each, in input order: in this process, or in forked
workers that share the loaded engine (nothing but the cases is sent to them).

A batch too big for one machine is cut into shards: :func:`shard_range` gives the K-th of N
contiguous slices of the cases, so that the outputs of the N shards, concatenated in order, are
the output of the whole batch.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dmkb.errors import UsageError
from dmkb.forked import forked_stream
from dmkb.similarity.batch import Case
from dmkb.similarity.engine import Engine
from dmkb.similarity.phenopacket import UnreadablePhenopacket, read_phenopacket_or_problem

PER_WORKER = 50  # the fewest cases worth a worker of their own (a fork and its start cost ~0.1 s)


@dataclass(frozen=True)
class Ranked:
    """One case's JSON line (without its newline) and what is wrong with the case."""

    line: str
    problems: list[str]


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` as (K, N).

    :raises UsageError: unless 1 ≤ K ≤ N.
    """
    k, slash, n = text.partition("/")
    if not (slash and k.strip().isdigit() and n.strip().isdigit() and 1 <= int(k) <= int(n)):
        raise UsageError(f"--shard {text!r} is not K/N with 1 ≤ K ≤ N", "e.g. --shard 3/10, the third of ten slices")
    return int(k), int(n)


def shard_range(count: int, shard: tuple[int, int]) -> range:
    """The positions of the cases of shard K of N: the K-th of N contiguous slices, of sizes that
    differ by one at most."""
    k, n = shard
    return range(count * (k - 1) // n, count * k // n)


def default_workers(cases: int) -> int:
    """One worker a core, and fewer when there are too few cases to keep them busy."""
    return max(1, min(len(os.sched_getaffinity(0)), cases // PER_WORKER))


def rank_batch(engine: Engine, items: Iterable[Case | Path], *, limit: int, genes: list[str],
               workers: int) -> Iterator[tuple[Case | Path, Ranked]]:
    """Each case with its ranking, in the order of ``items`` (a phenopacket's path is read by the worker).

    :param workers: processes that rank side by side (1: this one).
    """
    under_way: deque[Case | Path] = deque()  # the items taken, whose ranking has not come back yet

    def taken() -> Iterator[Case | Path]:
        for item in items:
            under_way.append(item)
            yield item

    rank = functools.partial(_rank_case, engine, limit, tuple(genes))
    with contextlib.closing(forked_stream(rank, taken(), workers)) as results:
        for ranked in results:
            yield under_way.popleft(), ranked


def _rank_case(engine: Engine, limit: int, genes: tuple[str, ...], item: Case | Path) -> Ranked:
    case = read_phenopacket_or_problem(item) if isinstance(item, Path) else item
    line: dict = {"case_id": case.case_id, "ranking": []}
    if isinstance(case, UnreadablePhenopacket):
        line["problem"] = case.problem
        return Ranked(json.dumps(line, ensure_ascii=False), [case.problem])
    query = engine.query(case.observed, case.excluded, strict=False, genes=genes)
    if query.observed:
        line["ranking"] = [c.to_json(explanation=False) for c in engine.rank(query, limit, explain=False)]
    else:  # as dmkb diagnose without phenotypes: nothing to rank for
        line["problem"] = "no observed phenotypes"
    if hasattr(case, "subject"):
        line["subject"] = case.subject()
    return Ranked(json.dumps(line, ensure_ascii=False), _problems(query, engine.release))


def _problems(query, release: str) -> list[str]:
    """What is wrong with one case of a batch: each a warning (an error with --strict)."""
    problems = []
    if query.unknown:
        problems.append(f"left out, not HPO terms of release {release}: {', '.join(query.unknown)}")
    if query.not_phenotypes:
        problems.append(f"left out, not phenotypic abnormalities: {', '.join(query.not_phenotypes)}")
    if query.contradictory:
        problems.append(f"both observed and excluded, counted as observed: {', '.join(query.contradictory)}")
    if not query.observed:
        problems.append("no observed phenotypes: the case is not ranked")
    return problems
