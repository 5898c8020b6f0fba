"""A literature record: what a fetcher or an importer produces and the reference cache stores."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

# content types, as the dismech cache names them; the store ranks full texts above the rest
ABSTRACT = "abstract_only"
FULL_TEXT = "full_text_xml"
SUMMARY = "summary"  # a registered trial's summaries and facts

# the prefix of records known by their text alone (an imported abstract of unknown origin):
# they are literature to search, not references an entry can cite
LOCAL = "LOCAL"

YEAR = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")  # a publication year, within a date or a citation


@dataclass(frozen=True)
class LiteratureRecord:
    """One publication or trial, with the text that snippets are checked against.

    ``reference_id`` is the id as cited (``PMID:1``, ``DOI:10.1/x``, ``clinicaltrials:NCT…``);
    ``pmid``, ``doi``, ``pmcid`` and ``nct_id`` are what the source itself says about the record.
    """

    reference_id: str
    title: str | None
    text: str
    content_type: str
    authors: tuple[str, ...] = ()
    journal: str | None = None
    year: str | None = None
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    nct_id: str | None = None
    source: str | None = None  # where it came from: pubmed, pmc, crossref, clinicaltrials.gov, a file
    extra: dict[str, Any] = field(default_factory=dict)  # further front-matter keys (trial status, …)

    def with_changes(self, **changes: Any) -> LiteratureRecord:
        return replace(self, **changes)
