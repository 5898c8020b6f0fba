"""Moved to :mod:`dmkb.entry_walk`; kept only for :mod:`dmkb.similarity.kb` until it reads ``kb.sqlite``."""

from dmkb.entry_walk import items, term_references, text

__all__ = ["items", "term_references", "text"]
