"""What ``dmkb validate`` finds, recorded in ``kb.sqlite`` beside the entry it was found in.

The checks are a room beside the compiler's (neither imports the other): a caller above both
(``dmkb build``) gives :func:`~dmkb.compile.incremental.compile_kb` an :class:`EntryChecks`,
which the compiler runs on each entry it compiles, where the entry is parsed already.
"""

from __future__ import annotations

from typing import Any, Protocol

from dmkb.knowledge_base import KnowledgeBase
from dmkb.load.kb import DisorderFile

FindingRow = tuple[int, str, str, str, str, "str | None"]  # line, path, check, severity, message, hint


class EntryChecks(Protocol):
    def context(self, kb: KnowledgeBase) -> str:
        """What findings depend on besides an entry and the cached texts it cites (term caches, the
        term index): when it changes, every entry is checked again."""

    def notes(self, kb: KnowledgeBase) -> list[str]:
        """The checks that cannot be made, and why."""

    def entry(self, entry: DisorderFile, kb: KnowledgeBase) -> tuple[list[FindingRow], Any]:
        """The findings of one entry, and what identifies its disorder to :meth:`across` (JSON, or ``None``)."""

    def across(self, identities: dict[str, Any]) -> dict[str, list[FindingRow]]:
        """The findings made by comparing entries (file -> what :meth:`entry` gave), by file."""
