"""A finding: one thing a check says about one place in one file."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """``file`` is relative to the KB root, ``line`` is 1-based, ``path`` is index-based
    (``phenotypes[3].evidence[1].snippet``; empty for the file as a whole)."""

    file: str
    line: int
    path: str
    check: str
    severity: Severity
    message: str
    hint: str | None = None
    column: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The finding as the JSON report writes it: keys with no value are left out."""
        data = asdict(self)
        ordered = {key: data[key] for key in ("check", "severity", "file", "line", "column", "path",
                                              "message", "hint")}
        return {key: value for key, value in ordered.items() if value is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(**data)
