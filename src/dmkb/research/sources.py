"""What the literature index is built from: the reference cache (cached and imported records)
and the curated statements of a compiled KB (``kb.sqlite``). Readers only; nothing is written."""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dmkb.compile.read import connect_readonly
from dmkb.entry_walk import value_at
from dmkb.fs import file_key, key_of, settled
from dmkb.references.cache import ReferenceCache
from dmkb.research.text import Passage, passages, words


@dataclass(frozen=True)
class CachedFile:
    """One file of the reference cache and what tells when it changed."""

    name: str
    key: str  # its size, times and inode (fs.key_of); "" while too recent to be trusted, so read again


@dataclass(frozen=True)
class DocumentRecord:
    """A cached reference, read and cut into passages."""

    file: CachedFile
    reference: str
    metadata: dict[str, Any]
    title: str | None
    passages: list[Passage]
    problem: str | None  # why it could not be read (in full), if it could not


@dataclass(frozen=True)
class StatementRecord:
    """A verified evidence item of a KB entry, with the claim it backs."""

    stem: str
    disorder: str
    kind: str
    name: str
    text: str  # the claim: its name, description and the evidence's explanation
    reference: str
    snippet: str


def list_cache(directory: Path) -> list[CachedFile]:
    """The cache files of ``directory`` with what tells when each changed (unreadable ones left out)."""
    out = []
    for name in ReferenceCache(directory).file_names():
        at_ns = time.time_ns()  # before the stat: a file's age is never overstated
        try:
            info = (directory / name).stat()
        except OSError:
            continue
        key = key_of(info)
        out.append(CachedFile(name, ":".join(map(str, key)) if settled(key, at_ns) else ""))
    return out


def read_document(cache: ReferenceCache, file: CachedFile) -> DocumentRecord:
    """Read and cut one cache file; a file that cannot be read becomes a record with a problem."""
    cached = cache.read(file.name)
    meta = cached.metadata
    reference = meta.get("reference_id")
    if not isinstance(reference, str) or ":" not in reference:
        reference = _id_from_file_name(file.name)
    pdf = meta.get("content_type") == "full_text_pdf"
    found = passages(cached.text, pdf=pdf) if cached.text else []
    title_words = words(cached.title or "")
    found = [p for p in found if words(p.text) != title_words]  # the title again, as PubMed's text repeats it
    problem = cached.problem or (None if found else "no text to index")
    return DocumentRecord(file, reference.strip(), meta, cached.title, found, problem)


def _id_from_file_name(name: str) -> str:
    """``PMID_123.md`` -> ``PMID:123`` (the slashes of a DOI cannot be told from its underscores)."""
    prefix, _, local = name.removesuffix(".md").partition("_")
    return f"{prefix}:{local}"


def kb_signature(kb_db: Path | None) -> str:
    """What tells when a compiled KB changed: its size, times and inode (it is replaced whole when written)."""
    key = file_key(kb_db) if kb_db is not None else None
    return ":".join(map(str, key)) if key else "none"


def read_statements(kb_db: Path) -> Iterator[StatementRecord]:
    """Every evidence item of the compiled KB whose quote was verified in its source."""
    with contextlib.closing(connect_readonly(kb_db)) as conn:
        entries = {row["id"]: (row["stem"], row["name"], json.loads(row["data"]))
                   for row in conn.execute("SELECT id, stem, name, data FROM disorders")}
        rows = conn.execute("SELECT disorder_id, owner, reference, snippet, explanation FROM evidence "
                            "WHERE status = 'verified' AND reference IS NOT NULL AND snippet IS NOT NULL")
        for row in rows:
            stem, disorder, data = entries[row["disorder_id"]]
            owner = value_at(data, row["owner"])
            if not isinstance(owner, dict):
                continue
            name = _plain(owner.get("name")) or _plain(owner.get("preferred_term")) or ""
            parts = [name, _plain(owner.get("description")), _plain(row["explanation"])]
            yield StatementRecord(stem, disorder, _kind(row["owner"]), name,
                                  ". ".join(p for p in parts if p), row["reference"].strip(), row["snippet"])


_FIRST_KEY = re.compile(r"[A-Za-z_][\w-]*")


def _kind(path: str) -> str:
    match = _FIRST_KEY.match(path)
    return match.group(0) if match else "entry"


def _plain(value: Any) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None
