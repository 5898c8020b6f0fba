"""Check ``term``: ontology ids are well formed and, where the KB caches their ontology,
known to the cache and labelled as the cache labels them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dmkb.checks.context import CheckContext
from dmkb.checks.finding import Finding
from dmkb.checks.walk import term_references, text

NAME = "term"

_CURIE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*:[^\s:]\S*")
_SEVEN_DIGITS = re.compile(r"\d{7}")
_DIGITS = re.compile(r"\d+")
_LOCAL_IDS = {
    **{p: _SEVEN_DIGITS for p in ("hp", "mondo", "go", "cl", "uberon", "maxo", "obi", "ecto", "xco",
                                   "opl", "geno", "pato", "exo")},
    "envo": re.compile(r"\d{8}"),
    "foodon": re.compile(r"\d{8}"),
    "chebi": _DIGITS,
    "ncbitaxon": _DIGITS,
    "hgnc": _DIGITS,
    "ncit": re.compile(r"C\d+"),
}


def check(ctx: CheckContext) -> Iterator[Finding]:
    terms = ctx.kb.terms
    for path, term in term_references(ctx.data):
        curie = term.get("id")
        if not isinstance(curie, str):
            continue  # missing or not text: the schema check reports it
        problem = malformed(curie)
        if problem:
            yield ctx.finding("error", (*path, "id"), problem, "write the id as PREFIX:local, e.g. HP:0001945")
            continue
        if not terms.covers(curie):
            continue
        row = terms.get(curie)
        prefix = curie.partition(":")[0].lower()
        if row is None:
            if terms.in_enum_cache(curie):
                continue  # known valid, only its label is not cached
            yield ctx.finding("warning", (*path, "id"), f"{curie} is not in the KB's term cache ({prefix})",
                              f"check the id, then add it to cache/{prefix}/terms.csv")
            continue
        label = text(term.get("label"))
        if label and row.label and not same_label(label, row.label):
            yield ctx.finding("error", (*path, "label"),
                              f"label '{label}' differs from the label of {curie}: '{row.label}'",
                              f"write label: {row.label}")


def malformed(curie: str) -> str | None:
    """Why ``curie`` is not a well-formed ontology id, or ``None`` when it is."""
    if not _CURIE.fullmatch(curie):
        return f"'{curie}' is not an ontology id (PREFIX:local)"
    prefix, _, local = curie.partition(":")
    pattern = _LOCAL_IDS.get(prefix.lower())
    if pattern and not pattern.fullmatch(local):
        return f"'{curie}' is not a well-formed {prefix} id"
    return None


def same_label(written: str, cached: str) -> bool:
    """Labels agree up to case and spacing."""
    return " ".join(written.casefold().split()) == " ".join(cached.casefold().split())
