"""The literature index in one SQLite file with FTS5 tables of stems.

Built on first use, then updated: only cache files whose size, times or inode changed are read
again (a file written in the last two seconds is read again until it is older), and the statements are read again only when the compiled KB changed. A new index is
written to a temporary file of its own and renamed into place; an update runs in one
transaction, from reading what is indexed to the last change. Either way a reader sees the old
index or the new one, never half of one. One build or update at a time holds the index's lock
(others wait for it), and clears the temporary files a killed build left behind.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dmkb.errors import DmkbError
from dmkb.fs import exclusive, new_sqlite, remove_leftovers
from dmkb.references.cache import ReferenceCache
from dmkb.research import sources
from dmkb.research.index import Document, Hit, Passage, Statement
from dmkb.research.text import stems as stems_of
from dmkb.sqlite_readonly import open_readonly

FORMAT = "3"  # bump when the tables or the way text is cut into passages change: the index is rebuilt
_BATCH = 500  # documents a transaction

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs(
    id INTEGER PRIMARY KEY, file TEXT NOT NULL UNIQUE, key TEXT NOT NULL,
    reference TEXT NOT NULL, title TEXT, authors TEXT, journal TEXT, year TEXT, doi TEXT, pmid TEXT,
    content_type TEXT, problem TEXT);
CREATE INDEX docs_reference ON docs(reference COLLATE NOCASE);
CREATE TABLE passages(
    id INTEGER PRIMARY KEY, doc INTEGER NOT NULL, seq INTEGER NOT NULL, section TEXT, text TEXT NOT NULL,
    stems TEXT NOT NULL, length INTEGER NOT NULL);
CREATE INDEX passages_doc ON passages(doc, seq);
CREATE VIRTUAL TABLE passages_fts USING fts5(stems, content='passages', content_rowid='id', detail='column');
CREATE VIRTUAL TABLE passages_vocab USING fts5vocab(passages_fts, row);
CREATE VIRTUAL TABLE docs_fts USING fts5(title, body);
CREATE TABLE statements(
    id INTEGER PRIMARY KEY, stem TEXT NOT NULL, disorder TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    reference TEXT NOT NULL, passage INTEGER, stems TEXT NOT NULL);
CREATE VIRTUAL TABLE statements_fts USING fts5(stems, content='statements', content_rowid='id');
"""


@dataclass
class BuildReport:
    """What one build or update did."""

    path: Path
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    statements: int | None = None  # statements indexed, when they were read again
    fresh: bool = False  # built from scratch
    problems: list[tuple[str, str]] = field(default_factory=list)  # (cache file, why it was not indexed in full)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.statements is not None)


Progress = Callable[[int, int], None]  # (files read, files to read)


class DamagedIndexError(DmkbError):
    """The index file cannot be read: it is rebuilt."""


