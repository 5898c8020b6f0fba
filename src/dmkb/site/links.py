"""Public pages of ontology terms and references. Only ids of a known form get a link, and
their local part is URL-quoted, so no entry can smuggle a ``javascript:`` or other URL in."""

from __future__ import annotations

import re
from urllib.parse import quote

from dmkb.references.ids import parse_reference_id

_LOCAL = re.compile(r"[A-Za-z0-9_.:\-]+")

# prefixes whose terms have a page of their own; {local} is the part after the colon
_TERM_PAGES = {
    "HP": "https://hpo.jax.org/browse/term/HP:{local}",
    "MONDO": "https://monarchinitiative.org/MONDO:{local}",
    "GO": "https://amigo.geneontology.org/amigo/term/GO:{local}",
    "HGNC": "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/HGNC:{local}",
    "NCBITAXON": "https://www.ncbi.nlm.nih.gov/Taxonomy/Browser/wwwtax.cgi?id={local}",
    "NCIT": "https://evsexplore.semantics.cancer.gov/evsexplore/concept/ncit/{local}",
    "OMIM": "https://omim.org/entry/{local}",
    "ORPHA": "https://www.orpha.net/en/disease/detail/{local}",
    "ORPHANET": "https://www.orpha.net/en/disease/detail/{local}",
    "MESH": "https://meshb.nlm.nih.gov/record/ui?ui={local}",
}
# OBO Foundry ontologies: their permanent URLs resolve to a term browser
_OBO = frozenset({
    "CL", "UBERON", "CHEBI", "MAXO", "PATO", "ECTO", "ENVO", "GENO", "OPL", "XCO", "SO", "PR", "DOID",
    "NBO", "UO", "OBI", "EFO", "FOODON", "OGMS", "VT", "MP", "ZP", "RO", "PW", "CHMO", "ERO",
})
_REFERENCE_PAGES = {
    "PMID": "https://pubmed.ncbi.nlm.nih.gov/{local}/",
    "PMC": "https://www.ncbi.nlm.nih.gov/pmc/articles/{local}/",
    "CLINICALTRIALS": "https://clinicaltrials.gov/study/{local}",
    "DOI": "https://doi.org/{local}",
}


def _split(curie: object) -> tuple[str, str] | None:
    if not isinstance(curie, str):
        return None
    prefix, sep, local = curie.strip().partition(":")
    if not sep or not prefix or not local:
        return None
    return prefix.upper(), local.strip()


def term_url(curie: object) -> str | None:
    """The public page of an ontology term (``HP:0001945``), or ``None`` for unknown prefixes."""
    parts = _split(curie)
    if parts is None or not _LOCAL.fullmatch(parts[1]):
        return None
    prefix, local = parts
    if prefix in _TERM_PAGES:
        return _TERM_PAGES[prefix].format(local=quote(local, safe=""))
    if prefix in _OBO:
        return f"https://purl.obolibrary.org/obo/{prefix}_{quote(local, safe='')}"
    return None


def reference_url(reference: object) -> str | None:
    """The page of a cited reference (PubMed, DOI, ClinicalTrials.gov, PMC), or ``None`` when
    the id is not well formed (see :func:`dmkb.references.ids.parse_reference_id`)."""
    parsed = parse_reference_id(reference)
    if parsed.problem and not parsed.only_spelling:
        return None
    template = _REFERENCE_PAGES.get(parsed.prefix.upper())
    if template is None:
        return None
    local = parsed.local.strip()
    return template.format(local=quote(local, safe="/()._-;:" if parsed.prefix.upper() == "DOI" else ""))
