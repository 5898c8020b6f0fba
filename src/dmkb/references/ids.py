"""Reference ids as cited in evidence: ``PMID:…``, ``DOI:…``, ``clinicaltrials:NCT…``, datasets."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# Dataset accessions are cited but have no text to quote from; upstream skips them too.
DATASET_PREFIXES = frozenset(
    {"sra", "mgnify", "bioproject", "gtex", "geo", "arrayexpress", "dbgap", "encode", "pride",
     "metabolights", "synapse", "hca", "biomodels", "bigg", "vmh", "clinvar", "phenopacket-store"}
)

_PATTERNS = {
    "PMID": re.compile(r"[1-9][0-9]{0,9}"),
    "DOI": re.compile(r"10\.[0-9]{3,9}/\S+"),
    "clinicaltrials": re.compile(r"NCT[0-9]{8}"),
    "PMC": re.compile(r"PMC[0-9]+"),
}
_SPELLING = {name.lower(): name for name in _PATTERNS}
_FORMS = "PMID:<digits>, DOI:10.<registrant>/<suffix>, clinicaltrials:NCT<8 digits> or PMC:PMC<digits>"


@dataclass(frozen=True)
class ReferenceId:
    """A parsed reference id; ``problem`` says why it is malformed, if it is."""

    text: str
    prefix: str = ""
    local: str = ""
    problem: str | None = None
    hint: str | None = None
    only_spelling: bool = False  # readable as is, but not in its canonical form

    @property
    def is_dataset(self) -> bool:
        return self.prefix.lower() in DATASET_PREFIXES

    @property
    def canonical(self) -> str:
        """The id spelt canonically: ``pmid: 1`` → ``PMID:1``."""
        return f"{_SPELLING.get(self.prefix.lower(), self.prefix)}:{self.local.strip()}"


def parse_reference_id(text: object) -> ReferenceId:
    """Parse a cited reference id and say what is wrong with it, if anything.

    >>> parse_reference_id("PMID:123").problem is None
    True
    >>> parse_reference_id("MONDO").problem
    "'MONDO' is not a reference id"
    """
    if not isinstance(text, str):
        return ReferenceId(str(text), problem="the reference id is empty", hint=f"write it as {_FORMS}")
    return _parse_text(text)


@functools.lru_cache(maxsize=65536)  # an id is cited many times over, and its checks ask several times
def _parse_text(text: str) -> ReferenceId:
    if not text.strip():
        return ReferenceId(text, problem="the reference id is empty", hint=f"write it as {_FORMS}")
    prefix, sep, local = text.strip().partition(":")
    if not sep or not local:
        return ReferenceId(text, problem=f"'{text}' is not a reference id", hint=f"write it as {_FORMS}")
    if prefix.lower() in DATASET_PREFIXES:
        return ReferenceId(text, prefix, local)
    canonical = _SPELLING.get(prefix.lower())
    if canonical is None:
        return ReferenceId(
            text, prefix, local,
            problem=f"'{prefix}' is not a prefix of a citable reference",
            hint=f"cite a publication or trial: {_FORMS}",
        )
    if not _PATTERNS[canonical].fullmatch(local.strip()):
        return ReferenceId(
            text, prefix, local,
            problem=f"'{text}' is not a well-formed {canonical} id",
            hint=f"write it as {_FORMS}",
        )
    if prefix != canonical or local != local.strip():
        return ReferenceId(
            text, prefix, local,
            problem=f"'{text}' should be written '{canonical}:{local.strip()}'",
            hint="use the canonical spelling of the prefix",
            only_spelling=True,
        )
    return ReferenceId(text, canonical, local)


def reference_url(reference: object) -> str | None:
    """The page a reader follows for a cited reference (see :mod:`dmkb.links`), or ``None`` when the
    id is not well formed (a spelling slip of its prefix aside)."""
    from dmkb.links import reference_page  # the CURIE converter loads slowly; the validator needs no links

    parsed = parse_reference_id(reference)
    if parsed.problem and not parsed.only_spelling:
        return None
    return reference_page(parsed.prefix, parsed.local)
