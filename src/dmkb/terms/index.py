"""The term index: every built source file under ``DMKB_HOME/terms``, queried together.

Ids are matched with a case-insensitive prefix. Packaged ontologies and ``--source`` files are
authoritative for their prefixes; a KB's term caches only answer for ids no authoritative
source has.
"""

from __future__ import annotations

import bisect
import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from dmkb.settings import term_index_dir
from dmkb.sqlite_readonly import open_readonly
from dmkb.terms.records import IS_A, RELATIONS, UNSPECIFIED, curie_key
from dmkb.terms.sources.taxonomy import PREFIX as TAXON
from dmkb.terms.sources.taxonomy import Taxonomy
from dmkb.terms.store import FORMAT, read_meta

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAMES = "SELECT norm FROM names WHERE is_label >= 0"  # labels and synonyms, not definitions


@dataclass(frozen=True, eq=False)
class SourceInfo:
    """A built source: where its terms came from."""

    name: str
    ontology: str
    release: str
    prefixes: tuple[str, ...]
    terms: int
    authoritative: bool
    partial: bool
    fingerprint: str
    path: Path
    in_place: Path | None = None  # an index read where it is installed (see dmkb.terms.sources.taxonomy)

    @classmethod
    def from_meta(cls, meta: dict[str, str], path: Path) -> SourceInfo:
        return cls(meta["name"], meta["ontology"], meta["release"], tuple(meta["prefixes"].split()),
                   int(meta["terms"]), meta.get("authoritative") == "1", meta.get("partial") == "1",
                   meta["fingerprint"], path, Path(meta["in_place"]) if meta.get("in_place") else None)

    def serves(self, prefix: str) -> bool:
        return prefix.lower() in self._lower_prefixes

    @cached_property
    def _lower_prefixes(self) -> frozenset[str]:
        return frozenset(p.lower() for p in self.prefixes)

    @property
    def dated(self) -> bool:
        """Whether the release says when it was made; a label differing from an undated
        release's may simply be newer than it."""
        return bool(_DATE.search(self.release))

    @property
    def title(self) -> str:
        """How findings name it: "HP 2025-11-24"."""
        return f"{self.prefixes[0]} {self.release}" if self.authoritative else self.ontology


@dataclass(frozen=True)
class TermInfo:
    """What the index knows of one term."""

    id: str
    label: str
    synonyms: tuple[str, ...]
    definition: str | None
    obsolete: bool
    replaced_by: str | None
    parents: dict[str, list[str]]
    source: SourceInfo = field(repr=False)

    def to_json(self) -> dict:
        return {"id": self.id, "label": self.label, "synonyms": list(self.synonyms),
                "definition": self.definition, "obsolete": self.obsolete, "replaced_by": self.replaced_by,
                "parents": self.parents, "source": self.source.ontology, "release": self.source.release}


@dataclass(frozen=True)
class Vocabulary:
    """The words of a source's names: most frequent first, and sorted (to find those a prefix begins)."""

    by_frequency: tuple[str, ...]
    in_order: tuple[str, ...]

    @classmethod
    def of(cls, counts: Counter) -> Vocabulary:
        return cls(tuple(word for word, _ in counts.most_common()), tuple(sorted(counts)))

    def __contains__(self, word: str) -> bool:
        at = bisect.bisect_left(self.in_order, word)
        return at < len(self.in_order) and self.in_order[at] == word

    def begins(self, prefix: str) -> bool:
        """Whether some word begins with ``prefix`` (or is it)."""
        at = bisect.bisect_left(self.in_order, prefix)
        return at < len(self.in_order) and self.in_order[at].startswith(prefix)


