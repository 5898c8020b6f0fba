"""Links to ontology terms and references: their URIs, expanded by the one CURIE converter
(:mod:`dmkb.prefixes`). Only ids of a known form get a link, and their local part is URL-quoted,
so no entry can smuggle a ``javascript:`` or other URL in."""

from __future__ import annotations

import re
from urllib.parse import quote

from dmkb.prefixes import expand
from dmkb.references.ids import parse_reference_id

_LOCAL = re.compile(r"[A-Za-z0-9_.:\-]+")


def term_url(curie: object) -> str | None:
    """The URI of an ontology term (``HP:0001945``), or ``None`` for unknown prefixes."""
    if not isinstance(curie, str):
        return None
    prefix, sep, local = curie.strip().partition(":")
    local = local.strip()
    if not sep or not prefix or not _LOCAL.fullmatch(local):
        return None
    return expand(f"{prefix}:{quote(local, safe='')}")


def reference_url(reference: object) -> str | None:
    """The URI of a cited reference (PubMed, DOI, ClinicalTrials.gov, PMC), or ``None`` when
    the id is not well formed (see :func:`dmkb.references.ids.parse_reference_id`)."""
    parsed = parse_reference_id(reference)
    if parsed.problem and not parsed.only_spelling:
        return None
    local = parsed.local.strip()
    safe = "/()._-;:" if parsed.prefix.upper() == "DOI" else ""
    return expand(f"{parsed.prefix}:{quote(local, safe=safe)}")
