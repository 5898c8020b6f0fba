"""Findings remembered between runs, so that only changed files are checked again.

A file's findings are reused when its bytes hash the same and nothing they depend on has
changed: dmkb's own code, the term caches and term index, and the cached texts of the references
it cites. A file whose :func:`~dmkb.fs.file_key` (size, modification and change times, inode)
is the one remembered is not even read, once its times were older than :data:`dmkb.fs.RACY_NS` when the
key was taken: a file written twice within one tick of the file system's clock could otherwise
keep them.

The memo is one JSON file: findings as rows, and one table of the cited references' signatures,
taken once per run, before any file citing them is checked, however many files cite each.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from dmkb.checks.duplicates import Identity
from dmkb.checks.finding import Finding
from dmkb.fs import FileKey, file_key, settled, write_atomic
from dmkb.knowledge_base import KnowledgeBase
from dmkb.settings import kb_home_path
from dmkb.signature import code_signature

_FORMAT = 5


@dataclass(frozen=True)
class TakenKey:
    """A file's :func:`~dmkb.fs.file_key` and the time it was taken."""

    key: FileKey
    at_ns: int

    @property
    def settled(self) -> bool:
        """Whether the file's times were old enough, when taken, that a later write must change them."""
        return settled(self.key, self.at_ns)


def take_key(path: Path) -> TakenKey | None:
    """The file's key and when it was taken (``None``: not a file)."""
    at_ns = time.time_ns()  # read before the stat: the file's age is never overstated
    key = file_key(path)
    return TakenKey(key, at_ns) if key else None


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

    def unchanged(self, name: str, taken: TakenKey | None) -> tuple[list[Finding], Identity | None] | None:
        """The remembered findings and identity of a file that was not touched since it was checked
        (same key), without reading it; ``None`` when it must be read."""
        entry = self.entries.get(name)
        if taken is None or not entry or entry.get("key") != list(taken.key):
            return None
        return self._remembered(name, entry)

    def get(self, name: str, digest: str, taken: TakenKey | None = None) -> list[Finding] | None:
        """The remembered findings of a file whose bytes hash to ``digest``, or ``None`` when they
        may be out of date. Its key, ``taken`` before it was read, is remembered for the next run."""
        entry = self.entries.get(name)
        if not entry or entry.get("digest") != digest:
            return None
        remembered = self._remembered(name, entry)
        if remembered is None:
            return None
        if taken is not None and taken.settled and entry.get("key") != list(taken.key):
            entry["key"] = list(taken.key)
            self.changed = True
        return remembered[0]

    def _remembered(self, name: str, entry: dict[str, Any]) -> tuple[list[Finding], Identity | None] | None:
        if self._changed_references and not self._changed_references.isdisjoint(_cited(entry)):
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

    def signatures(self, cited: set[str]) -> dict[str, list[int] | None]:
        """The signatures of the cached texts of references ``cited`` by a file, to take before the
        file is checked: a text changed while it is read is then read again by the next run."""
        return {ref: _listed(self.kb.references.signature(ref)) for ref in cited}

    def put(self, name: str, digest: str, cited: dict[str, list[int] | None], findings: list[Finding],
            identity: Identity | None, taken: TakenKey | None = None) -> None:
        """Remember a file's findings; ``cited`` gives the :meth:`signatures` of the references it
        cites, taken before it was checked, and ``taken`` its key, taken before it was read."""
        self._references.update(cited)
        self.entries[name] = {
            "key": list(taken.key) if taken is not None and taken.settled else None,
            "digest": digest,
            "references": "\n".join(sorted(cited)),  # one text, not thousands of strings in a large KB
            "findings": [list(f[1:]) for f in findings],
            "identity": identity.to_json() if identity else None,
        }
        self.changed = True

    def forget(self, name: str) -> None:
        """Forget a file that could not be read: what it cited may change before it can be again."""
        if self.entries.pop(name, None) is not None:
            self.changed = True

    def stored(self, keep: set[str]) -> dict[str, Any]:
        """The memo's content for the files in ``keep``, as :meth:`save` writes it."""
        files = {name: self.entries[name] for name in sorted(keep) if name in self.entries}
        cited = {ref for entry in files.values() for ref in _cited(entry)}
        references = {ref: self._references.get(ref) for ref in sorted(cited)}
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


def _cited(entry: dict[str, Any]) -> list[str]:
    """The references a remembered file cites."""
    return entry["references"].split("\n") if entry["references"] else []


def _listed(signature: FileKey | None) -> list[int] | None:
    return list(signature) if signature else None


def memo_path(root: Path) -> Path:
    """Where the memo of the KB at ``root`` lives under dmkb's home folder."""
    return kb_home_path("validate", root).with_suffix(".json")