class TermIndex:
    """Read access to the built sources in ``directory``."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or term_index_dir()
        self.sources = self._read_sources()
        self._connections: dict[str, sqlite3.Connection] = {}
        self._inherited: dict[str, sqlite3.Connection] = {}  # see after_fork
        self._taxonomies: dict[str, Taxonomy] = {}
        # the same terms recur across a KB's entries
        self._terms: dict[str, TermInfo | None] = {}
        self._ancestors: dict[str, set[str] | None] = {}
        self._vocabularies: dict[str, Vocabulary] = {}

    def _read_sources(self) -> list[SourceInfo]:
        out = []
        for path in sorted(self.directory.glob("*.sqlite")):
            meta = read_meta(path)
            if meta and meta.get("format") == FORMAT:
                out.append(SourceInfo.from_meta(meta, path))
        # authoritative sources answer first
        return sorted(out, key=lambda s: (not s.authoritative, s.name))

    @property
    def built(self) -> bool:
        return any(source.authoritative for source in self.sources)

    def signature(self) -> list[tuple[str, str]]:
        """Names and fingerprints of the built sources, to tell when the index changed."""
        return [(s.name, s.fingerprint) for s in self.sources]

    def authority(self, prefix: str) -> SourceInfo | None:
        """The authoritative source of ``prefix``, if one is built."""
        return next((s for s in self.sources if s.authoritative and s.serves(prefix)), None)

    def complete_authority(self, prefix: str) -> SourceInfo | None:
        """The authoritative source of ``prefix`` when it holds the whole ontology, so that an id
        it lacks does not exist and its parents lead to the ontology's roots."""
        source = self.authority(prefix)
        return source if source and not source.partial else None

    def after_fork(self) -> None:
        """In a forked process: open connections of its own when next needed. The parent's are kept
        (never used, never closed here), since SQLite connections must not cross a fork."""
        self._inherited = self._connections
        self._connections = {}

    def connection(self, source: SourceInfo) -> sqlite3.Connection:
        db = self._connections.get(source.name)
        if db is None:
            db = open_readonly(source.path, check_same_thread=False)
            self._connections[source.name] = db
        return db

    def vocabulary(self, source: SourceInfo) -> Vocabulary:
        """The words of the source's names (labels and synonyms): what a misspelt query word is
        corrected to. Read once per index (tens of milliseconds; HGNC and CHEBI, hundreds)."""
        vocabulary = self._vocabularies.get(source.name)
        if vocabulary is None:
            counts = Counter(word for (norm,) in self.connection(source).execute(_NAMES)
                             for word in norm.split())
            vocabulary = self._vocabularies[source.name] = Vocabulary.of(counts)
        return vocabulary

    def taxonomy(self, source: SourceInfo) -> Taxonomy:
        """The reader of an index read in place."""
        if source.name not in self._taxonomies:
            self._taxonomies[source.name] = Taxonomy(source.in_place)
        return self._taxonomies[source.name]

    def get(self, curie: str) -> TermInfo | None:
        """The term with id ``curie`` (any case of prefix), or ``None`` when no source has it."""
        key = curie_key(curie)
        if key not in self._terms:
            self._terms[key] = self._find(key)
        return self._terms[key]

    def _find(self, key: str) -> TermInfo | None:
        prefix = key.partition(":")[0]
        for source in self.sources:
            if not source.serves(prefix):
                continue
            if source.in_place:
                found = self._taxon(source, key)
                if found:
                    return found
                continue
            db = self.connection(source)
            row = db.execute("SELECT rowid, id, label, definition, obsolete, replaced_by FROM terms WHERE key = ?",
                             (key,)).fetchone()
            if row:
                return self._term(source, db, row)
        return None

    def _term(self, source: SourceInfo, db: sqlite3.Connection, row: tuple) -> TermInfo:
        rowid, term_id, label, definition, obsolete, replaced_by = row
        synonyms = tuple(s for (s,) in db.execute("SELECT synonym FROM synonyms WHERE term = ?", (rowid,)))
        parents: dict[str, list[str]] = {}
        for parent, relation in db.execute("SELECT parent, relation FROM parents WHERE term = ?", (rowid,)):
            parents.setdefault(relation, []).append(self._display_id(db, parent))
        ordered = {relation: parents[relation] for relation in RELATIONS if relation in parents}
        return TermInfo(term_id, label, synonyms, definition, bool(obsolete), replaced_by, ordered, source)

    def _taxon(self, source: SourceInfo, key: str) -> TermInfo | None:
        local = key.partition(":")[2]
        term = self.taxonomy(source).term(int(local)) if local.isdigit() else None
        if term is None:
            return None
        name, synonyms, parent = term
        parents = {IS_A: [f"{TAXON}:{parent}"]} if parent is not None else {}
        return TermInfo(f"{TAXON}:{local}", name, synonyms, None, False, None, parents, source)

    @staticmethod
    def _display_id(db: sqlite3.Connection, key: str) -> str:
        row = db.execute("SELECT id FROM terms WHERE key = ?", (key,)).fetchone()
        return row[0] if row else key

    def label(self, curie: str) -> str | None:
        term = self.get(curie)
        return term.label if term else None

    def ancestor_among(self, curie: str, roots: tuple[str, ...]) -> bool | None:
        """Whether ``curie`` is ``is_a``-reachable from one of ``roots`` (itself included); ``None``
        when no complete source has the term, so nothing can be said."""
        key = curie_key(curie)
        source = self.complete_authority(key.partition(":")[0])
        if source is None:
            return None
        if key not in self._ancestors and source.in_place:
            local = key.partition(":")[2]
            known = local.isdigit() and self.taxonomy(source).term(int(local)) is not None
            self._ancestors[key] = {f"ncbitaxon:{t}" for t in self.taxonomy(source).lineage(int(local))} \
                if known else None
        if key not in self._ancestors:
            db = self.connection(source)
            known = db.execute("SELECT 1 FROM terms WHERE key = ?", (key,)).fetchone()
            self._ancestors[key] = {k for (k,) in db.execute(_ANCESTORS, (key,))} if known else None
        reached = self._ancestors[key]
        return None if reached is None else bool(reached & {curie_key(r) for r in roots})

    def close(self) -> None:
        for db in self._connections.values():
            db.close()
        self._connections.clear()


_ANCESTORS = f"""
WITH RECURSIVE up(key) AS (
    SELECT ?
    UNION
    SELECT p.parent FROM up JOIN terms t ON t.key = up.key JOIN parents p ON p.term = t.rowid
    WHERE p.relation IN ('{IS_A}', '{UNSPECIFIED}')
)
SELECT key FROM up
"""
