"""Stored deep-research reports into ``kb.sqlite``: one row per report (who wrote it, when, the
question, the text) and one per entry of its reference list, with the KB's cached copy of the
source when the KB has one (a reader sees which sources were checked).

A report is compiled again when its bytes (or its companion's) change, or when the cache of a
source it lists changes. Which disorder a report is about is decided when the database is
written (:data:`ATTACH`), from the disorders it holds then.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dmkb.fs import FileKey
from dmkb.knowledge_base import KnowledgeBase
from dmkb.load.research_files import ResearchFile, parse_report
from dmkb.report_citations import ReportContent, cached_sources, report_content


@dataclass(frozen=True)
class CompiledReport:
    file: ResearchFile
    content: ReportContent
    depends: dict[str, Any]  # reference id -> signature of its cached text (None: not cached)


@dataclass
class ResearchChanges:
    """What a compile run changes among the reports."""

    files: list[str] = field(default_factory=list)  # every report, by file
    compiled: list[CompiledReport] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.compiled or self.removed)


# the disorder a report is about: the stem of its file name, else its disease's name, else its MONDO id
ATTACH = """
UPDATE research SET stem = coalesce(
    (SELECT d.stem FROM disorders d WHERE d.stem = research.file_stem),
    (SELECT d.stem FROM disorders d WHERE lower(d.name) = lower(research.disease_name) ORDER BY d.stem LIMIT 1),
    (SELECT d.stem FROM disorders d WHERE d.mondo_id = research.mondo_id ORDER BY d.stem LIMIT 1))
"""


def compile_research(kb: KnowledgeBase, known: dict[str, tuple[str, dict[str, Any]]]) -> ResearchChanges:
    """The reports of ``kb`` that changed since ``known`` (file -> (digest, depends)), and those removed."""
    changes = ResearchChanges()
    for path in kb.research_files():
        report = kb.read_research(path)
        changes.files.append(report.name)
        before = known.get(report.name)
        if before and before[0] == report.digest and before[1] == _signatures(kb, before[1]):
            continue
        content = report_content(report.body, report.body_line, report.companion)
        depends = cached_sources(content, kb.references.locate)
        changes.compiled.append(CompiledReport(report, content, depends))
    changes.removed = sorted(set(known) - set(changes.files))
    return changes


def report_json(markdown: str, locate: Callable[[str], tuple[str, FileKey] | None]) -> dict[str, Any]:
    """A report given as text (a research job's answer), compiled as a stored report is: the fields
    of :class:`dmkb.site.data.StoredReport`, its sources that ``locate`` finds cached marked."""
    report = parse_report("", markdown, "")
    content = report_content(report.body, report.body_line, report.companion)
    cached_sources(content, locate)
    return {"provider": report.provider, "model": report.model, "date": report.date,
            "duration_seconds": report.duration_seconds, "question": report.question, "body": content.body,
            "entries": [entry.to_json() for entry in content.entries]}


def _signatures(kb: KnowledgeBase, depends: dict[str, Any]) -> dict[str, Any]:
    signatures = {}
    for ref in depends:
        found = kb.references.locate(ref)
        signatures[ref] = [found[0], *found[1]] if found else None
    return signatures


def read_known(conn: sqlite3.Connection) -> dict[str, tuple[str, dict[str, Any]]]:
    return {file: (digest, json.loads(depends))
            for file, digest, depends in conn.execute("SELECT file, digest, depends FROM research")}


def write_research(conn: sqlite3.Connection, changes: ResearchChanges) -> None:
    """Apply ``changes`` inside the compile's transaction, then attach every report to its disorder."""
    for name in [*changes.removed, *(c.file.name for c in changes.compiled)]:
        conn.execute("DELETE FROM research_references WHERE report_id IN (SELECT id FROM research WHERE file = ?)",
                     (name,))
        conn.execute("DELETE FROM research WHERE file = ?", (name,))
    for compiled in changes.compiled:
        r = compiled.file
        cursor = conn.execute(
            "INSERT INTO research (file, digest, depends, file_stem, disease_name, mondo_id, provider, model, "
            "started, ended, duration_seconds, question, body, metadata, problems) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (r.name, r.digest, json.dumps(compiled.depends), r.file_stem, r.disease_name, r.mondo_id, r.provider,
             r.model, r.started, r.ended, r.duration_seconds, r.question, compiled.content.body,
             json.dumps(r.metadata, ensure_ascii=False, default=str),
             json.dumps([vars(p) for p in r.problems], ensure_ascii=False)))
        conn.executemany(
            "INSERT INTO research_references VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(cursor.lastrowid, i, e.key, e.number, json.dumps(e.labels, ensure_ascii=False), e.text, e.source)
             for i, e in enumerate(compiled.content.entries)])
    conn.execute(ATTACH)
