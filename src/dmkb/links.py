"""Links a reader follows: the public pages of ontology terms and of cited references.

A term links to its URI, expanded by the one CURIE converter (:mod:`dmkb.prefixes`). A reference
links to the page readers use, over https: PubMed, doi.org, PubMed Central, ClinicalTrials.gov;
another kind of reference to its URI. Local parts are URL-quoted, so no entry or report can
smuggle a ``javascript:`` or other URL in. The website, ``dmkb ask``'s reports and the stored
deep-research reports all link through here; :func:`dmkb.references.ids.reference_url` links
a reference id as cited, once it is known to be well formed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

from dmkb.prefixes import expand

_LOCAL = re.compile(r"[A-Za-z0-9_.:\-]+")
_DOI_SAFE = "/()._-;:"  # characters of DOIs left as they are in a link


def pubmed_url(pmid: str) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{quote(pmid.strip(), safe='')}/"


def doi_url(doi: str) -> str:
    return "https://doi.org/" + quote(doi.strip(), safe=_DOI_SAFE)


def pmc_url(pmcid: str) -> str:
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{quote(pmcid.strip(), safe='')}/"


def trial_url(nct_id: str) -> str:
    return f"https://clinicaltrials.gov/study/{quote(nct_id.strip(), safe='')}"


_READER_PAGES = {"PMID": pubmed_url, "DOI": doi_url, "PMC": pmc_url, "CLINICALTRIALS": trial_url}
# diseases whose URI opens no page: their public pages instead
_OMIM, _ORPHANET = "https://omim.org/entry/{}", "https://www.orpha.net/en/disease/detail/{}"
_TERM_PAGES = {"OMIM": _OMIM, "MIM": _OMIM, "ORPHA": _ORPHANET, "ORPHANET": _ORPHANET}
_HTTPS_HOSTS = ("http://purl.obolibrary.org/", "http://identifiers.org/", "http://id.nlm.nih.gov/",
                "http://www.ncbi.nlm.nih.gov/", "http://europepmc.org/")


def term_url(curie: object) -> str | None:
    """The page of an ontology term a reader opens (``HP:0001945``: its URI, over https; OMIM and
    Orphanet diseases: their sites' pages), or ``None`` for unknown prefixes."""
    return _term_url(curie) if isinstance(curie, str) else None


@lru_cache(maxsize=65536)  # a page links the same terms many times, and a KB's pages the same ones
def _term_url(curie: str) -> str | None:
    prefix, sep, local = curie.strip().partition(":")
    local = local.strip()
    if not sep or not prefix or not _LOCAL.fullmatch(local):
        return None
    page = _TERM_PAGES.get(prefix.upper())
    if page is not None:
        return page.format(quote(local, safe=""))
    uri = expand(f"{prefix}:{quote(local, safe='')}")
    return "https://" + uri.removeprefix("http://") if uri and uri.startswith(_HTTPS_HOSTS) else uri


def reference_page(prefix: str, local: str) -> str | None:
    """The page of the reference ``prefix:local`` (a well-formed id), or ``None`` for an unknown prefix."""
    page = _READER_PAGES.get(prefix.upper())
    if page is not None:
        return page(local)
    return expand(f"{prefix}:{quote(local.strip(), safe='')}")
