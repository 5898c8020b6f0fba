"""``dmkb terms lookup``: what the index says of each id, or why it knows nothing of it."""

from __future__ import annotations

from dmkb.terms.index import TermIndex


def lookup_all(index: TermIndex, ids: list[str]) -> list[dict]:
    return [lookup_one(index, curie) for curie in ids]


def lookup_one(index: TermIndex, curie: str) -> dict:
    term = index.get(curie)
    if term is not None:
        return term.to_json()
    prefix = curie.partition(":")[0]
    authority = index.complete_authority(prefix) if ":" in curie else None
    if ":" not in curie:
        message = "not an ontology id (PREFIX:local)"
    elif authority:
        message = f"does not exist in {authority.title}"
    elif index.authority(prefix):
        message = f"not in {index.authority(prefix).ontology} {index.authority(prefix).release}, which holds only part of it"
    else:
        message = f"no source of the index holds {prefix} terms"
    return {"id": curie, "unknown": True, "message": message}
