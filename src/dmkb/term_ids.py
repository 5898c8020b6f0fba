"""How ontology term ids are written: ``PREFIX:local``, with the local part each ontology uses."""

from __future__ import annotations

import re

CURIE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*:[^\s:]\S*")
_SEVEN_DIGITS = re.compile(r"\d{7}")
_DIGITS = re.compile(r"\d+")
LOCAL_IDS = {  # by lower-case prefix; other prefixes may write any local part
    **{p: _SEVEN_DIGITS for p in ("hp", "mondo", "go", "cl", "uberon", "maxo", "obi", "ecto", "xco",
                                   "opl", "geno", "pato", "exo")},
    "envo": re.compile(r"\d{8}"),
    "foodon": re.compile(r"\d{8}"),
    "chebi": _DIGITS,
    "ncbitaxon": _DIGITS,
    "hgnc": _DIGITS,
    "ncit": re.compile(r"C\d+"),
}
HPO_ID = re.compile(rf"HP:{LOCAL_IDS['hp'].pattern}", re.IGNORECASE)  # as people write them: hp:0001945 too
MONDO_ID = re.compile(rf"MONDO:{LOCAL_IDS['mondo'].pattern}")


def malformed(curie: str) -> str | None:
    """Why ``curie`` is not a well-formed ontology id, or ``None`` when it is."""
    if not CURIE.fullmatch(curie):
        return f"'{curie}' is not an ontology id (PREFIX:local)"
    prefix, _, local = curie.partition(":")
    pattern = LOCAL_IDS.get(prefix.lower())
    if pattern and not pattern.fullmatch(local):
        return f"'{curie}' is not a well-formed {prefix} id"
    return None
