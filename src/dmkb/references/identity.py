"""Is a record the one cited? Compare the ids a record carries with the id it is stored under.

A fetched record must carry the id that was asked for, and the ids it carries (PMID, DOI,
PMCID, NCT id) must agree with each other. A cached entry must be filed under its own
``reference_id``, and neither its front matter nor the identifier lines of its text
(``PMID: …``, ``DOI: …``, ``PMCID: …``, as PubMed's text abstracts end) may name another work.
"""

from __future__ import annotations

import re
from typing import Any

from dmkb.load.reference_files import ReferenceText
from dmkb.references.cache import cache_file_name
from dmkb.references.ids import parse_reference_id
from dmkb.references.record import LOCAL, LiteratureRecord

# which attribute of a record (and key of a cache file's front matter) holds the id of each prefix
OWN_ID = {"PMID": "pmid", "DOI": "doi", "PMC": "pmcid", "clinicaltrials": "nct_id"}
_TEXT_IDS = {
    "pmid": re.compile(r"^PMID: *([0-9]+)", re.MULTILINE),
    "doi": re.compile(r"^DOI: *(10\.\S+)", re.MULTILINE),
    "pmcid": re.compile(r"^PMCID: *(PMC[0-9]+)", re.MULTILINE),
}
_DOI_URL = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", re.IGNORECASE)


def normalize_id(kind: str, value: object) -> str:
    """An id in a form fit for comparing: DOIs lower-case without URL, PMCIDs with ``PMC``."""
    text = str(value).strip()
    if kind == "doi":
        return _DOI_URL.sub("", text).lower()
    if kind == "pmcid":
        return "PMC" + text.upper().removeprefix("PMC")
    return text.upper() if kind == "nct_id" else text


def same_id(kind: str, a: object, b: object) -> bool:
    """Whether two ids of one kind name the same work; an absent id contradicts nothing."""
    if a in (None, "") or b in (None, ""):
        return True
    return normalize_id(kind, a) == normalize_id(kind, b)


def record_problems(requested: str, record: LiteratureRecord) -> list[str]:
    """Where ``record`` contradicts the id it was fetched or imported for."""
    prefix, _, local = parse_reference_id(requested).canonical.partition(":")
    kind = OWN_ID.get(prefix)
    if kind is None:
        return []
    own = getattr(record, kind)
    if own is not None and not same_id(kind, own, local):
        return [f"the record returned for {requested} is {prefix}:{own}"]
    return []


def cached_problems(file_name: str, cached: ReferenceText) -> list[str]:
    """Where a cache file contradicts the id it is filed under."""
    meta = cached.metadata
    reference_id = meta.get("reference_id")
    if not isinstance(reference_id, str) or not reference_id.strip():
        return ["the front matter has no reference_id"]
    ref = parse_reference_id(reference_id)
    local_record = reference_id.partition(":")[0] == LOCAL
    if ref.problem and not ref.only_spelling and not local_record:
        return [f"its reference_id is malformed: {ref.problem}"]
    cited = ref.canonical
    prefix, _, local = cited.partition(":")
    problems = []
    if cache_file_name(cited).lower() != file_name.lower():
        problems.append(f"the file holds {cited}, which belongs in {cache_file_name(cited)}")
    known = _known_ids(prefix, local, meta)
    for kind, value in known.items():
        found = _TEXT_IDS[kind].search(cached.text) if kind in _TEXT_IDS else None
        if found and not same_id(kind, found.group(1), value):
            problems.append(f"its text names {found.group(1)} as its {kind}, not {value}")
    own_kind = OWN_ID.get(prefix)
    if own_kind and own_kind in meta and not same_id(own_kind, meta[own_kind], local):
        problems.append(f"its front matter gives {own_kind} {meta[own_kind]}, which is not {cited}")
    return problems


def _known_ids(prefix: str, local: str, meta: dict[str, Any]) -> dict[str, str]:
    """The ids an entry claims: its own (from ``reference_id``) and those in its front matter."""
    known = {kind: str(meta[kind]) for kind in ("pmid", "doi", "pmcid", "nct_id") if meta.get(kind)}
    own_kind = OWN_ID.get(prefix)
    if own_kind:
        known[own_kind] = local
    return known
