"""Read stored deep-research reports: ``ROOT/research/<Stem>-deep-research-<provider>.md`` and their
``….md.citations.md`` companions.

Every provider writes its own variant: YAML front matter (provider, model, start and end time,
duration, template and its variables, citation count), a ``## Question`` section, then the report,
after a ``## Output`` heading or without one. Some echo the whole prompt at the top of the output
(``Question: You are an expert…``); the report's references are a list at its end, a companion
file, or both. Nothing here trusts the file: whatever cannot be read is a :class:`ReportProblem`
and the rest is still read. The citation keys and reference lists are read by
:mod:`dmkb.report_citations`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from dmkb.fs import read_regular
from dmkb.load.layout import COMPANION
from dmkb.load.text import decode


@cache
def _dates_as_text() -> type:
    """A YAML loader that leaves dates and times as text: a wrong one is reported, and the rest of
    the front matter is read. (Made on first use: listing reports and hashing them needs no YAML.)"""
    try:
        from yaml import CSafeLoader as Loader
    except ImportError:  # pragma: no cover
        from yaml import SafeLoader as Loader  # type: ignore[assignment]

    class DatesAsText(Loader):
        pass

    DatesAsText.yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in Loader.yaml_implicit_resolvers.items()
    }
    return DatesAsText


_NAME = re.compile(r"^(?P<stem>.+?)-deep-research(?:-(?P<provider>[A-Za-z0-9_.]+))?$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*\S)\s*$")
_FIELD = re.compile(r"^\*\*[^*]+:\*\*")


@dataclass(frozen=True)
class ReportProblem:
    """Something in a report file that could not be read as it should."""

    line: int
    message: str
    hint: str


@dataclass(frozen=True)
class ResearchFile:
    """One stored report as read from disk: what it is about, who wrote it, the question and the report."""

    name: str  # relative to the KB root, e.g. research/Gout-deep-research-falcon.md
    digest: str  # of the report's bytes and its companion's
    file_stem: str | None  # the disorder the file name gives (<Stem>-deep-research-…)
    provider: str | None
    model: str | None
    started: str | None  # ISO 8601, as written
    ended: str | None
    duration_seconds: float | None
    disease_name: str | None  # from the template variables
    mondo_id: str | None
    metadata: dict[str, Any]
    question: str
    body: str  # the report itself, in markdown
    body_line: int  # the line of the file the body starts on
    companion: tuple[str, ...] = ()  # the items of the companion's list, in order
    problems: tuple[ReportProblem, ...] = ()

    @property
    def date(self) -> str | None:
        """The day the report was finished (else started), ``YYYY-MM-DD``."""
        for value in (self.ended, self.started):
            if value and re.match(r"\d{4}-\d\d-\d\d", value):
                return value[:10]
        return None


@dataclass
class _Parts:
    metadata: dict[str, Any] = field(default_factory=dict)
    problems: list[ReportProblem] = field(default_factory=list)
    front: list[str] = field(default_factory=list)  # the lines of the front matter

    def line_of(self, key: str) -> int:
        """The file's line of ``key:`` in the front matter (2 when it is not found)."""
        return 2 + next((i for i, line in enumerate(self.front) if line.startswith(f"{key}:")), 0)


def report_digest(path: Path, max_bytes: int) -> str | None:
    """The digest :func:`read_report` gives the report at ``path`` (``None`` when it cannot be read)."""
    try:
        raw = read_regular(path, max_bytes)
        companion = path.with_name(path.name + COMPANION)
        extra = read_regular(companion, max_bytes) if companion.exists() else b""
    except OSError:
        return None
    return hashlib.sha256(raw + b"\0" + extra).hexdigest()


def file_stem(path: Path) -> str | None:
    """The disorder a report's file name gives: ``Gout`` for ``Gout-deep-research-falcon.md``."""
    match = _NAME.match(path.name.removesuffix(".md"))
    return match.group("stem") if match else None


def read_report(root: Path, path: Path, max_bytes: int) -> ResearchFile:
    """Read one report (and its companion, when there is one). Never raises: an unreadable file
    is a report with a problem and no text."""
    name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    problems: list[ReportProblem] = []
    raw = _read(path, max_bytes, problems, "the report")
    companion_path = path.with_name(path.name + COMPANION)
    companion_raw = _read(companion_path, max_bytes, problems, "its citations file") \
        if companion_path.exists() else b""
    text, decode_problem = decode(raw)
    if decode_problem:
        problems.append(ReportProblem(decode_problem.line, decode_problem.message, decode_problem.hint))
    digest = hashlib.sha256(raw + b"\0" + companion_raw).hexdigest()
    return parse_report(name, text, digest, decode(companion_raw)[0] if companion_raw else "", problems)


def _read(path: Path, max_bytes: int, problems: list[ReportProblem], what: str) -> bytes:
    try:
        return read_regular(path, max_bytes)
    except OSError as exc:
        problems.append(ReportProblem(1, f"{what} cannot be read ({exc.strerror or exc})",
                                      "replace it with a regular UTF-8 file of reasonable size"))
        return b""


