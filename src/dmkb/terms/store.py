"""One SQLite file per term source: its terms, synonyms, parents and a full-text index of names.

A source is rebuilt into a new file that replaces the old one in a single rename, so an
interrupted build never leaves a half-written source behind, and an unchanged source is never
rewritten.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from dmkb.fs import new_sqlite
from dmkb.sqlite_readonly import open_readonly
from dmkb.terms.cache import curie_key
from dmkb.terms.records import Term, TermSource

FORMAT = "4"  # bump when the layout below changes: every source is then rebuilt
_BATCH = 50_000
DEFINITION = -1  # names.is_label of a definition, searched like a name: 1 label, 0 synonym
_NON_WORD = re.compile(r"[\W_]+")

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE terms(
    rowid INTEGER PRIMARY KEY, key TEXT NOT NULL, id TEXT NOT NULL, label TEXT NOT NULL,
    definition TEXT, obsolete INTEGER NOT NULL, replaced_by TEXT);
CREATE TABLE synonyms(term INTEGER NOT NULL, synonym TEXT NOT NULL);
CREATE TABLE parents(term INTEGER NOT NULL, parent TEXT NOT NULL, relation TEXT NOT NULL);
CREATE TABLE names_unsorted(term INTEGER NOT NULL, name TEXT NOT NULL, norm TEXT NOT NULL,
    is_label INTEGER NOT NULL);
CREATE TABLE names(rowid INTEGER PRIMARY KEY, term INTEGER NOT NULL, name TEXT NOT NULL,
    norm TEXT NOT NULL, is_label INTEGER NOT NULL);
CREATE VIRTUAL TABLE names_fts USING fts5(
    name, content='names', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2', detail='none');
"""
# Names are numbered shortest first, so a full-text query that stops after N matches returns
# the N shortest names that match: the closest candidates, without ranking every match.
_INDEXES = """
INSERT INTO names(term, name, norm, is_label)
    SELECT term, name, norm, is_label FROM names_unsorted ORDER BY length(norm), is_label DESC;
DROP TABLE names_unsorted;
CREATE UNIQUE INDEX terms_key ON terms(key);
CREATE INDEX synonyms_term ON synonyms(term);
CREATE INDEX parents_term ON parents(term);
CREATE INDEX names_norm ON names(norm);
INSERT INTO names_fts(names_fts) VALUES('rebuild');
"""


def normalize_name(text: str) -> str:
    """A name as compared for exact matches: case, punctuation and spacing folded."""
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def write_source(source: TermSource, path: Path, on_terms: Callable[[int], None] | None = None) -> int:
    """Read ``source`` and write it to ``path`` atomically; return how many terms it holds."""
    with new_sqlite(path) as db:
        return _fill(db, source, on_terms)


def _fill(db: sqlite3.Connection, source: TermSource, on_terms: Callable[[int], None] | None) -> int:
    db.executescript(_SCHEMA)
    writer = _TermWriter(db, source.search_definitions)
    for batch in _batches(source.read()):
        writer.insert(batch)
        if on_terms:
            on_terms(writer.count)
    db.executescript(_INDEXES)
    count = writer.count + source.in_place_terms
    meta = {"format": FORMAT, "name": source.name, "ontology": source.ontology, "release": source.release,
            "prefixes": " ".join(source.prefixes), "fingerprint": source.fingerprint, "terms": str(count),
            "authoritative": "1" if source.authoritative else "0", "partial": "1" if source.partial else "0"}
    if source.in_place:
        meta["in_place"] = source.in_place
    db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    db.commit()
    return count


def _batches(terms: Iterable[Term]) -> Iterable[list[Term]]:
    batch: list[Term] = []
    for term in terms:
        batch.append(term)
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class _TermWriter:
    """Inserts terms batch by batch; of two terms with one id, the first wins."""

    def __init__(self, db: sqlite3.Connection, definitions: bool = False) -> None:
        self.db = db
        self.definitions = definitions
        self.count = 0
        self._seen: set[str] = set()

    def insert(self, batch: list[Term]) -> None:
        term_rows, synonym_rows, parent_rows, name_rows = [], [], [], []
        for term in batch:
            key = curie_key(term.id)
            if key in self._seen:
                continue
            self._seen.add(key)
            self.count += 1
            row = self.count
            term_rows.append((row, key, term.id, term.label, term.definition, int(term.obsolete), term.replaced_by))
            synonym_rows.extend((row, s) for s in term.synonyms)
            parent_rows.extend((row, curie_key(parent), relation) for relation, parent in term.parents)
            if not term.obsolete:  # obsolete terms are looked up by id but never offered by search
                name_rows.extend((row, name, normalize_name(name), is_label) for name, is_label in _names(term))
                if self.definitions and term.definition:
                    name_rows.append((row, term.definition, normalize_name(term.definition), DEFINITION))
        self.db.executemany("INSERT INTO terms VALUES (?, ?, ?, ?, ?, ?, ?)", term_rows)
        self.db.executemany("INSERT INTO synonyms VALUES (?, ?)", synonym_rows)
        self.db.executemany("INSERT INTO parents VALUES (?, ?, ?)", parent_rows)
        self.db.executemany("INSERT INTO names_unsorted VALUES (?, ?, ?, ?)", name_rows)


def _names(term: Term) -> list[tuple[str, int]]:
    """The label and the synonyms that differ from it, each once."""
    names = {term.label: 1} if term.label else {}
    for synonym in term.synonyms:
        names.setdefault(synonym, 0)
    return list(names.items())


def read_meta(path: Path) -> dict[str, str] | None:
    """The ``meta`` table of a source file, or ``None`` when the file is missing or unreadable."""
    try:
        db = open_readonly(path)
        try:
            return dict(db.execute("SELECT key, value FROM meta"))
        finally:
            db.close()
    except sqlite3.Error:
        return None
