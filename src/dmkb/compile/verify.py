"""The verification status of an evidence item, decided exactly as ``dmkb validate`` decides it:
the snippet must be found in the cached text of the cited reference (see
:mod:`dmkb.references.matching`)."""

from __future__ import annotations

from typing import Any, Literal

from dmkb.knowledge_base import KnowledgeBase
from dmkb.references.citations import quoted_source

Status = Literal["verified", "not_found", "not_cached", "no_snippet"]
STATUSES: tuple[Status, ...] = ("verified", "not_found", "not_cached", "no_snippet")


def verify(kb: KnowledgeBase, item: dict[str, Any]) -> Status:
    """``verified`` when the snippet is in the cached source, ``not_found`` when it is not,
    ``not_cached`` when there is no cached text to look in (also for datasets and malformed
    ids), ``no_snippet`` when the item quotes nothing."""
    snippet = item.get("snippet")
    if not isinstance(snippet, str) or not snippet.strip():
        return "no_snippet"
    cited = quoted_source(item)
    source = kb.source_text(cited) if cited else None
    if source is None:
        return "not_cached"
    return "verified" if source.contains(snippet) else "not_found"
