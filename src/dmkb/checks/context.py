"""What a check is given: one disorder file, the KB it belongs to, and a way to report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dmkb.checks.finding import Finding, Severity
from dmkb.entry_path import Path, format_path
from dmkb.knowledge_base import KnowledgeBase
from dmkb.load.kb import DisorderFile


@dataclass
class CheckContext:
    """One disorder file as the checks see it."""

    entry: DisorderFile
    kb: KnowledgeBase
    check: str = ""

    @property
    def data(self) -> Any:
        return self.entry.doc.data

    def finding(self, severity: Severity, path: Path, message: str, hint: str | None = None) -> Finding:
        """A finding of the current check at ``path`` (its line is looked up)."""
        return Finding(
            file=self.entry.name,
            line=self.entry.doc.line_of(path),
            path=format_path(path),
            check=self.check,
            severity=severity,
            message=message,
            hint=hint,
        )
