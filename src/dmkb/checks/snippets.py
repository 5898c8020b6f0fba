"""Check ``snippet``: every evidence quote appears in the cached text of its reference.

Matching rules are in :mod:`dmkb.references.matching`. Evidence that refutes a statement or
marks it wrong may quote text the source does not contain, so misses there are only ``info``.
"""

from __future__ import annotations

from collections.abc import Iterator

from dmkb.checks.context import CheckContext
from dmkb.checks.finding import Finding
from dmkb.entry_walk import evidence_items
from dmkb.references.citations import quoted_source
from dmkb.references.matching import QuoteMatch

NAME = "snippet"

_MAY_BE_ABSENT = frozenset({"REFUTE", "WRONG_STATEMENT"})
_PASSAGE_CHARS = 300


def check(ctx: CheckContext) -> Iterator[Finding]:
    for path, item in evidence_items(ctx.data):
        cited = quoted_source(item)
        if cited is None:
            continue
        snippet = item.get("snippet")
        if snippet is None or (isinstance(snippet, str) and not snippet.strip()):
            where = (*path, "snippet") if "snippet" in item else path
            yield ctx.finding("warning", where, f"evidence from {item.get('reference')} has no snippet",
                              "quote the sentence of the source that supports the statement")
            continue
        if not isinstance(snippet, str):
            continue  # the schema check reports it
        source = ctx.kb.source_text(cited)
        if source is None:
            continue  # not cached: the reference check reports it
        match = source.match(snippet)
        if match.found:
            continue
        severity = "info" if item.get("supports") in _MAY_BE_ABSENT else "error"
        yield ctx.finding(severity, (*path, "snippet"), f"snippet not found in {cited}",
                          _hint(ctx, cited, match))


def _hint(ctx: CheckContext, cited: str, match: QuoteMatch) -> str:
    if match.out_of_order:
        return "each part between the '...' is in the source, but not in this order; reorder or split the quote"
    similarity, passage = match.similarity, match.passage
    cached = ctx.kb.references.get(cited)
    abstract_only = cached is not None and "abstract" in str(cached.metadata.get("content_type", ""))
    parts = []
    if passage:
        if len(passage) > _PASSAGE_CHARS:
            passage = passage[:_PASSAGE_CHARS] + "…"
        parts.append(f"closest passage ({similarity:.0%} similar): «{passage}»")
    if abstract_only and similarity < 0.9:
        parts.append("the cache holds only the abstract; the quote may come from the full text")
    return "; ".join(parts) or "quote the source word for word; mark omissions with '...'"