def update_index(path: Path, references_dir: Path, kb_db: Path | None, *, force: bool = False,
                 on_progress: Progress | None = None, on_wait: Callable[[], None] | None = None) -> BuildReport:
    """Bring the index at ``path`` up to date with the cache folder and the compiled KB.

    :param force: build it again from scratch.
    :param on_wait: called once before waiting for another build or update of the index to end.
    :raises DmkbError: when the index cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(path.parent, f".{path.name}.lock", on_wait):
        remove_leftovers(path.parent, (f".{path.name}.*.tmp*",))
        fresh = force or not _usable(path)
        report = BuildReport(path, fresh=fresh)
        files = sources.list_cache(references_dir)
        if fresh:
            with new_sqlite(path) as db:
                db.executescript(_SCHEMA)
                _apply(db, references_dir, files, kb_db, report, on_progress)
            return report
        try:
            with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
                db.execute("BEGIN IMMEDIATE")
                try:
                    _apply(db, references_dir, files, kb_db, report, on_progress, batch=None)
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise DmkbError(f"{path}: the literature index cannot be updated ({exc})",
                            "run dmkb research index ROOT --force to build it again") from exc
        return report


def _usable(path: Path) -> bool:
    """Whether ``path`` is an index of this format that SQLite can read."""
    if not path.exists():
        return False
    try:
        with contextlib.closing(open_readonly(path)) as db:
            meta = dict(db.execute("SELECT key, value FROM meta"))
            db.execute("SELECT count(*) FROM passages_fts WHERE passages_fts MATCH 'a'").fetchone()
    except sqlite3.Error:
        return False
    return meta.get("format") == FORMAT


def _apply(db: sqlite3.Connection, references_dir: Path, files: list[sources.CachedFile], kb_db: Path | None,
           report: BuildReport, on_progress: Progress | None, batch: int | None = _BATCH) -> None:
    """Index what changed. With ``batch``, commit after every ``batch`` documents (a new index, not
    yet anyone's); without, the caller holds one transaction for the whole update."""
    commit = contextlib.nullcontext if batch is None else lambda: db
    known = {name: (doc_id, key) for doc_id, name, key in db.execute("SELECT id, file, key FROM docs")}
    changed = [f for f in files if not f.key or known.get(f.name, (None, None))[1] != f.key]
    gone = set(known) - {f.name for f in files}
    report.unchanged = len(files) - len(changed)
    cache = ReferenceCache(references_dir)
    with commit():
        for name in gone:
            _delete_document(db, known[name][0])
        report.removed = len(gone)
    step = batch or len(changed) or 1
    for start in range(0, len(changed), step):
        with commit():
            for i, file in enumerate(changed[start : start + step], start=start + 1):
                record = sources.read_document(cache, file)
                if file.name in known:
                    _delete_document(db, known[file.name][0])
                    report.updated += 1
                else:
                    report.added += 1
                _insert_document(db, record)
                if record.problem:
                    report.problems.append((file.name, record.problem))
                if on_progress:
                    on_progress(i, len(changed))
    signature = sources.kb_signature(kb_db)
    old = dict(db.execute("SELECT key, value FROM meta"))
    with commit():
        if old.get("kb") != signature or report.added or report.updated or report.removed:
            report.statements = _index_statements(db, kb_db)
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [("format", FORMAT), ("kb", signature)])
        if report.changed or "passages" not in old:
            count, average = db.execute("SELECT count(*), coalesce(avg(length), 0) FROM passages").fetchone()
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                           [("passages", str(count)), ("average_length", str(average))])


def _delete_document(db: sqlite3.Connection, doc_id: int) -> None:
    db.execute("INSERT INTO passages_fts(passages_fts, rowid, stems) "
               "SELECT 'delete', id, stems FROM passages WHERE doc = ?", (doc_id,))
    db.execute("DELETE FROM passages WHERE doc = ?", (doc_id,))
    db.execute("DELETE FROM docs_fts WHERE rowid = ?", (doc_id,))
    db.execute("DELETE FROM docs WHERE id = ?", (doc_id,))


def _insert_document(db: sqlite3.Connection, record: sources.DocumentRecord) -> None:
    meta = record.metadata
    cursor = db.execute(
        "INSERT INTO docs(file, key, reference, title, authors, journal, year, doi, pmid, content_type, "
        "problem) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (record.file.name, record.file.key, record.reference, record.title,
         "\n".join(_authors(meta.get("authors"))), _text(meta.get("journal")), _text(meta.get("year")),
         _text(meta.get("doi")), _text(meta.get("pmid")), _text(meta.get("content_type")), record.problem))
    doc_id = cursor.lastrowid
    rows = []
    body: list[str] = []
    for seq, passage in enumerate(record.passages):
        passage_stems = " ".join(stems_of(passage.text))
        body.append(passage_stems)
        rows.append((doc_id, seq, passage.section, passage.text, passage_stems, passage_stems.count(" ") + 1))
    first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM passages").fetchone()[0]
    db.executemany("INSERT INTO passages(doc, seq, section, text, stems, length) VALUES (?, ?, ?, ?, ?, ?)", rows)
    db.executemany("INSERT INTO passages_fts(rowid, stems) VALUES (?, ?)",
                   [(first + i, row[4]) for i, row in enumerate(rows)])
    db.execute("INSERT INTO docs_fts(rowid, title, body) VALUES (?, ?, ?)",
               (doc_id, " ".join(stems_of(record.title or "")), "\n".join(body)))


