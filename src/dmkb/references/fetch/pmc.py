"""Open-access full texts from PubMed Central: ``efetch.fcgi?db=pmc`` answers JATS XML.

Articles whose publishers do not allow it come without a ``<body>``: those have no full text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from dmkb.references.fetch.http import BadResponse, SourceClient
from dmkb.references.jats import body_text, inline_text
from dmkb.references.markup import element_text, parse_xml
from dmkb.references.record import ABSTRACT, FULL_TEXT, YEAR, LiteratureRecord

BATCH = 20  # full texts are large


@dataclass(frozen=True)
class PmcArticle:
    """One PMC article: its ids, metadata, abstract and (when open access) its body as text."""

    pmcid: str
    pmid: str | None
    doi: str | None
    title: str | None
    authors: tuple[str, ...]
    journal: str | None
    year: str | None
    abstract: str
    body: str  # '' when PMC may not give the full text

    def record(self, reference_id: str) -> LiteratureRecord:
        """The article as a record of its own (for ``PMC:`` ids)."""
        text = "\n\n".join(t for t in (self.abstract, self.body) if t)
        return LiteratureRecord(
            reference_id=reference_id, title=self.title, text=text,
            content_type=FULL_TEXT if self.body else ABSTRACT, authors=self.authors, journal=self.journal,
            year=self.year, doi=self.doi, pmid=self.pmid, pmcid=self.pmcid, source="pmc",
        )


class Pmc:
    """PMC articles by PMCID."""

    def __init__(self, client: SourceClient) -> None:
        self.client = client

    def fetch(self, pmcids: Sequence[str]) -> dict[str, PmcArticle]:
        """The articles of up to :data:`BATCH` PMCIDs (``PMC123``), by PMCID."""
        numbers = [p.upper().removeprefix("PMC") for p in pmcids]
        response = self.client.get("efetch.fcgi", {"db": "pmc", "retmode": "xml", "id": ",".join(numbers)})
        articles = parse_pmc_xml(response.content, f"PMC's answer for {', '.join(pmcids)}")
        return {a.pmcid: a for a in articles}


def parse_pmc_xml(data: bytes, what: str) -> list[PmcArticle]:
    """The articles of a ``<pmc-articleset>`` (or of a single JATS ``<article>``)."""
    return pmc_articles(parse_xml(data, what), what)


def pmc_articles(root: etree._Element, what: str) -> list[PmcArticle]:
    """The articles of a parsed ``<pmc-articleset>`` or ``<article>``."""
    if root.tag == "article":
        return [_article(root)]
    if root.tag != "pmc-articleset":
        error = element_text(root.find(".//ERROR")) or f"a <{root.tag}> document"
        raise BadResponse(f"{what} is not a PMC article set: {error}")
    return [_article(a) for a in root.iterfind("article")]


def _article(article: etree._Element) -> PmcArticle:
    meta = article.find("front/article-meta")
    if meta is None:
        raise BadResponse("a PMC article without front/article-meta")
    ids = {a.get("pub-id-type"): element_text(a) for a in meta.iterfind("article-id")}
    pmcid = ids.get("pmcid") or ids.get("pmc") or ""
    if not pmcid:
        raise BadResponse("a PMC article without a PMCID")
    abstract = next((a for a in meta.iterfind("abstract") if a.get("abstract-type") in (None, "structured")), None)
    return PmcArticle(
        pmcid="PMC" + pmcid.upper().removeprefix("PMC"),
        pmid=ids.get("pmid") or None,
        doi=ids.get("doi") or None,
        title=inline_text(meta.find("title-group/article-title")) or None,
        authors=_authors(meta),
        journal=element_text(article.find("front/journal-meta/journal-title-group/journal-title")) or None,
        year=_year(meta),
        abstract=body_text(abstract),
        body=body_text(article.find("body")),
    )


def _authors(meta: etree._Element) -> tuple[str, ...]:
    names = []
    for contrib in meta.iterfind("contrib-group/contrib[@contrib-type='author']"):
        surname = element_text(contrib.find("name/surname"))
        given = element_text(contrib.find("name/given-names"))
        initials = "".join(part[0] for part in given.replace("-", " ").split() if part)
        name = " ".join(p for p in (surname, initials) if p) or element_text(contrib.find("collab"))
        if name:
            names.append(name)
    return tuple(names)


def _year(meta: etree._Element) -> str | None:
    for date in meta.iterfind("pub-date"):
        found = YEAR.search(element_text(date.find("year")))
        if found:
            return found.group(1)
    return None
