"""The references a knowledge base cites, by id: one rule for the validator, its memo, the
compiler and ``dmkb refs``."""

from __future__ import annotations

from typing import Any

from dmkb.entry_walk import evidence_items, items
from dmkb.errors import LoadError
from dmkb.load.kb import KbFiles
from dmkb.references.ids import parse_reference_id


def quoted_source(item: dict[str, Any]) -> str | None:
    """The id under which the text that an evidence item quotes is cached (``PMID:1``), or
    ``None`` when its reference is malformed or a dataset, which has no text to quote."""
    ref = parse_reference_id(item.get("reference"))
    if (ref.problem and not ref.only_spelling) or ref.is_dataset:
        return None
    return f"{ref.prefix}:{ref.local.strip()}"


def cited_references(data: object) -> set[str]:
    """The cacheable reference ids an entry cites (its findings depend on their cached texts)."""
    cited = set()
    records = [item for _, item in evidence_items(data)]
    if isinstance(data, dict):
        records += [item for _, item in items(data.get("references"))]
    for item in records:
        ref = parse_reference_id(item.get("reference"))
        if not ref.problem or ref.only_spelling:
            cited.add(f"{ref.prefix}:{ref.local.strip()}")
    return cited


def cited_ids(kb: KbFiles) -> set[str]:
    """The canonical ids of every publication or trial the KB's entries cite (datasets aside).

    Files that cannot be read or parsed cite nothing here; ``dmkb validate`` reports them.
    """
    cited: set[str] = set()
    for path in kb.layout.disorder_files:
        try:
            entry = kb.read_disorder(path)
        except LoadError:
            continue
        cited |= {ref for ref in cited_references(entry.doc.data) if not parse_reference_id(ref).is_dataset}
    return cited
