"""The references a knowledge base cites, by id."""

from __future__ import annotations

from dmkb.errors import LoadError
from dmkb.load.kb import KnowledgeBase
from dmkb.references.ids import parse_reference_id


def cited_ids(kb: KnowledgeBase) -> set[str]:
    """The canonical ids of every publication or trial the KB's entries cite (datasets aside).

    Files that cannot be read or parsed cite nothing here; ``dmkb validate`` reports them.
    """
    from dmkb.validate import cited_references  # the same rule the validator uses

    cited: set[str] = set()
    for path in kb.layout.disorder_files:
        try:
            entry = kb.read_disorder(path)
        except LoadError:
            continue
        cited |= {ref for ref in cited_references(entry.doc.data) if not parse_reference_id(ref).is_dataset}
    return cited
