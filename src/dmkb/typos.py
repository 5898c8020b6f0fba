"""How many typing mistakes a searched word may hold, the same for every search of dmkb (the
site's disorders, ontology terms): one from 4 letters, two from 8, as optimal string alignment
counts them (a swap of two neighbouring letters is one mistake)."""

from __future__ import annotations

TYPOS_FROM = (4, 8)  # a query word this long may hold one typing mistake, this long two


def typos_allowed(word: str) -> int:
    """How many typing mistakes a query word may hold."""
    return sum(len(word) >= n for n in TYPOS_FROM)


def within_typos(query_word: str, word: str) -> bool:
    """Whether ``word`` is at most the allowed number of typing mistakes away from ``query_word``."""
    from rapidfuzz.distance import OSA  # not loaded by commands that never search

    allowed = typos_allowed(query_word)
    return bool(allowed) and abs(len(word) - len(query_word)) <= allowed \
        and OSA.distance(query_word, word, score_cutoff=allowed) <= allowed
