"""PubMed through NCBI E-utilities: ``efetch.fcgi?db=pubmed&retmode=xml`` for many PMIDs at once,
``esearch.fcgi`` to find the PMID of a DOI.

Structured abstracts keep their section labels (``METHODS: …``), one paragraph each.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from dmkb.references.fetch.http import BadResponse, SourceClient, json_of
from dmkb.references.markup import element_text, parse_xml
from dmkb.references.record import ABSTRACT, YEAR, LiteratureRecord

BATCH = 200  # PMIDs per efetch request (E-utilities advise POST beyond a few hundred)


class PubMed:
    """PubMed records by PMID."""

    def __init__(self, client: SourceClient) -> None:
        self.client = client

    def fetch(self, pmids: Sequence[str]) -> dict[str, LiteratureRecord]:
        """The records of up to :data:`BATCH` PMIDs, by PMID; PMIDs PubMed lacks are left out."""
        response = self.client.get("efetch.fcgi", {"db": "pubmed", "retmode": "xml", "id": ",".join(pmids)})
        records = parse_pubmed_xml(response.content, f"PubMed's answer for PMID {', '.join(pmids)}")
        return {r.pmid: r for r in records if r.pmid}

    def search_doi(self, doi: str) -> list[str]:
        """The PMIDs PubMed files under ``doi`` (usually one, or none)."""
        response = self.client.get(
            "esearch.fcgi", {"db": "pubmed", "retmode": "json", "term": f"{doi}[doi]"}
        )
        try:
            found = json_of(response, f"PubMed's search for DOI {doi}")["esearchresult"]
            return [str(pmid) for pmid in found.get("idlist", [])]
        except (ValueError, KeyError, TypeError) as exc:
            raise BadResponse(f"PubMed's search for DOI {doi} did not answer with E-utilities JSON") from exc


def parse_pubmed_xml(data: bytes, what: str) -> list[LiteratureRecord]:
    """The records of a PubMed XML document (``<PubmedArticleSet>``), as efetch sends it.

    :raises BadMarkup: when it is not well-formed XML.
    :raises BadResponse: when it is XML but not a PubMed article set (an E-utilities error).
    """
    return pubmed_records(parse_xml(data, what), what)


def pubmed_records(root: etree._Element, what: str) -> list[LiteratureRecord]:
    """The records of a parsed ``<PubmedArticleSet>``."""
    if root.tag != "PubmedArticleSet":
        error = element_text(root.find(".//ERROR")) or f"a <{root.tag}> document"
        raise BadResponse(f"{what} is not a PubMed article set: {error}")
    records = [_article(a) for a in root.iterfind("PubmedArticle")]
    records += [_book(b) for b in root.iterfind("PubmedBookArticle")]
    return records


def _article(element: etree._Element) -> LiteratureRecord:
    citation = element.find("MedlineCitation")
    article = citation.find("Article") if citation is not None else None
    if citation is None or article is None:
        raise BadResponse("a PubmedArticle without MedlineCitation/Article")
    pmid = element_text(citation.find("PMID"))
    ids = _article_ids(element.find("PubmedData/ArticleIdList"))
    doi = ids.get("doi") or element_text(article.find("ELocationID[@EIdType='doi']")) or None
    journal = article.find("Journal")
    return LiteratureRecord(
        reference_id=f"PMID:{pmid}",
        title=element_text(article.find("ArticleTitle")) or element_text(article.find("VernacularTitle")) or None,
        text=abstract_text(article.find("Abstract")),
        content_type=ABSTRACT,
        authors=_authors(article.find("AuthorList")),
        journal=(element_text(journal.find("ISOAbbreviation")) or element_text(journal.find("Title")) or None)
        if journal is not None else None,
        year=_year(journal.find("JournalIssue/PubDate") if journal is not None else None)
        or _year(article.find("ArticleDate")),
        doi=doi,
        pmid=pmid or None,
        pmcid=ids.get("pmc"),
        source="pubmed",
    )


def _book(element: etree._Element) -> LiteratureRecord:
    document = element.find("BookDocument")
    if document is None:
        raise BadResponse("a PubmedBookArticle without BookDocument")
    pmid = element_text(document.find("PMID"))
    book = document.find("Book")
    title = element_text(document.find("ArticleTitle")) or element_text(document.find("Book/BookTitle"))
    return LiteratureRecord(
        reference_id=f"PMID:{pmid}",
        title=title or None,
        text=abstract_text(document.find("Abstract")),
        content_type=ABSTRACT,
        authors=_authors(document.find("AuthorList")) or _authors(document.find("Book/AuthorList")),
        journal=element_text(document.find("Book/BookTitle")) or None,
        year=_year(book.find("PubDate") if book is not None else None),
        doi=_article_ids(element.find("PubmedBookData/ArticleIdList")).get("doi"),
        pmid=pmid or None,
        source="pubmed",
    )


def abstract_text(abstract: etree._Element | None) -> str:
    """An ``<Abstract>``'s paragraphs; a structured abstract's labels kept (``RESULTS: …``)."""
    if abstract is None:
        return ""
    paragraphs = []
    for part in abstract.iterfind("AbstractText"):
        text = element_text(part)
        label = (part.get("Label") or "").strip()
        if text:
            paragraphs.append(f"{label}: {text}" if label else text)
    return "\n\n".join(paragraphs)


def _authors(author_list: etree._Element | None) -> tuple[str, ...]:
    """``Surname Initials`` (PubMed's own short form), or the group's name."""
    if author_list is None:
        return ()
    names = []
    for author in author_list.iterfind("Author"):
        collective = element_text(author.find("CollectiveName"))
        last = element_text(author.find("LastName"))
        initials = element_text(author.find("Initials")) or element_text(author.find("ForeName"))
        name = collective or " ".join(p for p in (last, initials) if p)
        if name:
            names.append(name)
    return tuple(names)


def _year(date: etree._Element | None) -> str | None:
    if date is None:
        return None
    found = YEAR.search(element_text(date.find("Year")) or element_text(date.find("MedlineDate")))
    return found.group(1) if found else None


def _article_ids(id_list: etree._Element | None) -> dict[str, str]:
    """``{"doi": …, "pmc": "PMC…", "pubmed": …}`` from an ``ArticleIdList``."""
    if id_list is None:
        return {}
    ids = {}
    for article_id in id_list.iterfind("ArticleId"):
        kind, value = article_id.get("IdType", ""), element_text(article_id)
        if kind and value and kind not in ids:
            ids[kind] = value
    if "pmc" in ids and not ids["pmc"].upper().startswith("PMC"):
        ids["pmc"] = "PMC" + ids["pmc"]
    return ids
