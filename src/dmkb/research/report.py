"""The answer to a research question as data: evidence, and a report built from it.

Renderers (:mod:`dmkb.research.render`) turn it into text, markdown or JSON; the website and
the job queue reuse the same data. Offline, every statement of the report is a verified quote
of a reference it cites.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from dmkb.references.ids import reference_url
from dmkb.research.index import Document
from dmkb.research.text import stems

# The domains of a disorder the report's table covers, in order, each with stems that mark a
# passage as being about it (the first domain with most marks wins).
DOMAINS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (name, frozenset(stems(words)))
    for name, words in (
        ("Definition and classification", "defined definition classification classified entity subtype "
                                          "category rare form variant type"),
        ("Cause and risk factors", "cause caused etiology risk factor factors exposure trigger infection "
                                   "environmental predisposition susceptibility incidence prevalence"),
        ("Presentation", "presents presentation presenting symptom symptoms sign signs manifestation manifestations "
                         "clinical features fever complaint phenotype"),
        ("Diagnosis", "diagnosis diagnostic diagnosed test testing biopsy imaging marker markers criteria "
                      "laboratory cytometry immunophenotype screening detection sensitivity specificity"),
        ("Genetics and mechanisms", "mutation mutations gene genes genetic genomic variant pathway signaling "
                                    "activation expression pathogenesis mechanism molecular protein receptor "
                                    "cells inflammation"),
        ("Treatment", "treatment treated therapy therapies chemotherapy transplantation inhibitor drug regimen "
                      "response remission dose surgery management trial"),
        ("Prognosis", "prognosis prognostic survival mortality outcome outcomes death died relapse median "
                      "course"),
    )
)


@dataclass(frozen=True)
class Evidence:
    """A passage that answers the question: a contiguous quote of its reference's cached text."""

    reference: str
    quote: str
    score: float
    key: str
    section: str | None
    also: tuple[str, ...] = ()  # keys of other references holding the same words (verified too)

    def to_json(self) -> dict[str, Any]:
        return {"reference": self.reference, "quote": self.quote, "score": round(self.score, 2),
                "key": self.key, "section": self.section}


@dataclass(frozen=True)
class Statement:
    text: str
    citations: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "citations": list(self.citations)}


@dataclass(frozen=True)
class Section:
    title: str
    statements: tuple[Statement, ...]

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "statements": [s.to_json() for s in self.statements]}


@dataclass(frozen=True)
class TableRow:
    domain: str
    key_points: str
    citations: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"domain": self.domain, "key_points": self.key_points, "citations": list(self.citations)}


@dataclass(frozen=True)
class Reference:
    key: str
    id: str
    title: str | None
    authors: tuple[str, ...]
    year: int | None
    journal: str | None
    url: str | None

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "id": self.id, "title": self.title, "authors": ", ".join(self.authors),
                "year": self.year, "journal": self.journal, "url": self.url}


@dataclass
class Report:
    title: str
    table: list[TableRow] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "table": [r.to_json() for r in self.table],
                "sections": [s.to_json() for s in self.sections],
                "references": [r.to_json() for r in self.references]}

    def statements(self) -> list[Statement]:
        return [s for section in self.sections for s in section.statements]


@dataclass(frozen=True)
class InferredDisorder:
    """A disorder that a question naming none was taken to be about, and the question's words that
    its KB entry names (genes, drugs, …)."""

    name: str
    mondo_id: str | None
    stem: str | None
    words: tuple[str, ...]
    strength: float

    def to_json(self) -> dict[str, Any]:
        return {"disorder": self.name, "mondo_id": self.mondo_id, "stem": self.stem, "from": list(self.words),
                "strength": round(self.strength, 2)}

    def line(self) -> str:
        """How the answer names it: "Cystic Fibrosis (MONDO:0009061), from ivacaftor, cftr"."""
        mondo = f" ({self.mondo_id})" if self.mondo_id else ""
        return f"{self.name}{mondo}, from {', '.join(self.words)}"


@dataclass
class Answer:
    """Everything ``dmkb ask`` says about one question."""

    id: str | None
    question: str
    disorder: str | None
    mondo_id: str | None
    stem: str | None  # the disorder's KB entry, when it has one
    evidence: list[Evidence]
    report: Report
    engine: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    inferred: list[InferredDisorder] = field(default_factory=list)  # when the question names no disorder

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "question": self.question, "disorder": self.disorder,
                               "evidence": [e.to_json() for e in self.evidence], "report": self.report.to_json(),
                               "engine": self.engine}
        if self.inferred:
            out["inferred"] = [i.to_json() for i in self.inferred]
        if self.notes:
            out["notes"] = self.notes
        return out


def citation_key(document: Document) -> str:
    """A key like ``tang2017aggressivenkcellleukemia``: first author's surname, year, three title words."""
    if document.reference.lower().startswith("clinicaltrials:"):
        return _ascii(document.reference.partition(":")[2])  # trials are known by their NCT id
    surname = _surname(document.authors[0]) if document.authors else ""
    year = _year(document.year)
    title_words = [w for w in (_ascii(w) for w in (document.title or "").split()) if w]
    key = f"{surname}{year or ''}{''.join(title_words[:3])}"
    return key or _ascii(document.reference)


def _surname(author: str) -> str:
    """``Tang YT`` -> tang; ``Siba El Hussein`` -> hussein; ``Dufva, Olli`` -> dufva."""
    if "," in author:
        return _ascii(author.split(",")[0].split()[-1] if author.split(",")[0].split() else "")
    parts = author.split()
    if len(parts) > 1 and parts[-1].isupper() and len(parts[-1]) <= 3:
        return _ascii(parts[-2])  # PubMed style: surname, then initials
    return _ascii(parts[-1]) if parts else ""


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", folded)


def _year(value: str | None) -> int | None:
    match = re.search(r"\b(1[89]\d\d|20\d\d)\b", value or "")
    return int(match.group(1)) if match else None


def unique_keys(documents: list[Document]) -> dict[int, str]:
    """A key for each document; documents that would share one get a, b, … appended."""
    keys: dict[int, str] = {}
    used: dict[str, int] = {}
    for document in documents:
        key = citation_key(document)
        if key in used:
            used[key] += 1
            key = f"{key}{chr(ord('a') + used[key] - 1)}"
        else:
            used[key] = 1
        keys[document.id] = key
    return keys


def reference_entry(document: Document, key: str) -> Reference:
    url = reference_url(document.reference)
    if url is None and document.doi:
        url = reference_url(f"DOI:{document.doi}")
    return Reference(key, document.reference, document.title, document.authors, _year(document.year),
                     document.journal, url)


OTHER = "Other findings"


def domain_of(quote_stems: list[str], section: str | None) -> str:
    """The domain a passage speaks to, by the words it uses (and its section's name)."""
    words = set(quote_stems) | set(stems(section or ""))
    best, best_count = OTHER, 0
    for name, marks in DOMAINS:
        count = len(words & marks)
        if count > best_count:
            best, best_count = name, count
    return best
