"""DOIs through Crossref's REST API: ``GET /works/{doi}`` answers ``{"status": "ok", "message": {…}}``.

Crossref gives the metadata of nearly every DOI but an abstract (JATS markup) only for some.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from dmkb.references.fetch.http import BadResponse, SourceClient, json_of
from dmkb.references.markup import collapse, html_to_text
from dmkb.references.record import ABSTRACT, LiteratureRecord


class Crossref:
    """Crossref works by DOI."""

    def __init__(self, client: SourceClient) -> None:
        self.client = client

    def work(self, doi: str) -> LiteratureRecord:
        """The work of ``doi``: metadata, and its abstract when Crossref has one (else text '').

        :raises NotFound: when Crossref does not know the DOI.
        """
        response = self.client.get(f"works/{quote(doi, safe='/:;()')}")
        try:
            message = json_of(response, f"Crossref's answer for DOI {doi}")["message"]
        except (ValueError, KeyError, TypeError) as exc:
            raise BadResponse(f"Crossref's answer for DOI {doi} is not a works record") from exc
        if not isinstance(message, dict):
            raise BadResponse(f"Crossref's answer for DOI {doi} is not a works record")
        return parse_work(message, f"DOI:{doi}")


def parse_work(message: dict[str, Any], reference_id: str) -> LiteratureRecord:
    """A record from the ``message`` of a Crossref works answer."""
    abstract = html_to_text(message.get("abstract") or "")
    # a JATS abstract often starts with its own heading
    if abstract.split("\n", 1)[0].strip().lower() == "abstract":
        abstract = abstract.split("\n", 1)[1].strip() if "\n" in abstract else ""
    return LiteratureRecord(
        reference_id=reference_id,
        title=_first(message.get("title")),
        text=abstract,
        content_type=ABSTRACT,
        authors=tuple(_author(a) for a in message.get("author") or [] if isinstance(a, dict) and _author(a)),
        journal=_first(message.get("container-title")),
        year=_year(message),
        doi=message.get("DOI") or None,
        source="crossref",
    )


def _first(values: Any) -> str | None:
    if isinstance(values, list) and values and isinstance(values[0], str):
        return collapse(html_to_text(values[0])) or None
    return None


def _author(author: dict[str, Any]) -> str:
    return collapse(" ".join(str(author.get(k) or "") for k in ("given", "family"))) or str(author.get("name") or "")


def _year(message: dict[str, Any]) -> str | None:
    for key in ("issued", "published-print", "published-online", "published", "created"):
        try:
            year = message[key]["date-parts"][0][0]
        except (KeyError, IndexError, TypeError):
            continue
        if year:
            return str(year)
    return None
