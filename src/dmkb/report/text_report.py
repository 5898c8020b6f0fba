"""The text report: findings grouped by file, with line numbers and hints, then a summary."""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.text import Text

from dmkb.checks.finding import Finding
from dmkb.validate import ValidationReport

_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def render_text(report: ValidationReport, console: Console, *, show_info: bool, seconds: float) -> None:
    """Print the findings (info only when asked) and a one-line summary."""
    shown = [f for f in report.findings if show_info or f.severity != "info"]
    for file, findings in groupby(sorted(shown, key=lambda f: f.file), key=lambda f: f.file):
        console.print(Text(file, style="bold underline"))
        for finding in findings:
            console.print(_line(finding))
        console.print()
    console.print(_summary(report, show_info, seconds))
    for note in report.notes:
        console.print(Text(f"note: {note}", style="dim"))


def _line(finding: Finding) -> Text:
    where = f"{finding.line}:{finding.column}" if finding.column else str(finding.line)
    line = Text("  ")
    line.append(f"{where:>6}  ", style="dim")
    line.append(f"{finding.severity:<7}", style=_STYLES[finding.severity])
    line.append(f" {finding.check:<9} ", style="magenta")
    if finding.path:
        line.append(finding.path, style="bold")
        line.append(": ")
    line.append(finding.message)
    if finding.hint:
        line.append("\n          hint: ", style="dim")
        line.append(finding.hint, style="dim")
    return line


def _summary(report: ValidationReport, show_info: bool, seconds: float) -> Text:
    counts = report.counts()
    text = Text(f"{report.files} file{'s' if report.files != 1 else ''} checked: ")
    text.append(f"{counts['error']} error{'s' if counts['error'] != 1 else ''}",
                style=_STYLES["error"] if counts["error"] else "bold green")
    text.append(f", {counts['warning']} warning{'s' if counts['warning'] != 1 else ''}",
                style=_STYLES["warning"] if counts["warning"] else "")
    text.append(f", {counts['info']} info")
    if counts["info"] and not show_info:
        text.append(" (shown with --info)", style="dim")
    text.append(f" in {seconds:.2f} s", style="dim")
    if report.reused:
        text.append(f" ({report.reused} unchanged file{'s' if report.reused != 1 else ''} remembered)", style="dim")
    return text
