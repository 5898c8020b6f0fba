"""The term index as the server uses it: opened once, shared by the request threads."""

from __future__ import annotations

import threading
from typing import Any

from dmkb.terms.index import TermIndex
from dmkb.terms.lookup import lookup_one
from dmkb.terms.search import search


class TermService:
    """Term search and lookup for the API; ``None`` answers when the index is not built."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one set of connections: one query at a time
        self._index: TermIndex | None = None

    def _opened(self) -> TermIndex | None:
        if self._index is None:  # looked for again at each request until it is built
            index = TermIndex()
            self._index = index if index.sources else None
        return self._index

    def available(self) -> bool:
        """Whether the term index is built (else terms cannot be found by words)."""
        with self._lock:
            return self._opened() is not None

    def prefixes(self) -> set[str] | None:
        """The prefixes the built index holds terms of."""
        with self._lock:
            index = self._opened()
            return None if index is None else {p for s in index.sources for p in s.prefixes}

    def search(self, text: str, prefix: str | None, limit: int) -> list[dict[str, Any]] | None:
        with self._lock:
            index = self._opened()
            return None if index is None else [h.to_json() for h in search(index, text, prefix, limit)]

    def lookup(self, curie: str) -> dict[str, Any] | None:
        with self._lock:
            index = self._opened()
            return None if index is None else lookup_one(index, curie)
