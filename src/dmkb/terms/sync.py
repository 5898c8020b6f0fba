"""``dmkb terms sync``: bring a KB's term caches in line with the index.

Terms the KB's entries use but its caches lack are added; cached labels that the ontology has
since changed are renamed; obsolete terms are reported with their replacements (the entries that
use them must be edited by a curator, so their cache rows are left as they are). Disorder files
are never touched.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from dmkb.entry_walk import term_references
from dmkb.errors import DmkbError
from dmkb.fs import read_regular, write_atomic
from dmkb.load.layout import TERM_CACHE, find_layout
from dmkb.load.term_caches import format_terms_table, parse_terms_table
from dmkb.load.text import decode
from dmkb.load.yaml_reader import read_yaml
from dmkb.settings import max_file_bytes
from dmkb.terms.cache import ENUMS_FOLDER, curie_key
from dmkb.terms.index import TermIndex


@dataclass(frozen=True)
class Change:
    kind: str  # "add", "rename", "obsolete", "unknown"
    id: str
    label: str
    cached_label: str | None = None
    replaced_by: str | None = None
    cache_file: Path | None = None

    def describe(self) -> str:
        if self.kind == "add":
            return f"{self.id} {self.label!r} → {self.cache_file}"
        if self.kind == "rename":
            return f"{self.id} {self.cached_label!r} → {self.label!r}"
        if self.kind == "obsolete":
            replacement = f", replaced by {self.replaced_by}" if self.replaced_by else ", no replacement named"
            return f"{self.id} {self.label!r} is obsolete{replacement}"
        return f"{self.id} is used by the KB but unknown to the index"

    def to_json(self) -> dict:
        out = {"kind": self.kind, "id": self.id, "label": self.label}
        if self.cached_label is not None:
            out["cached_label"] = self.cached_label
        if self.replaced_by:
            out["replaced_by"] = self.replaced_by
        if self.cache_file:
            out["cache_file"] = str(self.cache_file)
        return out


@dataclass
class SyncPlan:
    root: Path
    changes: list[Change] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # cache files that cannot be read, and why

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def added(self) -> list[Change]:
        return self.of_kind("add")

    @property
    def renamed(self) -> list[Change]:
        return self.of_kind("rename")

    @property
    def obsolete(self) -> list[Change]:
        return self.of_kind("obsolete")

    @property
    def unknown(self) -> list[Change]:
        return self.of_kind("unknown")

    def to_json(self) -> dict:
        return {"root": str(self.root), "changes": [c.to_json() for c in self.changes],
                "counts": {k: len(self.of_kind(k)) for k in ("add", "rename", "obsolete", "unknown")},
                "unreadable": self.unreadable}


def plan_sync(root: Path, index: TermIndex) -> SyncPlan:
    plan = SyncPlan(root)
    cache_dir = root / TERM_CACHE
    cached = _cached_rows(cache_dir, plan.unreadable)
    used = _used_ids(root)
    for key in sorted(used.keys() | cached.keys()):
        curie = used[key] if key in used else cached[key][2]
        prefix = key.partition(":")[0]
        term = index.get(curie)
        if term is None or not term.source.authoritative:
            if index.complete_authority(prefix):  # the whole ontology is held and has no such term
                plan.changes.append(Change("unknown", curie, ""))
            continue
        path, cached_label, _ = cached.get(key, (None, None, None))
        if term.obsolete:
            plan.changes.append(Change("obsolete", term.id, term.label, cached_label, term.replaced_by))
        elif path is None:
            plan.changes.append(Change("add", term.id, term.label, cache_file=_cache_file(cache_dir, term.id)))
        elif cached_label != term.label:
            plan.changes.append(Change("rename", term.id, term.label, cached_label, cache_file=path))
    return plan


def _used_ids(root: Path) -> dict[str, str]:
    """``{key: id as the KB writes it}`` for every term the KB's entries use."""
    used: dict[str, str] = {}
    for path in find_layout([root]).disorder_files:
        try:
            text, _ = decode(read_regular(path, max_file_bytes()))
        except OSError:
            continue  # `dmkb validate` reports unreadable entries
        for _, term in term_references(read_yaml(text).data):
            curie = term.get("id")
            if isinstance(curie, str) and ":" in curie:
                used.setdefault(curie_key(curie), curie.strip())
    return used


def _cached_rows(cache_dir: Path, unreadable: list[str]) -> dict[str, tuple[Path, str, str]]:
    """``{key: (cache file, label, id as cached)}`` for every row of every ``terms.csv``; what is
    wrong with the files that cannot be read is added to ``unreadable``."""
    out = {}
    for path in sorted(cache_dir.glob("*/terms.csv")):
        if path.parent.name == ENUMS_FOLDER:
            continue
        try:
            _, records = _read_table(path)
        except DmkbError as exc:
            unreadable.append(exc.message)
            continue
        for record in records:
            curie = (record.get("curie") or "").strip()
            if curie:
                out[curie_key(curie)] = (path, record.get("label") or "", curie)
    return out


def _cache_file(cache_dir: Path, curie: str) -> Path:
    return cache_dir / curie.partition(":")[0].lower() / "terms.csv"


def _read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The columns and rows of a cache file (none when it does not exist yet).

    :raises DmkbError: when it cannot be read and rewritten as a table of ids and labels.
    """
    if not os.path.lexists(path):
        return [], []
    try:
        text, problem = decode(read_regular(path, max_file_bytes()))
    except OSError as exc:
        raise DmkbError(f"{path}: cannot read ({exc.strerror})") from exc
    if problem:
        raise DmkbError(f"{path}, line {problem.line}: {problem.message}")
    columns, rows, unreadable = parse_terms_table(text)
    if unreadable:
        raise DmkbError(f"{path}, line {unreadable.line}: {unreadable.message}")
    return columns, rows


def apply_plan(plan: SyncPlan) -> list[Path]:
    """Write the additions and renames into the cache files; return the files written.

    :raises DmkbError: before anything is written, when a cache file cannot be read.
    """
    if plan.unreadable:
        raise DmkbError("the term caches were not updated, because these cannot be read: "
                        + "; ".join(plan.unreadable),
                        "repair or remove those files (CSV with the columns curie,label[,retrieved_at]), "
                        "then sync again")
    edits: dict[Path, list[Change]] = {}
    for change in plan.added + plan.renamed:
        edits.setdefault(change.cache_file, []).append(change)
    stamp = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat()
    contents = {path: _updated_csv(path, changes, stamp) for path, changes in sorted(edits.items())}
    for path, text in contents.items():  # every file was read before the first is written
        write_atomic(path, text)
    return sorted(edits)


def _updated_csv(path: Path, changes: list[Change], stamp: str) -> str:
    columns, rows = _read_table(path)
    renames = {curie_key(c.id): c.label for c in changes if c.kind == "rename"}
    for row in rows:
        key = curie_key(row.get("curie") or "")
        if key in renames:
            row["label"] = renames[key]
            if "retrieved_at" in columns:
                row["retrieved_at"] = stamp
    for change in changes:
        if change.kind == "add":
            rows.append({"curie": change.id, "label": change.label, "retrieved_at": stamp})
    return format_terms_table(columns, rows)
