"""Fetch references into the cache: group ids by source, ask each source, check that every
record is the one asked for, and store it without making any entry worse.

PMIDs go to PubMed in batches, then to PMC for the open-access full texts of those with a
PMCID. DOIs go to Crossref, and to PubMed (by an ``esearch`` on the DOI) for an abstract and
a full text. NCT ids go to ClinicalTrials.gov. A source that stayed down through every retry
is not asked again in the same run (see :class:`SourceClient`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from dmkb.errors import DmkbError
from dmkb.references.fetch import pmc as pmc_module
from dmkb.references.fetch import pubmed as pubmed_module
from dmkb.references.fetch.config import FetchConfig
from dmkb.references.fetch.crossref import Crossref
from dmkb.references.fetch.ctgov import ClinicalTrials
from dmkb.references.fetch.http import NotFound, SourceClient
from dmkb.references.fetch.pmc import Pmc
from dmkb.references.fetch.pubmed import PubMed
from dmkb.references.identity import OWN_ID, record_problems, same_id
from dmkb.references.ids import parse_reference_id
from dmkb.references.record import FULL_TEXT, LiteratureRecord
from dmkb.references.store import EmptyRecord, ReferenceStore

FETCHABLE = ("PMID", "PMC", "DOI", "clinicaltrials")

Outcome = tuple[str, "LiteratureRecord | DmkbError", str | None]  # id, record or error, a note


@dataclass(frozen=True)
class FetchResult:
    """What became of one id."""

    reference_id: str
    status: str  # written, replaced, kept, failed
    content_type: str | None = None
    title: str | None = None
    path: Path | None = None
    message: str | None = None
    hint: str | None = None
    imported_from: str | None = None  # the file a record was imported from

    def as_json(self) -> dict[str, Any]:
        found = {"id": self.reference_id, "status": self.status, "content_type": self.content_type,
                 "title": self.title, "file": str(self.path) if self.path else None,
                 "message": self.message, "hint": self.hint}
        return found | ({"imported_from": self.imported_from} if self.imported_from else {})


class Sources:
    """One client per service, made from the configuration; close it when done."""

    def __init__(self, config: FetchConfig) -> None:
        ncbi = {"tool": "dmkb"} | ({"api_key": config.api_key} if config.api_key else {}) \
            | ({"email": config.email} if config.email else {})
        # PubMed and PMC share one client, so they share NCBI's limit: 3 requests/s, 10 with a key
        eutils = SourceClient("NCBI E-utilities", config.eutils_url, per_second=10 if config.api_key else 3,
                              settings=config.http, params=ncbi, setting_name="DMKB_EUTILS_URL")
        crossref = SourceClient("Crossref", config.crossref_url, per_second=5, settings=config.http,
                                setting_name="DMKB_CROSSREF_URL", contact=config.email)
        # ClinicalTrials.gov asks for about 50 requests a minute
        ctgov = SourceClient("ClinicalTrials.gov", config.ctgov_url, per_second=0.8, settings=config.http,
                             setting_name="DMKB_CTGOV_URL")
        self._clients = (eutils, crossref, ctgov)
        self.pubmed, self.pmc = PubMed(eutils), Pmc(eutils)
        self.crossref, self.trials = Crossref(crossref), ClinicalTrials(ctgov)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        for client in self._clients:
            client.close()


def fetch_references(
    ids: Sequence[str],
    store: ReferenceStore,
    sources: Sources,
    *,
    force: bool = False,
    full_text: bool = True,
    on_result: Callable[[FetchResult], None] | None = None,
) -> list[FetchResult]:
    """Fetch ``ids`` (canonical reference ids) and store what comes back.

    :param force: replace cached entries even with records that are not better.
    :param full_text: also look for open-access full texts in PMC.
    :param on_result: called with each id's result as soon as it is known.
    """
    results = []
    for reference_id, outcome, note in _records(ids, sources, full_text):
        result = _store(reference_id, outcome, note, store, force)
        results.append(result)
        if on_result:
            on_result(result)
    return results


def _records(ids: Sequence[str], sources: Sources, full_text: bool) -> Iterator[Outcome]:
    by_prefix: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for reference_id in ids:
        prefix, _, local = parse_reference_id(reference_id).canonical.partition(":")
        by_prefix[prefix if prefix in FETCHABLE else ""].append((reference_id, local))
    yield from _pubmed(by_prefix["PMID"], sources, full_text)
    yield from _batched(by_prefix["PMC"], pmc_module.BATCH, lambda batch: _pmc_records(batch, sources), "PMC")
    yield from _one_by_one(by_prefix["DOI"], lambda doi: _doi(doi, sources, full_text),
                           "neither Crossref nor PubMed knows {}")
    yield from _one_by_one(by_prefix["clinicaltrials"], lambda nct: (sources.trials.study(nct), None),
                           "ClinicalTrials.gov has no study {}")
    for reference_id, _ in by_prefix[""]:
        yield reference_id, DmkbError(f"{reference_id}: dmkb cannot fetch this kind of reference",
                                      f"fetchable: {', '.join(FETCHABLE)}; import other texts with dmkb refs import"), None


def _pubmed(pairs: list[tuple[str, str]], sources: Sources, full_text: bool) -> Iterator[Outcome]:
    def batch_records(batch: list[tuple[str, str]]) -> dict[str, tuple[LiteratureRecord, str | None]]:
        asked = [pmid for _, pmid in batch]
        found = sources.pubmed.fetch(asked)
        if len(asked) == 1 and len(found) == 1:  # one asked, another answered: let the identity check say so
            found = {asked[0]: next(iter(found.values()))}
        found = {pmid: found[pmid] for pmid in asked if pmid in found}
        return _with_full_text(found, sources) if full_text else {k: (r, None) for k, r in found.items()}

    yield from _batched(pairs, pubmed_module.BATCH, batch_records, "PubMed")


def _pmc_records(batch: list[tuple[str, str]], sources: Sources) -> dict[str, tuple[LiteratureRecord, str | None]]:
    articles = sources.pmc.fetch([pmcid for _, pmcid in batch])
    return {pmcid: (article.record(f"PMC:{pmcid}"), None) for pmcid, article in articles.items()}


def _batched(
    pairs: list[tuple[str, str]],
    size: int,
    fetch: Callable[[list[tuple[str, str]]], dict[str, tuple[LiteratureRecord, str | None]]],
    source: str,
) -> Iterator[Outcome]:
    """Fetch ids ``size`` at a time; an error fails the whole batch."""
    for start in range(0, len(pairs), size):
        batch = pairs[start : start + size]
        try:
            found = fetch(batch)
        except DmkbError as exc:
            yield from ((reference_id, exc, None) for reference_id, _ in batch)
            continue
        for reference_id, local in batch:
            if local in found:
                yield reference_id, *found[local]
            else:
                yield reference_id, NotFound(f"{source} has no record {reference_id}", "check the id"), None


def _one_by_one(
    pairs: Iterable[tuple[str, str]], fetch: Callable[[str], tuple[LiteratureRecord, str | None]], missing: str
) -> Iterator[Outcome]:
    """Fetch one id at a time; ``missing`` says (with ``{}`` for the id) that the source lacks it."""
    for reference_id, local in pairs:
        try:
            record, note = fetch(local)
        except NotFound:
            yield reference_id, NotFound(missing.format(reference_id), "check the id"), None
        except DmkbError as exc:
            yield reference_id, exc, None
        else:
            yield reference_id, record, note


def _with_full_text(
    records: dict[str, LiteratureRecord], sources: Sources
) -> dict[str, tuple[LiteratureRecord, str | None]]:
    """Each record with its PMC full text when there is one; a note when it could not be had."""
    wanted = sorted({r.pmcid for r in records.values() if r.pmcid})
    articles: dict[str, pmc_module.PmcArticle] = {}
    failure = None
    for start in range(0, len(wanted), pmc_module.BATCH):
        try:
            articles.update(sources.pmc.fetch(wanted[start : start + pmc_module.BATCH]))
        except DmkbError as exc:  # the abstract is still worth keeping
            failure = f"full text not fetched: {exc.message}"
    out = {}
    for key, record in records.items():
        article = articles.get(record.pmcid) if record.pmcid else None
        merged, note = _add_full_text(record, article)
        out[key] = (merged, note or (failure if record.pmcid and article is None else None))
    return out


def _add_full_text(record: LiteratureRecord, article: pmc_module.PmcArticle | None) -> tuple[LiteratureRecord, str | None]:
    if article is None or not article.body:
        return record, None
    if not (same_id("pmid", article.pmid, record.pmid) and same_id("doi", article.doi, record.doi)):
        return record, (f"{article.pmcid} in PMC is another article (PMID {article.pmid}, DOI {article.doi}); "
                        "its full text was not used")
    text = "\n\n".join(t for t in (record.text or article.abstract, article.body) if t)
    return record.with_changes(text=text, content_type=FULL_TEXT, source=f"{record.source}+pmc"), None


def _doi(doi: str, sources: Sources, full_text: bool) -> tuple[LiteratureRecord, str | None]:
    """Crossref's metadata, with PubMed's abstract (and PMC's full text) when PubMed has the DOI."""
    try:
        work: LiteratureRecord | None = sources.crossref.work(doi)
    except NotFound:
        work = None  # not every DOI is registered with Crossref; PubMed may still know it
    note = None
    paper = None
    if full_text or work is None or not work.text:
        try:
            paper, note = _pubmed_for_doi(doi, sources, full_text)
        except DmkbError as exc:
            if work is None or not work.text:
                raise
            note = f"PubMed not searched: {exc.message}"
    if work is None and paper is None:
        raise NotFound(f"neither Crossref nor PubMed knows DOI {doi}", "check the DOI")
    return _merge_doi(doi, work, paper), note


def _pubmed_for_doi(doi: str, sources: Sources, full_text: bool) -> tuple[LiteratureRecord | None, str | None]:
    pmids = sources.pubmed.search_doi(doi)[:5]
    if not pmids:
        return None, None
    found = [r for r in sources.pubmed.fetch(pmids).values() if r.doi and same_id("doi", r.doi, doi)]
    if not found:
        return None, None
    record = found[0]
    if not full_text:
        return record, None
    return _with_full_text({record.pmid or "": record}, sources)[record.pmid or ""]


def _merge_doi(doi: str, work: LiteratureRecord | None, paper: LiteratureRecord | None) -> LiteratureRecord:
    """Crossref's title, authors and journal; the better text of the two."""
    if paper is None:
        assert work is not None
        return work
    merged = paper.with_changes(reference_id=f"DOI:{doi}")
    if work is None:
        return merged
    return merged.with_changes(
        title=work.title or paper.title,
        authors=work.authors or paper.authors,
        journal=work.journal or paper.journal,
        year=work.year or paper.year,
        doi=work.doi or paper.doi,
        text=paper.text or work.text,
        source=f"crossref+{paper.source}",
    )


def _as_cited(reference_id: str, record: LiteratureRecord) -> LiteratureRecord:
    """The record filed under the id as cited, its own id spelt as cited (DOIs differ in case)."""
    prefix, _, local = parse_reference_id(reference_id).canonical.partition(":")
    own = OWN_ID.get(prefix)
    changes = {own: local} if own else {}
    return record.with_changes(reference_id=reference_id, **changes)


def _store(reference_id: str, outcome: LiteratureRecord | DmkbError, note: str | None,
           store: ReferenceStore, force: bool) -> FetchResult:
    if isinstance(outcome, DmkbError):
        return FetchResult(reference_id, "failed", message=outcome.message, hint=outcome.hint)
    problems = record_problems(reference_id, outcome)
    if problems:
        return FetchResult(reference_id, "failed", message="; ".join(problems) + "; nothing was written",
                           hint="the source answered with another record: check the id")
    record = _as_cited(reference_id, outcome)
    try:
        saved = store.save(record, force=force)
    except EmptyRecord:
        return FetchResult(reference_id, "failed", title=record.title,
                           message=f"{record.source or 'the source'} has no abstract or text for {reference_id}; "
                                   "nothing was written",
                           hint=f"import the text from a file: dmkb refs import FILE --id {reference_id}")
    if saved.status == "kept":
        note = f"the cached entry ({saved.previous or 'no content type'}) is as good; kept it (--force replaces it)"
    return FetchResult(reference_id, saved.status, record.content_type, record.title, saved.path, note)
