"""The JSON report: ``{"summary": {...}, "findings": [{check, severity, file, line, path, message, hint?}]}``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

import orjson

from dmkb.validate import ValidationReport

_INDENT = orjson.OPT_INDENT_2
_CHUNK = 1000  # findings written at a time


def render_json(report: ValidationReport) -> str:
    """The report, indented by two spaces."""
    return "".join(json_parts(report))


def write_json(report: ValidationReport, stream: TextIO) -> None:
    """The report, written part by part: tens of thousands of findings never held as one text."""
    stream.writelines(json_parts(report))


def json_parts(report: ValidationReport) -> Iterator[str]:
    """The report's text in parts, as orjson indents the whole (it writes thousands of findings ten
    times faster than the json module): the findings dumped a thousand at a time, indented to their place."""
    head = orjson.dumps({"summary": report.summary(), "findings": []}, option=_INDENT).decode()
    if not report.findings:
        yield head
        return
    yield head.removesuffix("[]\n}") + "[\n"
    for start in range(0, len(report.findings), _CHUNK):
        chunk = report.findings[start:start + _CHUNK]
        separator = ",\n" if start else ""
        yield separator + _items([finding.to_json() for finding in chunk])
    yield "\n  ]\n}"


def _items(values: list[dict]) -> str:
    """``values`` as items of the findings list: dumped as a list (its items 2 spaces in), without
    its brackets, every line 2 spaces further in (strings never hold a newline)."""
    dumped = orjson.dumps(values, option=_INDENT).decode()
    return "  " + dumped[2:-2].replace("\n", "\n  ")
