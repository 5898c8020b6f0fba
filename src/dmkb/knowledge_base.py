"""A knowledge base opened for checking and compiling: its files and the caches they cite."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dmkb.load.kb import KbFiles
from dmkb.load.layout import KbLayout, find_layout
from dmkb.references.cache import ReferenceCache
from dmkb.settings import term_index_dir
from dmkb.terms.cache import TermCache

if TYPE_CHECKING:
    from dmkb.references.matching import SourceText
    from dmkb.terms.index import TermIndex


class KnowledgeBase(KbFiles):
    """The parts of a KB that checks read, each read once and only when first needed."""

    def __init__(self, layout: KbLayout) -> None:
        super().__init__(layout)
        self.references = ReferenceCache(layout.references_dir)
        self.terms = TermCache(layout.cache_dir)
        self._sources: dict[str, SourceText | None] = {}
        self._filed_wrongly: dict[str, list[str]] = {}
        self._term_index: TermIndex | None | bool = False  # False: not opened yet

    @property
    def term_index(self) -> TermIndex | None:
        """The built term index (``dmkb terms build``), or ``None`` when there is none."""
        if self._term_index is False:
            if not any(term_index_dir().glob("*.sqlite")):  # none built: no need to import the index
                self._term_index = None
                return None
            from dmkb.terms.index import TermIndex

            index = TermIndex()
            self._term_index = index if index.built else None
        return self._term_index

    def after_fork(self) -> None:
        """In a forked worker: its own connections to the term index, never those of the parent."""
        if self._term_index:
            self._term_index.after_fork()

    def source_text(self, reference_id: str) -> SourceText | None:
        """The cached text of a reference, prepared for quote matching; ``None`` if not cached."""
        if reference_id not in self._sources:
            from dmkb.references.matching import SourceText

            cached = self.references.get(reference_id)
            self._sources[reference_id] = SourceText(cached.text) if cached else None
        return self._sources[reference_id]


    def filed_wrongly(self, reference_id: str) -> list[str]:
        """Where the cache file of a cached reference contradicts the id it is filed under (see
        :func:`~dmkb.references.identity.cached_problems`); worked out once per reference, however
        many entries cite it."""
        if reference_id not in self._filed_wrongly:
            from dmkb.references.identity import cached_problems

            cached = self.references.get(reference_id)
            path = self.references.path_of(reference_id) if cached and cached.metadata else None
            self._filed_wrongly[reference_id] = cached_problems(path.name, cached) if cached and path else []
        return self._filed_wrongly[reference_id]


def open_knowledge_base(inputs: Sequence[str | Path]) -> KnowledgeBase:
    """Open the KB of a root folder or of some disorder files (see :func:`find_layout`)."""
    return KnowledgeBase(find_layout(inputs))
