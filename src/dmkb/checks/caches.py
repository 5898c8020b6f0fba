"""Check ``term`` on the KB's term cache files themselves: each one must be readable as a table
of ids and labels, or the labels it should vouch for go unchecked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from dmkb.checks.finding import Finding

if TYPE_CHECKING:
    from dmkb.knowledge_base import KnowledgeBase

NAME = "term"


def check_kb(kb: KnowledgeBase, memo: object = None) -> Iterator[Finding]:
    for problem in kb.terms.file_problems():
        yield Finding(
            file=kb.layout.display_name(problem.file),
            line=problem.line,
            path="",
            check=NAME,
            severity="error",
            message=problem.message,
            hint="write the cache as CSV with the columns curie,label[,retrieved_at]",
        )