def parse_report(name: str, text: str, digest: str, companion: str = "",
                 problems: list[ReportProblem] | None = None) -> ResearchFile:
    """A report's parts from its text (``name`` is its path relative to the KB root)."""
    parts = _Parts(problems=list(problems or []))
    body, body_line = _front_matter(text, parts)
    lines = body.split("\n")
    question_at = _section(lines, "question")
    output_at = _section(lines, "output", after=question_at if question_at is not None else -1)
    if question_at is not None:
        end = output_at if output_at is not None else _next_heading(lines, question_at, 2)
        question = "\n".join(lines[question_at + 1:end]).strip()
        start = output_at + 1 if output_at is not None else end
    else:
        question = ""
        start = output_at + 1 if output_at is not None else 0
    report_lines = lines[start:]
    skipped = _echoed_prompt(report_lines, question)
    report_text = "\n".join(report_lines[skipped:]).strip("\n")
    meta = parts.metadata
    variables = meta.get("template_variables") if isinstance(meta.get("template_variables"), dict) else {}
    if not question:
        question = _text(variables.get("question")) or ""
    match = _NAME.match(Path(name).name[:-3])
    return ResearchFile(
        name=name, digest=digest,
        file_stem=match.group("stem") if match else None,
        provider=_text(meta.get("provider")) or (match.group("provider") if match else None),
        model=_text(meta.get("model")),
        started=_timestamp(meta, "start_time", parts), ended=_timestamp(meta, "end_time", parts),
        duration_seconds=_number(meta.get("duration_seconds")),
        disease_name=_text(variables.get("disease_name")), mondo_id=_text(variables.get("mondo_id")),
        metadata=meta, question=question, body=report_text,
        body_line=body_line + start + skipped + _leading_blank_lines(report_lines[skipped:]),
        companion=tuple(companion_items(companion)), problems=tuple(parts.problems),
    )


def _front_matter(text: str, parts: _Parts) -> tuple[str, int]:
    """The text after the front matter, and the line (1-based) it starts on."""
    if not text.startswith("---\n"):
        return text, 1
    end = re.search(r"^---[ \t]*$", text[4:], re.MULTILINE)
    if end is None:
        parts.problems.append(ReportProblem(1, "the front matter is not closed by a '---' line",
                                            "end the front matter with a line holding only ---"))
        return text, 1
    front = text[4:4 + end.start()]
    parts.front = front.split("\n")
    after = 4 + end.end() + 1
    body_line = text.count("\n", 0, min(after, len(text))) + 1
    import yaml

    try:
        loaded = yaml.load(front, Loader=_dates_as_text())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        parts.problems.append(ReportProblem(
            2 + (mark.line if mark else 0), f"the front matter is not valid YAML ({exc.problem or exc})",
            "fix the YAML between the two --- lines (quote values holding ': ')"))
        return text[after:], body_line
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        parts.problems.append(ReportProblem(2, f"the front matter cannot be read ({str(exc).splitlines()[0]})",
                                            "fix the YAML between the two --- lines"))
        return text[after:], body_line
    if isinstance(loaded, dict):
        parts.metadata = {str(k): v for k, v in loaded.items()}
    elif loaded is not None:
        parts.problems.append(ReportProblem(2, "the front matter is not a mapping",
                                            "write it as key: value lines (provider:, model:, start_time:, …)"))
    return text[after:], body_line


def _section(lines: list[str], title: str, after: int = -1) -> int | None:
    """The index of the first ``## Title`` line after ``after``, outside code blocks."""
    fenced = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and index > after:
            heading = _HEADING.match(line)
            if heading and len(heading.group(1)) <= 2 and heading.group(2).strip().lower() == title:
                return index
    return None


def _next_heading(lines: list[str], after: int, level: int) -> int:
    for index in range(after + 1, len(lines)):
        heading = _HEADING.match(lines[index])
        if heading and len(heading.group(1)) <= level:
            return index
    return len(lines)


def _echoed_prompt(lines: list[str], question: str) -> int:
    """How many lines at the top of the output repeat the prompt (``Question: …`` and the question)."""
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or not question or not lines[first].lstrip().lower().startswith("question:"):
        return 0
    last_line = question.strip().split("\n")[-1].strip()
    limit = min(len(lines), first + question.count("\n") + 200)
    for index in range(first, limit):
        if lines[index].strip() == last_line:
            return index + 1
    return 0


def _leading_blank_lines(lines: list[str]) -> int:
    return next((i for i, line in enumerate(lines) if line.strip()), 0)


def companion_items(text: str) -> list[str]:
    """The numbered items of a companion (``1. sanchez2024… pages 9-10``, ``2. https://…``), in order.

    The companion repeats the query (itself a template with lists) above its ``**Provider:**`` and
    ``**Generated:**`` lines: only the list after the last such line is the citations'.
    """
    lines = text.split("\n")
    start = max((i for i, line in enumerate(lines) if _FIELD.match(line)), default=-1)
    return [item.group(1) for line in lines[start + 1:] if (item := _NUMBERED.match(line))]


def _text(value: Any) -> str | None:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip() or None
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def _timestamp(meta: dict[str, Any], key: str, parts: _Parts) -> str | None:
    value = meta.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value).strip()
    try:
        datetime.fromisoformat(text)
    except ValueError:
        parts.problems.append(ReportProblem(parts.line_of(key), f"{key} is {text!r}, not a date and time",
                                            f"write {key} as 2026-05-11T17:49:12 (ISO 8601)"))
        return None
    return text
