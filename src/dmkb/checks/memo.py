"""Findings remembered between runs, so that only changed files are checked again.

A file's findings are reused when its bytes hash the same and nothing they depend on has
changed: dmkb's own code, the term caches and term index, and the cached texts of the references
it cites. A file whose size, modification and change times and inode are those remembered is
not even read, once they are older than :data:`RACY_NS` when taken: a file written twice within
one tick of the file system's clock could otherwise keep its times.

The memo is one JSON file: findings as rows, and one table of the cited references' signatures,
taken once per run however many files cite each.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any

import orjson

from dmkb.checks.duplicates import Identity
from dmkb.checks.finding import Finding
from dmkb.fs import write_atomic
from dmkb.knowledge_base import KnowledgeBase
from dmkb.settings import kb_home_path
from dmkb.signature import code_signature

_FORMAT = 3
RACY_NS = 2_000_000_000  # coarse file system clocks (FAT) tick every 2 s

FileKey = tuple[int, int, int, int]


def file_key(path: Path) -> FileKey | None:
    """Size, modification and change times and inode of the file at ``path`` (``None``: not a file)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


class FindingsMemo:
    """The remembered findings of one KB, stored as JSON in ``path``; kept in memory from run to
    run by a resident checker (:meth:`begin` starts each).

    :param save_to_disk: whether ``path`` is read first and :meth:`save` writes it.
    """

    def __init__(self, path: Path, kb: KnowledgeBase, *, save_to_disk: bool = True) -> None:
        self.path = path
        self.save_to_disk = save_to_disk
        self.entries: dict[str, Any] = {}
        self._references: dict[str, Any] = {}
        self.context: str | None = None
        self.changed = False
        stored = None
        if save_to_disk:
            try:
                stored = orjson.loads(path.read_bytes())
            except (OSError, ValueError):
                stored = None
        self.begin(kb, stored)

    def begin(self, kb: KnowledgeBase, stored: dict[str, Any] | None = None) -> None:
        """Start a run on ``kb``: forget what its term caches, term index or dmkb's code outdate,
        and note which cited references changed."""
        self.kb = kb
        index = kb.term_index
        context = orjson.dumps([_FORMAT, code_signature(), kb.terms.signature(),
                                index.signature() if index else None]).decode()
        if stored is not None:
            if isinstance(stored, dict) and stored.get("context") == context:
                self.entries = stored.get("files") or {}
                self._references = stored.get("references") or {}
        elif self.context not in (None, context):
            self.entries, self._references, self.changed = {}, {}, True
        self.context = context
        self._changed_references = {ref for ref, signature in self._references.items()
                                    if _listed(kb.references.signature(ref)) != signature}

    def unchanged(self, name: str, key: FileKey | None) -> tuple[list[Finding], Identity | None] | None:
        """The remembered findings and identity of a file that was not touched since it was checked
        (same :func:`file_key`), without reading it; ``None`` when it must be read."""
        entry = self.entries.get(name)
        if key is None or not entry or entry.get("key") != list(key):
            return None
        return self._remembered(name, entry)

    def get(self, name: str, digest: str, key: FileKey | None = None) -> list[Finding] | None:
        """The remembered findings of a file whose bytes hash to ``digest``, or ``None`` when they
        may be out of date. ``key`` (its :func:`file_key`) is remembered for the next run."""
        entry = self.entries.get(name)
        if not entry or entry.get("digest") != digest:
            return None
        remembered = self._remembered(name, entry)
        if remembered is None:
            return None
        if key is not None and _settled(key) and entry.get("key") != list(key):
            entry["key"] = list(key)
            self.changed = True
        return remembered[0]

    def _remembered(self, name: str, entry: dict[str, Any]) -> tuple[list[Finding], Identity | None] | None:
        if self._changed_references and not self._changed_references.isdisjoint(entry["references"]):
            return None
        try:
            findings = [Finding(name, *row) for row in entry["findings"]]
            identity = Identity.from_json(name, entry["identity"]) if entry.get("identity") else None
        except (TypeError, ValueError):
            return None
        return findings, identity

    def identity(self, name: str) -> Identity | None:
        """The remembered identity of a file whose findings :meth:`get` just gave."""
        stored = self.entries[name].get("identity")
        return Identity.from_json(name, stored) if stored else None

    def put(self, name: str, digest: str, cited: set[str], findings: list[Finding],
            identity: Identity | None, key: FileKey | None = None) -> None:
        """Remember a file's findings; ``key`` is its :func:`file_key` taken before it was read."""
        for ref in cited:
            self._references[ref] = _listed(self.kb.references.signature(ref))
        self.entries[name] = {
            "key": list(key) if key is not None and _settled(key) else None,
            "digest": digest,
            "references": sorted(cited),
            "findings": [list(f[1:]) for f in findings],
            "identity": identity.to_json() if identity else None,
        }
        self.changed = True

    def stored(self, keep: set[str]) -> dict[str, Any]:
        """The memo's content for the files in ``keep``, as :meth:`save` writes it."""
        files = {name: self.entries[name] for name in sorted(keep) if name in self.entries}
        cited = {ref for entry in files.values() for ref in entry["references"]}
        references = {ref: _listed(self.kb.references.signature(ref)) for ref in sorted(cited)}
        return {"context": self.context, "files": files, "references": references}

    def save(self, keep: set[str]) -> None:
        """Keep only the files in ``keep`` and write the memo, if anything changed. Never fails
        loudly: a memo that cannot be written only makes the next run slower."""
        stale = set(self.entries) - keep
        if not self.changed and not stale and not self._changed_references:
            return
        stored = self.stored(keep)
        self.entries, self._references = stored["files"], stored["references"]
        self._changed_references = set()
        self.changed = False
        if self.save_to_disk:
            with contextlib.suppress(OSError):
                write_atomic(self.path, orjson.dumps(stored))


def _listed(signature: tuple[int, int] | None) -> list[int] | None:
    return list(signature) if signature else None


def _settled(key: FileKey) -> bool:
    """Whether the file's times are old enough that a later write must change them."""
    return time.time_ns() - max(key[1], key[2]) > RACY_NS


def memo_path(root: Path) -> Path:
    """Where the memo of the KB at ``root`` lives under dmkb's home folder."""
    return kb_home_path("validate", root).with_suffix(".json")
