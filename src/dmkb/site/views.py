"""The typed contexts the templates format. Templates only lay these out: every decision
(what to show, in which order, with which badge) is made by the builders that fill them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup

from dmkb.site.graph import Graph
from dmkb.site.yaml_view import YamlBlock


@dataclass(frozen=True)
class Term:
    """An ontology term chip: its name, its id and the id's public page."""

    label: str
    curie: str | None = None
    href: str | None = None
    modifier: str | None = None  # "increased", "abnormal", …


@dataclass(frozen=True)
class Badge:
    text: str
    tone: str = "neutral"  # neutral | info | good | warn | bad | strong


@dataclass(frozen=True)
class Link:
    text: str
    href: str | None = None


@dataclass(frozen=True)
class EvidenceView:
    """One evidence item: the quote, its source, what it claims and whether the quote checks out."""

    reference: str
    href: str | None  # the reference's public page
    title: str | None
    snippet: str | None
    explanation: str | None
    support: str  # "Supports", "Refutes", …
    support_tone: str
    source_type: str | None  # "Human clinical", "Model organism", …
    status: str  # verified | not_found | not_cached | no_snippet
    status_label: str
    also_cited_by: tuple[Link, ...] = ()  # other items of the page backed by the same quote
    repeat: bool = False  # the same quote is shown above, for this same item


@dataclass
class Relation:
    """An edge leaving the card's item: a causal link or a treatment's target, with its own evidence."""

    verb: str
    target: Link
    qualifier: str | None = None
    description: str | None = None
    evidence: list[EvidenceView] = field(default_factory=list)
    evidence_summary: list[tuple[str, str]] = field(default_factory=list)  # see dmkb.site.evidence


@dataclass
class Card:
    """One item of a section: a mechanism step, a phenotype, a treatment, …"""

    title: str
    anchor: str | None = None
    href: str | None = None  # where the title links to (another page of the KB)
    kicker: str | None = None  # a small line above the title (a category)
    badges: list[Badge] = field(default_factory=list)
    terms: list[tuple[str, list[Term]]] = field(default_factory=list)  # (group, terms)
    facts: list[tuple[str, str]] = field(default_factory=list)
    paragraphs: list[tuple[str | None, str]] = field(default_factory=list)  # (label, text)
    bullets: list[tuple[str, list[str]]] = field(default_factory=list)
    links: list[tuple[str, list[Link]]] = field(default_factory=list)  # "Arises from", "Acted on by", …
    relations: list[Relation] = field(default_factory=list)
    evidence: list[EvidenceView] = field(default_factory=list)
    evidence_summary: list[tuple[str, str]] = field(default_factory=list)  # see dmkb.site.evidence
    children: list[Card] = field(default_factory=list)
    in_graph: bool = False


@dataclass(frozen=True)
class Table:
    """A summary table at the head of a section; each row links to its card."""

    columns: list[str]
    rows: list[list[Link]]


@dataclass(frozen=True)
class SimilarItem:
    """A condition close to the page's disorder: what they share and what tells them apart."""

    name: str
    href: str | None  # its page in this KB, or its public page
    curie: str
    shared: list[Term]
    only_here: list[Term]
    only_there: list[Term]
    shared_mechanisms: list[Term] = field(default_factory=list)
    mechanisms_only_here: list[Term] = field(default_factory=list)
    mechanisms_only_there: list[Term] = field(default_factory=list)
    score: float | None = None  # see dmkb.similarity.similar.SCORE_MEANING


@dataclass(frozen=True)
class SimilarView:
    """Computed similar conditions: other disorders of the KB, diseases HPO annotates."""

    kb: list[SimilarItem]
    hpo: list[SimilarItem]
    same_as: list[Term]  # HPO's entries for the page's own disorder
    score_meaning: str = ""


@dataclass
class Section:
    """A part of the page: an element with a fixed id (``phenotypes``), a title, its cards."""

    id: str
    title: str
    label: str  # short, for the table of contents
    cards: list[Card] = field(default_factory=list)
    intro: str | None = None
    template: str = "cards"  # which partial lays it out: overview | cards | graph | similar | research |
    # references | entry
    table: Table | None = None
    similar: SimilarView | None = None
    research: ResearchView | None = None
    checks: ChecksView | None = None

    @property
    def count(self) -> int:
        return len(self.cards) + (len(self.similar.kb) + len(self.similar.hpo) if self.similar else 0) \
            + (len(self.research.reports) if self.research else 0) \
            + len(self.checks.problems or () if self.checks else ())


