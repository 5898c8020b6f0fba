"""Check ``reference``: cited ids are well formed, cached, filed under their own id (the cached
entry names no other work), and titled as their cached text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dmkb.checks.context import CheckContext
from dmkb.checks.finding import Finding
from dmkb.entry_path import Path
from dmkb.entry_walk import evidence_items, items, text
from dmkb.load.reference_files import ReferenceText
from dmkb.references.ids import parse_reference_id
from dmkb.references.matching import normalize

NAME = "reference"

_TAGS = re.compile(r"<[^>]+>")


def check(ctx: CheckContext) -> Iterator[Finding]:
    data = ctx.data
    told: set[str] = set()  # cached entries whose own problems were reported (at their first citation)
    for path, item in evidence_items(data):
        yield from _citation(ctx, item, path, "reference", "reference_title", told)
    if isinstance(data, dict):
        for i, item in items(data.get("references")):
            yield from _citation(ctx, item, ("references", i), "reference", "title", told)


def _citation(ctx: CheckContext, item: dict[str, Any], path: Path, id_key: str, title_key: str,
              told: set[str]) -> Iterator[Finding]:
    if id_key not in item:
        return  # a missing reference is the schema's to report (where it is required)
    ref = parse_reference_id(item[id_key])
    if ref.problem:
        severity = "warning" if ref.only_spelling else "error"
        yield ctx.finding(severity, (*path, id_key), ref.problem, ref.hint)
        if not ref.only_spelling:
            return
    if ref.is_dataset:
        return
    cited = f"{ref.prefix}:{ref.local.strip()}"
    cached = ctx.kb.references.get(cited)
    if cached is None:
        yield ctx.finding("error", (*path, id_key), f"{cited} is not cached, so its snippets cannot be checked",
                          f"run: dmkb refs fetch {cited} --cache {ctx.kb.layout.references_dir}")
        return
    if cited not in told:  # what is wrong with the cached entry itself, said once per entry
        told.add(cited)
        yield from _cached_entry(ctx, cited, cached, (*path, id_key))
    title = text(item.get(title_key))
    if title and cached.title and not same_title(title, cached.title):
        yield ctx.finding("error", (*path, title_key),
                          f"the {title_key} differs from the cached title of {cited}: '{cached.title}'",
                          "check that the right reference is cited, then copy the cached title")


def _cached_entry(ctx: CheckContext, cited: str, cached: ReferenceText, path: Path) -> Iterator[Finding]:
    if cached.problem:
        yield ctx.finding("warning", path, f"the cached text of {cited} is damaged: {cached.problem}",
                          "fetch the reference again")
        return
    contradictions = ctx.kb.filed_wrongly(cited)
    if contradictions:
        yield ctx.finding("error", path, f"the cached entry of {cited} may hold another work: {'; '.join(contradictions)}",
                          f"check it with dmkb refs show {cited}; fetch it again with: dmkb refs fetch {cited} "
                          f"--cache {ctx.kb.layout.references_dir} --force")


def same_title(cited: str, cached: str) -> bool:
    """Titles agree when their words agree (case, punctuation and markup aside)."""
    return normalize(_TAGS.sub(" ", cited)) == normalize(_TAGS.sub(" ", cached))
