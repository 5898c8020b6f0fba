"""The text report: findings grouped by file, with line numbers and hints, then a summary.

Each line is a list of ``(text, style)`` parts: drawn with Rich's colours on a terminal, written as
plain text elsewhere (a pipe, a file, an editor's output pane), where Rich would write the same
characters ten times slower.
"""

from __future__ import annotations

import os
from itertools import groupby
from typing import TextIO

from dmkb.checks.finding import Finding
from dmkb.validate import ValidationReport

_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
Line = list[tuple[str, str]]


def render_text(report: ValidationReport, stream: TextIO, *, show_info: bool, seconds: float) -> None:
    """Print the findings (info only when asked) and a one-line summary."""
    lines = _lines(report, show_info, seconds)
    if _coloured(stream):
        from rich.console import Console
        from rich.text import Text

        console = Console(file=stream, soft_wrap=True)
        with console:  # one write at the end
            for line in lines:
                console.print(Text.assemble(*line))
    else:
        stream.write("".join("".join(text for text, _ in line) + "\n" for line in lines))


def _coloured(stream: TextIO) -> bool:
    """Whether Rich would draw colours on ``stream`` (a terminal, or colours forced)."""
    if os.environ.get("NO_COLOR"):
        return False
    return stream.isatty() or bool(os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1")


def _lines(report: ValidationReport, show_info: bool, seconds: float) -> list[Line]:
    shown = [f for f in report.findings if show_info or f.severity != "info"]
    lines: list[Line] = []
    for file, findings in groupby(sorted(shown, key=lambda f: f.file), key=lambda f: f.file):
        lines.append([(file, "bold underline")])
        lines.extend(_line(finding) for finding in findings)
        lines.append([])
    lines.append(_summary(report, show_info, seconds))
    lines.extend([(f"note: {note}", "dim")] for note in report.notes)
    return lines


def _line(finding: Finding) -> Line:
    where = f"{finding.line}:{finding.column}" if finding.column else str(finding.line)
    line = [("  ", ""), (f"{where:>6}  ", "dim"), (f"{finding.severity:<7}", _STYLES[finding.severity]),
            (f" {finding.check:<9} ", "magenta")]
    if finding.path:
        line += [(finding.path, "bold"), (": ", "")]
    line.append((finding.message, ""))
    if finding.hint:
        line += [("\n          hint: ", "dim"), (finding.hint, "dim")]
    return line


def _summary(report: ValidationReport, show_info: bool, seconds: float) -> Line:
    counts = report.counts()
    line = [(f"{report.files} file{'s' if report.files != 1 else ''} checked: ", ""),
            (f"{counts['error']} error{'s' if counts['error'] != 1 else ''}",
             _STYLES["error"] if counts["error"] else "bold green"),
            (f", {counts['warning']} warning{'s' if counts['warning'] != 1 else ''}",
             _STYLES["warning"] if counts["warning"] else ""),
            (f", {counts['info']} info", "")]
    if counts["info"] and not show_info:
        line.append((" (shown with --info)", "dim"))
    line.append((f" in {seconds:.2f} s", "dim"))
    if report.reused:
        line.append((f" ({report.reused} unchanged file{'s' if report.reused != 1 else ''} remembered)", "dim"))
    return line