@dataclass(frozen=True)
class ReferenceView:
    id: str
    anchor: str
    href: str | None
    title: str | None
    authors: str | None
    journal: str | None
    year: str | None
    cached: bool
    cited: int  # evidence items citing it
    verified: int  # of which verified


@dataclass
class Overview:
    name: str
    mondo: Term | None
    synonyms: list[str]
    categories: list[str]
    parents: list[str]
    description: str | None
    file: str
    dates: list[tuple[str, str]]
    stats: list[tuple[str, int, str]]  # (label, number, section id)
    evidence: dict[str, int]  # verification status -> count


@dataclass(frozen=True)
class CurationEvent:
    when: str
    action: str | None
    by: str | None
    description: str | None


@dataclass(frozen=True)
class EntryView:
    """The entry as curated: its file, the curators' notes and history, and its YAML."""

    file: str
    download: str  # the YAML file beside the page
    notes: list[tuple[str, str]]  # (label, text): "Notes", "Review notes"
    history: list[CurationEvent]
    yaml: list[YamlBlock]
    lines: int


@dataclass(frozen=True)
class FindingView:
    """One thing ``dmkb validate`` finds in the entry: where (line, path), what, and how to fix it."""

    severity: str  # error | warning | info
    label: str  # "Error", "Warning", "Note"
    tone: str  # of its badge
    check: str  # yaml | schema | graph | reference | snippet | term
    line: int
    path: str  # in the entry; empty for the file as a whole
    message: str
    hint: str | None


@dataclass(frozen=True)
class ChecksView:
    """The curation checks of the entry: ``None`` lists when the build recorded no findings."""

    file: str
    problems: list[FindingView] | None  # errors, then warnings
    info: list[FindingView] | None
    summary: str  # of the problems: "2 errors · 1 warning"
    info_summary: str  # "12 notes"
    notes: list[str]  # the checks that could not be made, and why


@dataclass(frozen=True)
class Problem:
    """Why the entry's file could not be compiled: the page shows its last good version."""

    file: str
    line: int
    message: str
    hint: str | None


@dataclass
class DisorderPage:
    """Everything a disorder page shows."""

    stem: str
    name: str
    overview: Overview
    sections: list[Section]  # with data, in page order (the overview first)
    empty: list[Section]  # the standard sections this entry has no data for
    graph: Graph | None
    references: list[ReferenceView]
    entry: EntryView | None = None
    problem: Problem | None = None

    @property
    def section_ids(self) -> list[str]:
        return [s.id for s in self.sections] + [s.id for s in self.empty]


_ROMAN = re.compile(r"^[IVX]+$")


def pretty(value: str) -> str:
    """Enum values for reading: ``HUMAN_CLINICAL`` → ``Human clinical``, ``PHASE_III`` → ``Phase III``.
    Other text is returned as it is."""
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", value) or len(value) <= 3:
        return value
    words = value.split("_")
    out = [w if _ROMAN.match(w) and i else w.lower() for i, w in enumerate(words)]
    out[0] = out[0].capitalize()
    return " ".join(w for w in out if w)


def humanize(key: str) -> str:
    """Field names for reading: ``distinguishing_features`` → ``Distinguishing features``."""
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class ReportReference:
    """One entry of a research report's reference list."""

    anchor: str  # the element id citation keys link to: ref-KEY
    label: str  # the key, or the number of a numbered list
    locators: str | None  # the parts cited: "pages 8-9; 9-10"
    html: Markup  # the entry's text, sanitised, its addresses linked
    source: str | None  # the reference id of the KB's cached copy of this source, if the KB has one
    source_href: str | None  # that reference on this page, when the entry cites it


@dataclass(frozen=True)
class ReportSection:
    title: Markup | None  # None for the text before the first heading
    html: Markup
    open: bool = False  # of a folded report, the first part with text is shown open


@dataclass(frozen=True)
class ReportView:
    """A stored deep-research report (or a job's answer), rendered and sanitised."""

    anchor: str
    file: str | None
    provider: str
    model: str | None
    date: str | None
    duration: str | None
    question: str
    title: str | None
    sections: list[ReportSection]
    folded: bool  # long: each section opens on a click
    references: list[ReportReference]
    citations: int  # citation keys in the text
    linked: int  # of which link to an entry of the reference list (or, for PMIDs, to PubMed)


@dataclass(frozen=True)
class ResearchView:
    """The research section: the question box and the stored reports."""

    stem: str
    name: str
    mondo_id: str | None
    revision: str  # of the entry (a hash of its YAML): answers kept in the browser are dropped when it changes
    server: str  # where the box sends questions ("" = the site's own server)
    reports: list[ReportView]
