"""A finding: one thing a check says about one place in one file."""

from __future__ import annotations

import operator
from typing import Any, Literal, NamedTuple

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
_JSON_KEYS = ("check", "severity", "file", "line", "column", "path", "message", "hint")
_json_values = operator.itemgetter(3, 4, 0, 1, 7, 2, 5, 6)  # the fields in the order of _JSON_KEYS


class Finding(NamedTuple):
    """``file`` is relative to the KB root, ``line`` is 1-based, ``path`` is index-based
    (``phenotypes[3].evidence[1].snippet``; empty for the file as a whole).

    A named tuple: a KB has thousands of findings, remembered between runs and made again on each
    one, and a tuple is made and compared several times faster than a dataclass."""

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
        return {key: value for key, value in zip(_JSON_KEYS, _json_values(self), strict=True) if value is not None}

    def position_free(self) -> tuple[str, str, str, str, str, str | None]:
        """The finding without its line and column: the same finding after lines above it moved."""
        return self.file, self.path, self.check, self.severity, self.message, self.hint
