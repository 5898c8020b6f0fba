"""One :class:`curies.Converter` for every expansion of a CURIE to a URI: site links, RDF, KGX.

It is built from the OBO Foundry prefix map that ``prefixmaps`` maintains, extended with the
prefixes KB entries cite that OBO does not hold (genes, references, trials, other disease
registries), spelt as the Biolink model spells them so that exported graphs agree with the rest
of the Biolink ecosystem; and with ``dmkb``, the namespace of the KB's own nodes (mechanism steps,
disorders without a MONDO id) in exports.

Prefixes are matched case-insensitively (``hgnc:11364`` = ``HGNC:11364``). curies is imported
when a converter is first needed: loading it (and pydantic) costs a tenth of a second or more,
which neither the validator (whose reference links import this module) nor a site build that
renders nothing needs.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import curies

# the KB's own things; a URN, since no web address resolves them
KB_PREFIX = "dmkb"
KB_URI_PREFIX = "urn:dmkb:"

# prefixes KB entries use that the OBO map lacks: (prefix, URI prefix, other spellings)
_EXTRA = (
    ("HGNC", "http://identifiers.org/hgnc/", ()),
    ("PMID", "http://www.ncbi.nlm.nih.gov/pubmed/", ()),
    ("PMC", "http://europepmc.org/articles/", ("PMCID",)),
    ("doi", "https://doi.org/", ("DOI",)),
    ("clinicaltrials", "http://identifiers.org/clinicaltrials/", ("CLINICALTRIALS", "NCT")),
    ("OMIM", "http://purl.obolibrary.org/obo/OMIM_", ("MIM",)),
    ("ORPHA", "http://www.orpha.net/ORDO/Orphanet_", ("ORPHANET", "Orphanet")),
    ("MESH", "http://id.nlm.nih.gov/mesh/", ("MeSH",)),
    ("UMLS", "http://identifiers.org/umls/", ()),
    ("biolink", "https://w3id.org/biolink/vocab/", ()),
    (KB_PREFIX, KB_URI_PREFIX, ()),
)


@cache
def converter() -> curies.Converter:
    """The converter (built once per process)."""
    import curies
    from prefixmaps import load_converter

    obo = load_converter("obo")
    records = {record.prefix.casefold(): record for record in obo.records}
    for prefix, uri_prefix, synonyms in _EXTRA:
        records[prefix.casefold()] = curies.Record(prefix=prefix, uri_prefix=uri_prefix,
                                                   prefix_synonyms=list(synonyms))
    for record in records.values():  # any spelling of a prefix: NCBITAXON, ncbitaxon
        known = {record.prefix, *record.prefix_synonyms}
        spellings = known | {p.upper() for p in known} | {p.lower() for p in known}
        record.prefix_synonyms = sorted(spellings - {record.prefix})
    return curies.Converter(sorted(records.values(), key=lambda r: r.prefix.casefold()))


def expand(curie: str) -> str | None:
    """The URI of ``curie`` (``HP:0001945`` → ``http://purl.obolibrary.org/obo/HP_0001945``), or
    ``None`` when its prefix is unknown or it is not a CURIE."""
    prefix, sep, local = curie.strip().partition(":")
    uri_prefix = _uri_prefixes().get(prefix) if sep and local else None
    return uri_prefix + local if uri_prefix else None


def prepare() -> None:
    """Build the prefix map now: before forking workers that all expand CURIEs, so that it is built once."""
    _uri_prefixes()


@cache
def _uri_prefixes() -> dict[str, str]:
    """The converter's prefix map (every spelling of a prefix → its URI prefix), taken once:
    ``Converter.expand`` builds it anew on every call, which an export of 70,000 triples feels."""
    return converter().prefix_map


def standard_curie(curie: str) -> str:
    """``curie`` with its prefix spelt canonically (``hgnc:11364`` → ``HGNC:11364``); as given when
    its prefix is unknown."""
    prefix, sep, local = curie.strip().partition(":")
    standard = converter().standardize_prefix(prefix) if sep else None
    return f"{standard}:{local}" if standard else curie.strip()
