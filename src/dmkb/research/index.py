"""The literature index: what retrieval asks of a search backend, and the records it returns.

Everything is in stems (:func:`dmkb.research.text.stems`). A backend holds three kinds of
record: documents (one per cached reference), passages (about a sentence each, a contiguous
slice of the document's cached text) and statements (a KB entry's curated claim with its
evidence, tied to the passage its snippet quotes). The default backend is SQLite FTS5
(:mod:`dmkb.research.sqlite_index`); ``docs/research-scale.md`` maps the same interface onto a
search engine.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Document:
    """A cached reference."""

    id: int
    reference: str  # PMID:1, DOI:10.1/x, clinicaltrials:NCT…, LOCAL:…
    title: str | None
    authors: tuple[str, ...]
    journal: str | None
    year: str | None
    doi: str | None
    pmid: str | None
    content_type: str | None


@dataclass(frozen=True)
class Passage:
    """About a sentence of a document; ``text`` is a contiguous slice of its cached text."""

    id: int
    doc: int
    seq: int  # position in the document
    section: str | None
    text: str
    stems: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """A KB entry's curated claim and the evidence it quotes."""

    id: int
    stem: str  # the entry's file name without .yaml
    disorder: str
    kind: str  # the part of the entry: pathophysiology, phenotypes, treatments, …
    name: str
    reference: str
    passage: int | None  # the passage its snippet quotes, when one does
    doc: int | None  # the document of that passage
    score: float = 0.0


@dataclass(frozen=True)
class Hit:
    """A document or passage id and its full-text score (higher is better)."""

    id: int
    doc: int
    score: float


class LiteratureIndex(Protocol):
    """Search over documents, passages and statements. Scores are BM25-like, higher is better."""

    def passage_count(self) -> tuple[int, float]:
        """How many passages there are, and their average length in stems."""

    def passage_frequencies(self, stems: Collection[str]) -> dict[str, int]:
        """In how many passages each stem occurs (stems in no passage are left out)."""

    def search_documents(self, stems: Sequence[str], limit: int, within: Sequence[Sequence[str]] = ()) -> list[Hit]:
        """Documents holding any of ``stems`` (and one of the phrases ``within``, if given), best first;
        titles count more than text."""

    def documents_mentioning(self, phrases: Sequence[Sequence[str]], limit: int) -> dict[int, bool]:
        """Documents holding one of ``phrases`` (runs of stems): id -> whether it is in the title."""

    def documents_of(self, references: Collection[str]) -> set[int]:
        """The documents of these references (ids compared without case)."""

    def search_passages(self, stems: Sequence[str], limit: int) -> list[Hit]:
        """Passages holding any of ``stems``, best first."""

    def passages_of(self, docs: Collection[int]) -> list[Passage]:
        """Every passage of these documents, in document order."""

    def documents(self, ids: Collection[int]) -> dict[int, Document]:
        """The documents with these ids."""

    def search_statements(self, stems: Sequence[str], hidden: Collection[str], limit: int) -> list[Statement]:
        """Statements holding any of ``stems``, best first, leaving out those of the entries ``hidden``."""
