"""What changed between two validations of one KB: the findings that are new and those fixed,
written as a few lines of text or as one line of JSON (for editors).

A finding whose line moved (lines were added above it) is neither new nor fixed."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from dmkb.checks.finding import Finding
from dmkb.validate import ValidationReport


@dataclass
class Revalidation:
    """One validation after files changed: which files, what it found that is new or fixed, how long it took."""

    changed: list[str]
    report: ValidationReport
    new: list[Finding]
    fixed: list[Finding]
    seconds: float


def compare(before: Sequence[Finding], report: ValidationReport, changed: list[str], seconds: float) -> Revalidation:
    """The findings of ``report`` that ``before`` lacks, and those of ``before`` it lacks."""
    return Revalidation(changed, report, _missing_from(before, report.findings),
                        _missing_from(report.findings, before), seconds)


def _missing_from(reference: Sequence[Finding], findings: Sequence[Finding]) -> list[Finding]:
    """The findings not in ``reference`` (counted: a finding written twice and once is new once)."""
    left = Counter(f.position_free() for f in reference)
    missing = []
    for finding in findings:
        key = finding.position_free()
        if left[key]:
            left[key] -= 1
        else:
            missing.append(finding)
    return missing


def json_line(change: Revalidation) -> str:
    """The change as one line of JSON: ``{"changed", "seconds", "summary", "new", "fixed"}``."""
    return orjson.dumps({
        "changed": change.changed,
        "seconds": round(change.seconds, 4),
        "summary": change.report.summary(),
        "new": [f.to_json() for f in change.new],
        "fixed": [f.to_json() for f in change.fixed],
    }).decode()


def text_lines(change: Revalidation, *, show_info: bool) -> list[str]:
    """The change as text: a line saying what changed and the counts now, then ``+`` before each new
    finding and ``-`` before each fixed one, as ``file:line: severity check path: message`` (info
    findings only when ``show_info``)."""
    new, fixed = ([f for f in findings if show_info or f.severity != "info"] for findings in (change.new, change.fixed))
    counts = change.report.counts()
    what = ", ".join(change.changed[:3]) + (f" and {len(change.changed) - 3} more" if len(change.changed) > 3 else "")
    lines = [(f"[{time.strftime('%H:%M:%S')}] {what} changed: {len(new)} new, {len(fixed)} fixed; "
              f"now {_plural(counts['error'], 'error')}, {_plural(counts['warning'], 'warning')}, "
              f"{counts['info']} info (checked in {change.seconds:.3f} s)")]
    for finding in new:
        lines.append(f"  + {_located(finding)}")
        if finding.hint:
            lines.append(f"      hint: {finding.hint}")
    lines.extend(f"  - {_located(finding)}" for finding in fixed)
    return lines


def _located(finding: Finding) -> str:
    where = f"{finding.file}:{finding.line}" + (f":{finding.column}" if finding.column else "")
    path = f"{finding.path}: " if finding.path else ""
    return f"{where}: {finding.severity} {finding.check} {path}{finding.message}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"
