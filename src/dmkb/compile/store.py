"""Reading and writing ``kb.sqlite``. Every write goes to a temporary copy of its own in one
transaction, then replaces the file in one step, so readers (the server) never see a half-written
database."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dmkb.compile.datasette import write_datasette_metadata
from dmkb.compile.extract import Extracted
from dmkb.compile.findings import FindingRow
from dmkb.compile.research import ResearchChanges, write_research
from dmkb.compile.research import read_known as read_known_reports
from dmkb.compile.schema import PER_DISORDER, SCHEMA, SCHEMA_VERSION
from dmkb.fs import temporary_beside
from dmkb.sqlite_readonly import open_readonly


@dataclass(frozen=True)
class Known:
    """What the database remembers of one compiled disorder."""

    digest: str
    depends: dict[str, Any]
    file: str = ""
    identity: Any = None  # what names its disorder, to compare entries (see dmkb.compile.findings)


@dataclass
class Compiled:
    """One entry ready to be written: its identity, its rows and each evidence item's status."""

    stem: str
    file: str
    digest: str
    depends: dict[str, Any]
    rows: Extracted
    data: str  # the whole entry as JSON (made where the entry was compiled: a text is quick to send)
    source: str  # the YAML text
    statuses: list[str]
    sources: dict[str, dict[str, Any]]  # reference id -> {title, journal, year, authors, cached}
    findings: list[FindingRow] = field(default_factory=list)  # what dmkb validate finds in it, when checked
    identity: Any = None


def read_known(path: Path, signature: str) -> dict[str, Known] | None:
    """The disorders compiled into ``path`` by this same code, or ``None`` when it must be rebuilt whole."""
    if not path.exists():
        return None
    try:
        with contextlib.closing(open_readonly(path)) as conn:
            meta = dict(conn.execute("SELECT key, value FROM meta"))
            if meta.get("schema_version") != SCHEMA_VERSION or meta.get("code") != signature:
                return None
            return {stem: Known(digest, json.loads(depends), file, json.loads(identity) if identity else None)
                    for stem, digest, depends, file, identity in conn.execute(
                        "SELECT stem, digest, depends, file, identity FROM disorders")}
    except (sqlite3.Error, ValueError):
        return None  # unreadable or foreign: rebuilt from scratch


def write(path: Path, signature: str, root: Path, compiled: Iterable[Compiled], removed: Iterable[str],
          *, fresh: bool, meta: dict[str, str] | None = None, research: ResearchChanges | None = None,
          across: dict[str, list[FindingRow]] | None = None) -> None:
    """Apply changes to the database at ``path``: replace ``compiled`` disorders, drop ``removed`` ones.

    :param fresh: start from an empty database instead of the existing one.
    :param meta: more values for the ``meta`` table.
    :param research: the stored reports that changed.
    :param across: the findings made by comparing entries, by stem (all of them: those before are dropped).
    """
    with _rewrite(path, fresh=fresh) as conn:
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                         [("schema_version", SCHEMA_VERSION), ("code", signature), ("root", str(root)),
                          *(meta or {}).items()])
        for stem in removed:
            _delete(conn, stem)
        for entry in compiled:
            _delete(conn, entry.stem)
            _insert(conn, entry)
        conn.execute("DELETE FROM sources WHERE id NOT IN (SELECT source_id FROM disorder_sources)")
        _write_across(conn, across or {})
        write_research(conn, research or ResearchChanges())
    write_datasette_metadata(path)


