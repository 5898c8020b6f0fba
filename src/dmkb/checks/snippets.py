"""Check ``snippet``: every evidence quote appears in the cached text of its reference.

Matching rules are in :mod:`dmkb.references.matching`. Evidence that refutes a statement or
marks it wrong may quote text the source does not contain, so misses there are only ``info``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator

from dmkb.checks.context import CheckContext
from dmkb.checks.finding import Finding
from dmkb.entry_walk import evidence_items
from dmkb.references.citations import quoted_source
from dmkb.references.matching import QuoteMatch, normalize, quote_parts

NAME = "snippet"

_MAY_BE_ABSENT = frozenset({"REFUTE", "WRONG_STATEMENT"})
_PASSAGE_CHARS = 300
_WORDS = re.compile(r"[a-z]+|[0-9]+")  # "beta1" and "beta 1" are the same words to the matcher
_GAP_MARK = "..."  # where the quote marks an omission: never one of _WORDS


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
                          _hint(ctx, cited, snippet, match))


def _hint(ctx: CheckContext, cited: str, snippet: str, match: QuoteMatch) -> str:
    if match.out_of_order:
        return "each part between the '...' is in the source, but not in this order; reorder or split the quote"
    similarity, passage = match.similarity, match.passage
    cached = ctx.kb.references.get(cited)
    abstract_only = cached is not None and "abstract" in str(cached.metadata.get("content_type", ""))
    parts = []
    if passage:
        if len(passage) > _PASSAGE_CHARS:
            passage = passage[:_PASSAGE_CHARS] + "…"
        shown = min(math.floor(similarity * 100), 99)  # not found: never "100% similar"
        parts.append(f"closest passage ({shown}% similar): «{passage}»")
        if difference := _first_difference(snippet, match.passage):
            parts.append(difference)
    if abstract_only and similarity < 0.9:
        parts.append("the cache holds only the abstract; the quote may come from the full text")
    return "; ".join(parts) or "quote the source word for word; mark omissions with '...'"


def _first_difference(snippet: str, passage: str) -> str | None:
    """Where the quote first departs from the closest passage, word by word as the matcher reads
    them, when the rest agrees closely enough for one difference to say something: "the quote has
    'decreased' where the source has 'increased'". Words the source has at a gap of the quote
    (``...``, ``[insertion]``) are what the gap stands for, never a difference."""
    quote: list[str] = []
    for part in quote_parts(snippet):
        quote += [_GAP_MARK, *_WORDS.findall(part)] if quote else _WORDS.findall(part)
    source = _WORDS.findall(normalize(passage))
    matcher = difflib.SequenceMatcher(None, quote, source, autojunk=False)
    if matcher.ratio() < 0.6:
        return None
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        ours = [w for w in quote[i1:i2] if w != _GAP_MARK]
        at_gap = _GAP_MARK in quote[max(i1 - 1, 0):i2 + 1]
        if tag == "equal" or (at_gap and not ours) or (tag == "insert" and at_gap):
            continue
        mine, theirs = " ".join(ours)[:80], " ".join(source[j1:j2])[:80]
        if tag == "replace":
            return f"the quote has '{mine}' where the source has '{theirs}'"
        if tag == "delete":
            return f"the source does not have '{mine}' here"
        return f"the source has '{theirs}' here, which the quote leaves out (mark omissions with '...')"
    return None
