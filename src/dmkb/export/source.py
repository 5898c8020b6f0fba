"""What every export reads: the compiled ``kb.sqlite``, never the YAML.

The rows of each disorder (phenotypes, genes, treatments, mechanism steps, causal edges,
evidence) come from their tables; the few parts no table holds (the terms of a mechanism step,
infectious agents) from the entry's JSON kept in ``disorders.data``. ``revision`` names the
KB's content (a hash of every entry's bytes), so that an export says what it was made from and
stays byte-identical while nothing changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dmkb import __version__
from dmkb.compile.store import connect_readonly
from dmkb.entry_walk import value_at


@dataclass(frozen=True)
class Evidence:
    reference: str | None
    supports: str | None
    evidence_source: str | None
    snippet: str | None
    status: str


@dataclass
class Disorder:
    """One compiled disorder with its rows (``sqlite3.Row``), in the order the entry gives them."""

    stem: str
    name: str
    mondo_id: str | None
    mondo_label: str | None
    description: str | None
    synonyms: list[str]
    data: dict[str, Any]
    steps: list[sqlite3.Row] = field(default_factory=list)
    phenotypes: list[sqlite3.Row] = field(default_factory=list)
    genes: list[sqlite3.Row] = field(default_factory=list)
    treatments: list[sqlite3.Row] = field(default_factory=list)
    edges: list[sqlite3.Row] = field(default_factory=list)
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)  # statement path -> its evidence

    def evidence_of(self, *paths: str) -> list[Evidence]:
        """The evidence of the first of ``paths`` that has any (an edge's own, else its owner's)."""
        for path in paths:
            if self.evidence.get(path):
                return self.evidence[path]
        return []

    def at(self, path: str) -> Any:
        """The part of the entry at ``path`` (``stages[0].pathophysiology[1]``), or ``None``."""
        return value_at(self.data, path)


@dataclass
class CompiledKB:
    revision: str
    version: str
    disorders: list[Disorder]


def read_kb(db_path: Path) -> CompiledKB:
    """Every disorder of the compiled KB at ``db_path``, ordered by stem.

    :raises LoadError: when the file is not a compiled KB.
    """
    with contextlib.closing(connect_readonly(db_path)) as conn:
        rows = conn.execute("SELECT * FROM disorders ORDER BY stem").fetchall()
        revision = hashlib.sha256("".join(f"{r['stem']}\t{r['digest']}\n" for r in rows).encode()).hexdigest()
        by_id = {r["id"]: _disorder(r) for r in rows}
        for table, attribute in (("steps", "steps"), ("phenotypes", "phenotypes"), ("genes", "genes"),
                                 ("treatments", "treatments"), ("graph_edges", "edges")):
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY disorder_id, rowid"):
                getattr(by_id[row["disorder_id"]], attribute).append(row)
        grouped: dict[int, dict[str, list[Evidence]]] = defaultdict(lambda: defaultdict(list))
        for row in conn.execute("SELECT * FROM evidence ORDER BY disorder_id, rowid"):
            grouped[row["disorder_id"]][row["owner"]].append(
                Evidence(row["reference"], row["supports"], row["evidence_source"], row["snippet"], row["status"]))
        for did, evidence in grouped.items():
            by_id[did].evidence = dict(evidence)
    return CompiledKB(revision[:16], __version__, list(by_id.values()))


def _disorder(row: sqlite3.Row) -> Disorder:
    data = json.loads(row["data"])
    return Disorder(row["stem"], row["name"], row["mondo_id"], row["mondo_label"], row["description"],
                    json.loads(row["synonyms"]), data if isinstance(data, dict) else {})


def term_id(descriptor: Any) -> tuple[str | None, str | None]:
    """``(id, label)`` of a descriptor's ``term`` (``{term: {id, label}}``)."""
    term = descriptor.get("term") if isinstance(descriptor, dict) else None
    if not isinstance(term, dict) or not isinstance(term.get("id"), str) or not term["id"].strip():
        return None, None
    label = term.get("label")
    return term["id"].strip(), label.strip() if isinstance(label, str) and label.strip() else None


def terms_of(item: Any, key: str) -> list[tuple[str, str | None]]:
    """The terms of the descriptors listed under ``item[key]`` (or of a single descriptor there)."""
    value = item.get(key) if isinstance(item, dict) else None
    descriptors = value if isinstance(value, list) else [value]
    return [t for t in (term_id(d) for d in descriptors) if t[0]]
