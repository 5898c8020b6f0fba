"""Check ``graph``: every causal edge and treatment target names a step of this entry.

Mechanism steps are the ``pathophysiology`` items (also those of ``stages``); an edge
(``downstream``, ``sequelae``) may lead to a step or a phenotype, a treatment's
``target_mechanisms`` only to a step.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dmkb.checks.context import CheckContext
from dmkb.checks.finding import Finding
from dmkb.entry_path import Path
from dmkb.entry_walk import items, lenient_get, text

NAME = "graph"


def check(ctx: CheckContext) -> Iterator[Finding]:
    data = ctx.data
    if not isinstance(data, dict):
        return
    steps = list(_mechanism_steps(data, ()))
    phenotypes = [(("phenotypes", i), p) for i, p in items(lenient_get(data, "phenotypes"))]
    step_names = _names(steps)
    phenotype_names = _names(phenotypes)
    yield from _duplicates(ctx, steps, "mechanism step")
    linked: set[str] = set()
    suggest = _Suggestions()
    for path, step in steps:
        for j, edge in items(lenient_get(step, "downstream")):
            yield from _edge(ctx, edge, (*path, "downstream", j), step_names, phenotype_names, linked, suggest)
    for path, phenotype in phenotypes:
        for j, edge in items(lenient_get(phenotype, "sequelae")):
            linked.add(lenient_get(phenotype, "name"))
            yield from _edge(ctx, edge, (*path, "sequelae", j), step_names, phenotype_names, linked, suggest)
    for i, treatment in items(lenient_get(data, "treatments")):
        for j, edge in items(lenient_get(treatment, "target_mechanisms")):
            yield from _edge(ctx, edge, ("treatments", i, "target_mechanisms", j), step_names, {}, linked, suggest)
    for path, phenotype in phenotypes:
        name = text(lenient_get(phenotype, "name"))
        if name and name not in linked:
            yield ctx.finding("info", path, f"phenotype '{name}' is not linked to the mechanism graph",
                              "name it as a 'downstream' target of the mechanism step that causes it")


def _mechanism_steps(data: dict[str, Any], path: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    for i, step in items(lenient_get(data, "pathophysiology")):
        yield (*path, "pathophysiology", i), step
    for i, stage in items(data.get("stages")):
        yield from _mechanism_steps(stage, (*path, "stages", i))
    for i, stage in items(data.get("substages")):
        yield from _mechanism_steps(stage, (*path, "substages", i))


def _names(nodes: list[tuple[Path, dict[str, Any]]]) -> dict[str, Path]:
    names: dict[str, Path] = {}
    for path, node in nodes:
        name = text(lenient_get(node, "name"))
        if name and name not in names:
            names[name] = path
    return names


def _duplicates(ctx: CheckContext, nodes: list[tuple[Path, dict[str, Any]]], kind: str) -> Iterator[Finding]:
    first: dict[str, Path] = {}
    for path, node in nodes:
        name = text(node.get("name"))
        if not name:
            continue
        if name in first:
            other = ctx.entry.doc.line_of(first[name])
            yield ctx.finding("error", (*path, "name"), f"two {kind}s are named '{name}' (the other at line {other})",
                              "give each a distinct name, or merge them; edges cannot tell them apart")
        else:
            first[name] = path


class _Suggestions:
    """The name most like a target that names nothing, within a budget of comparisons per file:
    an entry with thousands of broken links must not take quadratic time. Once the budget is
    spent, only names differing in case are still suggested."""

    BUDGET = 2_000_000  # name comparisons per file (about a second)

    def __init__(self) -> None:
        self.left = self.BUDGET
        self.found: dict[str, str | None] = {}

    def nearest(self, target: str, candidates: list[str]) -> str | None:
        if target not in self.found:
            folded = target.casefold()
            same = next((c for c in candidates if c.casefold() == folded), None)
            if same is None and self.left >= len(candidates):
                from rapidfuzz import fuzz, process  # only for broken links: milliseconds of start-up

                self.left -= len(candidates)
                match = process.extractOne(target, candidates, scorer=fuzz.ratio, score_cutoff=50)
                same = match[0] if match else None
            self.found[target] = same
        return self.found[target]


def _edge(
    ctx: CheckContext,
    edge: dict[str, Any],
    path: Path,
    steps: dict[str, Path],
    phenotypes: dict[str, Path],
    linked: set[str],
    suggest: _Suggestions,
) -> Iterator[Finding]:
    target = lenient_get(edge, "target")
    if not isinstance(target, str):
        return  # missing or not text: the schema check reports it
    if target in steps or target in phenotypes:
        linked.add(target)
        return
    kinds = "mechanism step or phenotype" if phenotypes else "mechanism step"
    candidates = [*steps, *phenotypes]
    nearest = suggest.nearest(target, candidates)
    if nearest:
        linked.add(nearest)  # most likely what was meant: do not also report it as unlinked
    plural = "mechanism steps or phenotypes" if phenotypes else "mechanism steps"
    hint = f"did you mean '{nearest}'?" if nearest else f"name one of the {len(candidates)} {plural} of this entry"
    yield ctx.finding("error", (*path, "target"), f"target '{target}' names no {kinds} of this entry", hint)
