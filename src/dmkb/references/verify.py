"""Re-check a reference cache offline: entries that contradict their ids, damaged or empty
entries, and entries that no disorder cites."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dmkb.references.cache import cache_file_name
from dmkb.references.store import CachedEntry, ReferenceStore

KINDS = ("identity", "damaged", "empty", "uncited")


@dataclass(frozen=True)
class CacheFinding:
    """One problem of one cache file."""

    file: str
    reference_id: str | None
    severity: str  # error or warning
    kind: str  # one of KINDS
    message: str
    hint: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class VerifyReport:
    directory: Path
    entries: int = 0
    findings: list[CacheFinding] = field(default_factory=list)
    cited: int | None = None  # references the KB cites; None when no KB was given

    def summary(self) -> dict[str, Any]:
        severities = Counter(f.severity for f in self.findings)
        kinds = Counter(f.kind for f in self.findings)
        return {"cache": str(self.directory), "entries": self.entries, "cited": self.cited,
                "errors": severities["error"], "warnings": severities["warning"],
                "kinds": {kind: kinds[kind] for kind in KINDS}}

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


def verify_cache(directory: Path, cited: set[str] | None = None) -> VerifyReport:
    """Check every entry of the cache folder ``directory``.

    :param cited: the ids a KB cites; entries outside it are reported (imported literature aside).
    """
    report = VerifyReport(directory, cited=len(cited) if cited is not None else None)
    cited_files = {cache_file_name(c).lower() for c in cited} if cited is not None else None
    for entry in ReferenceStore(directory).entries():
        report.entries += 1
        report.findings.extend(_entry_findings(entry, directory, cited_files))
    return report


def _entry_findings(entry: CachedEntry, directory: Path, cited_files: set[str] | None) -> list[CacheFinding]:
    name = entry.path.name
    meta = entry.cached.metadata
    reference_id = meta.get("reference_id") if isinstance(meta.get("reference_id"), str) else None
    refetch = f"dmkb refs fetch {reference_id} --cache {directory} --force" if reference_id else None

    def finding(severity: str, kind: str, message: str, hint: str | None) -> CacheFinding:
        return CacheFinding(name, reference_id, severity, kind, message, hint)

    if entry.cached.problem:
        return [finding("error", "damaged", f"the entry cannot be read: {entry.cached.problem}",
                        f"fetch it again: {refetch}" if refetch else "repair or delete the file")]
    found = []
    if reference_id is None:
        found.append(finding("warning", "identity", "the entry has no reference_id, so its identity cannot be checked",
                             "add reference_id to its front matter, or fetch it again"))
    else:
        found += [finding("error", "identity", problem, f"check the entry; to replace it: {refetch}")
                  for problem in entry.problems]
    if not entry.content.strip():
        found.append(finding("error", "empty", "the entry has no text under '## Content'",
                             f"fetch it again: {refetch}" if refetch else "delete the file"))
    if cited_files is not None and name.lower() not in cited_files and "imported_from" not in meta:
        found.append(finding("warning", "uncited", f"{reference_id or name} is cited by no entry",
                             "delete the file, or cite the reference"))
    return found
