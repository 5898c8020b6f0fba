"""Findings remembered between runs, so that only changed files are checked again.

A file's findings are reused when its bytes hash the same and nothing they depend on has
changed: dmkb's own code, the term caches and term index, and the cached texts of the references
it cites.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import orjson

from dmkb.checks.duplicates import Identity
from dmkb.checks.finding import Finding
from dmkb.fs import write_atomic
from dmkb.knowledge_base import KnowledgeBase
from dmkb.settings import kb_home_path
from dmkb.signature import code_signature

_FORMAT = 2


class FindingsMemo:
    """The remembered findings of one KB, stored as JSON in ``path``."""

    def __init__(self, path: Path, kb: KnowledgeBase) -> None:
        self.path = path
        self.kb = kb
        index = kb.term_index
        self.context = orjson.dumps([_FORMAT, code_signature(), kb.terms.signature(),
                                     index.signature() if index else None]).decode()
        self.entries: dict[str, Any] = {}
        self.changed = False
        try:
            stored = orjson.loads(path.read_bytes())
        except (OSError, ValueError):
            return
        if isinstance(stored, dict) and stored.get("context") == self.context:
            self.entries = stored.get("files") or {}

    def get(self, name: str, digest: str) -> list[Finding] | None:
        """The remembered findings of a file, or ``None`` when they may be out of date."""
        entry = self.entries.get(name)
        if not entry or entry.get("digest") != digest:
            return None
        for ref, signature in entry["references"].items():
            current = self.kb.references.signature(ref)
            if (list(current) if current else None) != signature:
                return None
        try:
            return [Finding.from_json(f) for f in entry["findings"]]
        except (TypeError, KeyError):
            return None

    def identity(self, name: str) -> Identity | None:
        """The remembered identity of a file whose findings :meth:`get` just gave."""
        stored = self.entries[name].get("identity")
        return Identity.from_json(name, stored) if stored else None

    def put(self, name: str, digest: str, cited: set[str], findings: list[Finding],
            identity: Identity | None) -> None:
        signatures = {ref: self.kb.references.signature(ref) for ref in sorted(cited)}
        self.entries[name] = {
            "digest": digest,
            "references": {ref: list(sig) if sig else None for ref, sig in signatures.items()},
            "findings": [f.to_json() for f in findings],
            "identity": identity.to_json() if identity else None,
        }
        self.changed = True

    def save(self, keep: set[str]) -> None:
        """Write the memo (only the files in ``keep``), if anything changed. Never fails loudly:
        a memo that cannot be written only makes the next run slower."""
        stale = set(self.entries) - keep
        if not self.changed and not stale:
            return
        files = {name: self.entries[name] for name in sorted(keep) if name in self.entries}
        with contextlib.suppress(OSError):
            write_atomic(self.path, orjson.dumps({"context": self.context, "files": files}))


def memo_path(root: Path) -> Path:
    """Where the memo of the KB at ``root`` lives under dmkb's home folder."""
    return kb_home_path("validate", root).with_suffix(".json")