def _index_statements(db: sqlite3.Connection, kb_db: Path | None) -> int:
    db.execute("INSERT INTO statements_fts(statements_fts) VALUES ('delete-all')")
    db.execute("DELETE FROM statements")
    if kb_db is None or not kb_db.exists():
        return 0
    count = 0
    for record in sources.read_statements(kb_db):
        passage = _quoted_passage(db, record.reference, record.snippet)
        statement_stems = " ".join(stems_of(record.text))
        cursor = db.execute(
            "INSERT INTO statements(stem, disorder, kind, name, reference, passage, stems) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (record.stem, record.disorder, record.kind, record.name, record.reference, passage, statement_stems))
        db.execute("INSERT INTO statements_fts(rowid, stems) VALUES (?, ?)", (cursor.lastrowid, statement_stems))
        count += 1
    return count


def _quoted_passage(db: sqlite3.Connection, reference: str, snippet: str) -> int | None:
    """The passage of ``reference`` that shares most of the snippet's words (at least 60%)."""
    wanted = set(stems_of(snippet))
    if not wanted:
        return None
    best, best_share = None, 0.6
    rows = db.execute("SELECT p.id, p.stems FROM passages p JOIN docs d ON d.id = p.doc "
                      "WHERE d.reference = ? COLLATE NOCASE", (reference,))
    for passage_id, passage_stems in rows:
        found = set(passage_stems.split())
        share = len(wanted & found) / min(len(wanted), len(found))
        if share > best_share:
            best, best_share = passage_id, share
    return best


def _authors(value: object) -> list[str]:
    if isinstance(value, list):
        return [" ".join(str(a).split()) for a in value if isinstance(a, (str, int)) and str(a).strip()]
    if isinstance(value, str):
        return [a.strip() for a in value.replace(";", ",").split(",") if a.strip()]
    return []


def _text(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return " ".join(str(value).split()) or None


class SqliteIndex:
    """Read access to an index file (see :class:`dmkb.research.index.LiteratureIndex`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = open_readonly(path, check_same_thread=False)
            self.meta = dict(self.db.execute("SELECT key, value FROM meta"))
        except sqlite3.Error as exc:
            raise DamagedIndexError(f"{path}: the literature index cannot be read ({exc})",
                                    "run dmkb research index ROOT --force to build it again") from exc

    def close(self) -> None:
        self.db.close()

    def _query(self, sql: str, args: Iterable = ()) -> list[tuple]:
        try:
            return self.db.execute(sql, tuple(args)).fetchall()
        except sqlite3.OperationalError as exc:
            if "fts5: syntax error" in str(exc):
                return []
            raise DamagedIndexError(f"{self.path}: the literature index cannot be read ({exc})",
                                    "run dmkb research index ROOT --force to build it again") from exc
        except sqlite3.DatabaseError as exc:
            raise DamagedIndexError(f"{self.path}: the literature index is damaged ({exc})",
                                    "run dmkb research index ROOT --force to build it again") from exc

    def passage_count(self) -> tuple[int, float]:
        return int(self.meta.get("passages", 0)), float(self.meta.get("average_length", 0))

    def passage_frequencies(self, stems: Collection[str]) -> dict[str, int]:
        if not stems:
            return {}
        marks = ",".join("?" * len(stems))
        return dict(self._query(f"SELECT term, doc FROM passages_vocab WHERE term IN ({marks})", stems))

    def search_documents(self, stems: Sequence[str], limit: int, within: Sequence[Sequence[str]] = ()) -> list[Hit]:
        if not stems:
            return []
        match = _any(stems)
        if within:
            match = f"({' OR '.join(_phrase(p) for p in within if p)}) AND ({match})"
        rows = self._query("SELECT rowid, bm25(docs_fts, 3.0, 1.0) FROM docs_fts WHERE docs_fts MATCH ? "
                           "ORDER BY rank LIMIT ?", (match, limit))
        return [Hit(doc, doc, -score) for doc, score in rows]

    def documents_mentioning(self, phrases: Sequence[Sequence[str]], limit: int) -> dict[int, bool]:
        phrases = [p for p in phrases if p]
        if not phrases:
            return {}
        anywhere = " OR ".join(_phrase(p) for p in phrases)
        in_title = " OR ".join(f"title : {_phrase(p)}" for p in phrases)
        found = {doc: False for (doc,) in self._query(
            "SELECT rowid FROM docs_fts WHERE docs_fts MATCH ? LIMIT ?", (anywhere, limit))}
        for (doc,) in self._query("SELECT rowid FROM docs_fts WHERE docs_fts MATCH ? LIMIT ?", (in_title, limit)):
            found[doc] = True
        return found

    def documents_of(self, references: Collection[str]) -> set[int]:
        if not references:
            return set()
        marks = ",".join("?" * len(references))
        return {doc for (doc,) in self._query(
            f"SELECT id FROM docs WHERE reference COLLATE NOCASE IN ({marks})", references)}

    def search_passages(self, stems: Sequence[str], limit: int) -> list[Hit]:
        if not stems:
            return []
        rows = self._query("SELECT p.id, p.doc, m.score FROM (SELECT rowid, bm25(passages_fts) AS score "
                           "FROM passages_fts WHERE passages_fts MATCH ? ORDER BY rank LIMIT ?) AS m "
                           "JOIN passages p ON p.id = m.rowid", (_any(stems), limit))
        return [Hit(pid, doc, -score) for pid, doc, score in rows]

    def passages_of(self, docs: Collection[int]) -> list[Passage]:
        if not docs:
            return []
        marks = ",".join("?" * len(docs))
        rows = self._query(f"SELECT id, doc, seq, section, text, stems FROM passages WHERE doc IN ({marks}) "
                           "ORDER BY doc, seq", docs)
        return [Passage(pid, doc, seq, section, text, tuple(s.split())) for pid, doc, seq, section, text, s in rows]

    def documents(self, ids: Collection[int]) -> dict[int, Document]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._query(f"SELECT id, reference, title, authors, journal, year, doi, pmid, content_type "
                           f"FROM docs WHERE id IN ({marks})", ids)
        return {row[0]: Document(row[0], row[1], row[2], tuple(a for a in (row[3] or "").split("\n") if a),
                                 *row[4:]) for row in rows}

    def search_statements(self, stems: Sequence[str], hidden: Collection[str], limit: int) -> list[Statement]:
        if not stems:
            return []
        marks = ",".join("?" * len(hidden))
        rows = self._query("SELECT s.id, s.stem, s.disorder, s.kind, s.name, s.reference, s.passage, p.doc, "
                           "bm25(statements_fts) AS score FROM statements_fts JOIN statements s "
                           "ON s.id = statements_fts.rowid LEFT JOIN passages p ON p.id = s.passage "
                           f"WHERE statements_fts MATCH ? AND s.stem NOT IN ({marks}) ORDER BY score LIMIT ?",
                           (_any(stems), *hidden, limit))
        return [Statement(*row[:8], score=-row[8]) for row in rows]

    def document_count(self) -> int:
        return self._query("SELECT count(*) FROM docs")[0][0]


def _any(stems: Sequence[str]) -> str:
    return " OR ".join(f'"{s}"' for s in dict.fromkeys(stems))


def _phrase(stems: Sequence[str]) -> str:
    return '"' + " ".join(stems) + '"'