def read_known_research(path: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """The reports compiled into ``path``: file -> (digest, depends); empty when there is none."""
    try:
        with contextlib.closing(open_readonly(path)) as conn:
            return read_known_reports(conn)
    except (sqlite3.Error, ValueError):
        return {}


@contextlib.contextmanager
def _rewrite(path: Path, *, fresh: bool) -> Iterator[sqlite3.Connection]:
    """A connection to a copy of ``path`` (or a new database) that replaces it in one step when
    the block ends without error, in one transaction."""
    tmp = temporary_beside(path)
    try:
        if not fresh and path.exists():
            shutil.copyfile(path, tmp)
        conn = sqlite3.connect(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        with conn:
            if fresh or not path.exists():
                conn.executescript(SCHEMA)
            yield conn
        conn.close()
        os.chmod(tmp, 0o644)  # served as a download
        os.replace(tmp, path)
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)
        raise


def _delete(conn: sqlite3.Connection, stem: str) -> None:
    row = conn.execute("SELECT id FROM disorders WHERE stem = ?", (stem,)).fetchone()
    if row is None:
        return
    for table in PER_DISORDER:
        conn.execute(f"DELETE FROM {table} WHERE disorder_id = ?", row)
    conn.execute("DELETE FROM disorders WHERE id = ?", row)
    conn.execute("DELETE FROM search WHERE stem = ?", (stem,))


def _insert(conn: sqlite3.Connection, entry: Compiled) -> None:
    r = entry.rows
    cursor = conn.execute(
        "INSERT INTO disorders (stem, file, digest, depends, name, mondo_id, mondo_label, description,"
        " categories, synonyms, parents, data, source, identity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (entry.stem, entry.file, entry.digest, json.dumps(entry.depends), r.name, r.mondo_id, r.mondo_label,
         r.description, json.dumps(r.categories), json.dumps(r.synonyms), json.dumps(r.parents),
         entry.data, entry.source, json.dumps(entry.identity) if entry.identity is not None else None),
    )
    did = cursor.lastrowid
    rows = {
        "steps": [(did, s.path, s.name, s.description) for s in r.steps],
        "phenotypes": [(did, p.path, p.name, p.hpo_id, p.hpo_label, p.frequency, p.severity, p.category)
                       for p in r.phenotypes],
        "genes": [(did, g.path, g.name, g.gene_id, g.gene_label, g.relationship, g.variant_origin, g.association)
                  for g in r.genes],
        "treatments": [(did, t.path, t.name, t.term_id, t.term_label, t.action_category) for t in r.treatments],
        "treatment_targets": [(did, t.treatment_path, t.target, t.step_path, t.effect) for t in r.targets],
        "graph_nodes": [(did, n.node, n.kind, n.name) for n in r.nodes],
        "graph_edges": [(did, e.source, e.target, e.kind, e.label, e.path) for e in r.edges],
        "evidence": [(did, ev.path, ev.owner, _text(ev.item.get("reference")), _text(ev.item.get("reference_title")),
                      _text(ev.item.get("supports")), _text(ev.item.get("evidence_source")),
                      _text(ev.item.get("snippet")), _text(ev.item.get("explanation")), status)
                     for ev, status in zip(r.evidence, entry.statuses, strict=True)],
        "disorder_sources": [(did, ref, title) for ref, title in r.cited.items()],
        "mechanism_terms": [(did, term_id, label) for term_id, label in r.mechanisms.items()],
        "findings": [(did, *finding, 0) for finding in entry.findings],
    }
    for table, values in rows.items():
        if values:
            marks = ", ".join("?" * len(values[0]))
            conn.executemany(f"INSERT OR IGNORE INTO {table} VALUES ({marks})", values)
    conn.executemany(
        "INSERT OR REPLACE INTO sources (id, title, journal, year, authors, cached) VALUES (?, ?, ?, ?, ?, ?)",
        [(ref, s.get("title"), s.get("journal"), s.get("year"), s.get("authors"), int(s["cached"]))
         for ref, s in entry.sources.items()],
    )
    conn.execute("INSERT INTO search (rowid, stem, name, synonyms, keywords, description) VALUES (?, ?, ?, ?, ?, ?)",
                 (did, entry.stem, r.name, " ".join(r.synonyms), r.keywords(), r.description or ""))


def _write_across(conn: sqlite3.Connection, across: dict[str, list[FindingRow]]) -> None:
    conn.execute("DELETE FROM findings WHERE across = 1")
    for stem, findings in across.items():
        row = conn.execute("SELECT id FROM disorders WHERE stem = ?", (stem,)).fetchone()
        if row is not None:
            conn.executemany("INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, 1)", [(row[0], *f) for f in findings])


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else (str(value) if isinstance(value, (int, float)) else None)
