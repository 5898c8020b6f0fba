"""What pages and the API read from ``kb.sqlite``: one disorder with all its rows, or the index."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from dmkb.compile.schema import CHECKED, PROBLEMS
from dmkb.report_citations import ReferenceEntry, ReportContent


@dataclass(frozen=True)
class IndexRow:
    """One disorder as the index page and ``/api/disorders`` list it."""

    stem: str
    name: str
    mondo_id: str | None
    categories: list[str]
    synonyms: list[str]
    counts: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {"stem": self.stem, "name": self.name, "mondo_id": self.mondo_id,
                "categories": self.categories, "synonyms": self.synonyms, "counts": self.counts,
                "url": page_url(self.stem)}


@dataclass(frozen=True)
class DisorderRecord:
    """Everything ``kb.sqlite`` holds about one disorder."""

    stem: str
    file: str
    digest: str
    depends: str
    name: str
    mondo_id: str | None
    mondo_label: str | None
    description: str | None
    categories: list[str]
    synonyms: list[str]
    parents: list[str]
    data: dict[str, Any]
    evidence: dict[str, dict[str, Any]]  # by path of the evidence item
    sources: dict[str, dict[str, Any]]  # by reference id as cited
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    rows: dict[str, list[dict[str, Any]]]  # steps, phenotypes, genes, treatments, treatment_targets
    similar: dict[str, Any] | None = None  # computed similar conditions (dmkb.similarity.similar)
    source: str = ""  # the entry's YAML
    problem: dict[str, Any] | None = None  # why the file's current version could not be compiled (see problems)
    reports: list[StoredReport] = field(default_factory=list)  # stored deep-research reports about it
    checks: CurationChecks | None = None  # what dmkb validate finds in it (None: the build recorded no findings)


@dataclass(frozen=True)
class CurationChecks:
    """What ``dmkb validate`` finds in one entry, as the build recorded it."""

    findings: list[dict[str, Any]]  # {check, severity, line, path, message, hint}, in line order
    notes: list[str]  # the checks that could not be made, and why
    root: str = ""  # where the KB was when it was compiled (its hints name folders under it)

    def counts(self) -> dict[str, int]:
        return {severity: sum(f["severity"] == severity for f in self.findings)
                for severity in ("error", "warning", "info")}

    def to_json(self) -> dict[str, Any]:
        return {"counts": self.counts(), "findings": self.findings, "notes": self.notes}


@dataclass(frozen=True)
class StoredReport:
    """A report as kept in ``kb.sqlite`` (or by a research job): who wrote it, when, and its content."""

    file: str | None
    provider: str | None
    model: str | None
    date: str | None
    duration_seconds: float | None
    question: str
    content: ReportContent



_COUNTED = ("steps", "phenotypes", "genes", "treatments")


def page_url(stem: str) -> str:
    """Where the server has the page of the disorder ``stem``."""
    return f"/disorders/{quote(stem)}.html"


def load_index(conn: sqlite3.Connection) -> list[IndexRow]:
    """Every disorder, by name."""
    counts: dict[int, dict[str, int]] = {}
    for table in (*_COUNTED, "evidence"):
        for did, n in conn.execute(f"SELECT disorder_id, count(*) FROM {table} GROUP BY disorder_id"):
            counts.setdefault(did, {})[table] = n
    verified = dict(conn.execute("SELECT disorder_id, count(*) FROM evidence WHERE status = 'verified' "
                                 "GROUP BY disorder_id").fetchall())
    found = []
    for row in conn.execute("SELECT id, stem, name, mondo_id, categories, synonyms FROM disorders "
                            "ORDER BY name COLLATE NOCASE"):
        did, stem, name, mondo_id, categories, synonyms = row
        numbers = {table: counts.get(did, {}).get(table, 0) for table in (*_COUNTED, "evidence")}
        numbers["verified"] = verified.get(did, 0)
        found.append(IndexRow(stem, name, mondo_id, json.loads(categories), json.loads(synonyms), numbers))
    return found


def load_disorder(conn: sqlite3.Connection, stem: str, similar: str | None = None) -> DisorderRecord | None:
    """One disorder by its stem, or ``None``; ``similar``: its similar conditions as JSON text (kept
    by the site, see :mod:`dmkb.site.similar`)."""
    conn.row_factory = sqlite3.Row
    row = conn.execute("SELECT * FROM disorders WHERE stem = ?", (stem,)).fetchone()
    if row is None:
        return None
    did = row["id"]

    def rows(sql: str) -> list[dict[str, Any]]:
        return [dict(r) for r in conn.execute(sql, (did,))]

    evidence = {r["path"]: r for r in rows("SELECT * FROM evidence WHERE disorder_id = ?")}
    sources = {r["source_id"]: r for r in rows(
        "SELECT ds.source_id, ds.cited_title, s.title, s.journal, s.year, s.authors, s.cached FROM disorder_sources ds "
        "LEFT JOIN sources s ON s.id = ds.source_id WHERE ds.disorder_id = ?")}
    return DisorderRecord(
        stem=row["stem"], file=row["file"], digest=row["digest"], depends=row["depends"], name=row["name"],
        mondo_id=row["mondo_id"], mondo_label=row["mondo_label"], description=row["description"],
        categories=json.loads(row["categories"]), synonyms=json.loads(row["synonyms"]),
        parents=json.loads(row["parents"]), data=json.loads(row["data"]), evidence=evidence, sources=sources,
        nodes=rows("SELECT node, kind, name FROM graph_nodes WHERE disorder_id = ? ORDER BY rowid"),
        edges=rows("SELECT source, target, kind, label, path FROM graph_edges WHERE disorder_id = ? ORDER BY rowid"),
        rows={table: rows(f"SELECT * FROM {table} WHERE disorder_id = ? ORDER BY rowid")
              for table in ("steps", "phenotypes", "genes", "treatments", "treatment_targets")},
        similar=json.loads(similar) if similar else None,
        source=row["source"],
        problem=next((p for p in load_problems(conn) if p.get("stem") == stem and p.get("kept")), None),
        reports=load_reports(conn, stem),
        checks=load_checks(conn, did),
    )


def load_checks(conn: sqlite3.Connection, disorder_id: int) -> CurationChecks | None:
    """What ``dmkb validate`` finds in the entry, or ``None`` when the build recorded no findings."""
    notes = conn.execute("SELECT value FROM meta WHERE key = ?", (CHECKED,)).fetchone()
    if notes is None:
        return None
    found = conn.execute("SELECT check_name, severity, line, path, message, hint FROM findings "
                         "WHERE disorder_id = ? ORDER BY line, rowid", (disorder_id,))
    keys = ("check", "severity", "line", "path", "message", "hint")
    root = conn.execute("SELECT value FROM meta WHERE key = 'root'").fetchone()
    return CurationChecks([dict(zip(keys, row)) for row in found], json.loads(notes[0]), root[0] if root else "")


def checks_signatures(conn: sqlite3.Connection) -> dict[str, str]:
    """Per disorder, the findings made by comparing it with other entries: its page changes with them
    (those of the entry alone change only with the entry)."""
    return dict(conn.execute("SELECT d.stem, group_concat(f.line || f.message, ' ') FROM findings f "
                             "JOIN disorders d ON d.id = f.disorder_id WHERE f.across = 1 GROUP BY d.stem"))


def load_reports(conn: sqlite3.Connection, stem: str | None = None) -> list[StoredReport]:
    """The stored deep-research reports about the disorder ``stem`` (newest first), or, without
    ``stem``, every report of the KB (by file)."""
    where, order, args = ("WHERE stem = ?", "coalesce(ended, started, '') DESC, file", (stem,)) if stem \
        else ("", "file", ())
    reports = []
    for row in conn.execute("SELECT id, file, provider, model, started, ended, duration_seconds, question, body "
                            f"FROM research {where} ORDER BY {order}", args).fetchall():
        entries = [ReferenceEntry(key, number, text, 0, json.loads(labels), source=source)
                   for key, number, labels, text, source in conn.execute(
                       "SELECT key, number, labels, text, source_id FROM research_references WHERE report_id = ? "
                       "ORDER BY position", (row[0],))]
        reports.append(StoredReport(row[1], row[2], row[3], (row[5] or row[4] or "")[:10] or None, row[6], row[7],
                                    ReportContent(row[8], entries)))
    return reports


def research_signatures(conn: sqlite3.Connection) -> dict[str, str]:
    """Per disorder, what its stored reports are (their digests and sources): pages change with them."""
    return dict(conn.execute("SELECT stem, group_concat(digest || depends, ' ') FROM "
                             "(SELECT stem, digest, depends FROM research WHERE stem IS NOT NULL ORDER BY file) "
                             "GROUP BY stem"))


def load_problems(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The entries the last build could not compile: ``{"file", "line", "message", "hint", "stem",
    "kept"}`` each (``kept``: the last version that could be read is still in the KB)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (PROBLEMS,)).fetchone()
    return json.loads(row[0]) if row else []


def disorder_json(record: DisorderRecord) -> dict[str, Any]:
    """One disorder as ``/api/disorders/{stem}`` answers: its summary, rows, evidence and references."""
    strip = ("disorder_id",)
    return {
        "stem": record.stem,
        "name": record.name,
        "file": record.file,
        "mondo_id": record.mondo_id,
        "mondo_label": record.mondo_label,
        "description": record.description,
        "categories": record.categories,
        "synonyms": record.synonyms,
        "parents": record.parents,
        **{table: [{k: v for k, v in r.items() if k not in strip} for r in rows] for table, rows in record.rows.items()},
        "graph": {"nodes": record.nodes, "edges": record.edges},
        "evidence": [{k: v for k, v in e.items() if k not in strip} for e in record.evidence.values()],
        "references": [{"id": ref, "title": s["title"] or s["cited_title"], "journal": s["journal"],
                        "year": s["year"], "cached": bool(s["cached"])} for ref, s in record.sources.items()],
        "similar_conditions": record.similar,
        "research": [{"file": r.file, "provider": r.provider, "model": r.model, "date": r.date,
                      "question": r.question} for r in record.reports],
        "curation_checks": record.checks.to_json() if record.checks else None,
        "url": page_url(record.stem),
    }
