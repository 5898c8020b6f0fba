"""Validate a knowledge base: load each disorder file, run the checks, collect the findings."""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dmkb.checks import CHECK_NAMES, check_file, check_kb, duplicates, file_checks
from dmkb.checks.duplicates import Identity
from dmkb.checks.finding import SEVERITIES, Finding
from dmkb.checks.memo import FindingsMemo, TakenKey, memo_path, take_key
from dmkb.compile.findings import FindingRow
from dmkb.errors import LoadError
from dmkb.forked import CHUNKS_A_WORKER, WorkerDied, WorkersLost, forked_stream, in_own_fork
from dmkb.knowledge_base import KnowledgeBase, open_knowledge_base
from dmkb.load.kb import DisorderFile
from dmkb.load.layout import find_layout

PER_WORKER = 24  # the fewest files to check worth a worker of their own
_CHUNK = 8  # files sent to a worker at a time
NO_TERM_INDEX = ("the term index is not built, so terms were checked against the KB's term caches only: "
                 "ids unknown to their ontology, obsolete terms, outdated labels and terms from the wrong "
                 "branch were not looked for (run: dmkb terms build)")


@dataclass
class ValidationReport:
    """What a validation run found."""

    root: Path
    files: int
    findings: list[Finding] = field(default_factory=list)
    reused: int = 0  # files whose findings were remembered from an earlier run
    notes: list[str] = field(default_factory=list)  # checks that could not be made, and why

    def counts(self) -> dict[str, int]:
        by_severity = Counter(f.severity for f in self.findings)
        return {severity: by_severity.get(severity, 0) for severity in SEVERITIES}

    def summary(self) -> dict[str, object]:
        by_check = Counter(f.check for f in self.findings)
        counts = self.counts()
        return {
            "root": str(self.root),
            "files": self.files,
            "files_with_findings": len({f.file for f in self.findings if f.severity != "info"}),
            "errors": counts["error"],
            "warnings": counts["warning"],
            "info": counts["info"],
            "checks": {name: by_check.get(name, 0) for name in CHECK_NAMES},
            "notes": self.notes,
        }

    @property
    def ok(self) -> bool:
        return self.counts()["error"] == 0


def validate(
    inputs: Sequence[str | Path],
    *,
    use_memo: bool = True,
    on_file: Callable[[str, int], None] | None = None,
    workers: int = 1,
) -> ValidationReport:
    """Validate a KB root or some disorder files.

    :param use_memo: reuse the findings of files unchanged since the last run.
    :param on_file: called with each file's name and the number of files, once it is done.
    :param workers: processes that check files side by side (see :meth:`Validator.run`).
    :raises UsageError: when the inputs are not a KB or its files.
    :raises LoadError: when the KB cannot be listed.
    """
    validator = Validator(inputs, use_memo=use_memo)
    report = validator.run(on_file=on_file, workers=workers)
    validator.save()
    return report


class Validator:
    """Validates one KB, and again after its files changed, checking only what changed.

    The findings of each file are remembered in memory between runs (and in DMKB_HOME, for the
    next command, when ``use_memo``); the caches of reference texts and terms are kept while
    only disorder files change.
    """

    def __init__(self, inputs: Sequence[str | Path], *, use_memo: bool = True) -> None:
        self.inputs = list(inputs)
        self.use_memo = use_memo
        self._kb: KnowledgeBase | None = None
        self._memo: FindingsMemo | None = None

    def run(self, *, caches_changed: bool = True, on_file: Callable[[str, int], None] | None = None,
            workers: int = 1) -> ValidationReport:
        """Validate the KB as its files are now.

        :param caches_changed: whether anything besides disorder files may have changed since the
            last run (cached references, term caches, research reports, the term index).
        :param workers: processes that check files side by side (forked, where
            :func:`~dmkb.forked.workers_allowed`); the findings are the same, in the same order.
        :raises UsageError: when the inputs are not a KB or its files.
        :raises LoadError: when the KB cannot be listed.
        """
        kb = self._open(caches_changed)
        memo = self._memo
        paths = kb.layout.disorder_files
        report = ValidationReport(kb.root, len(paths))
        # files untouched since they were checked are answered here; the others are read and checked,
        # by forked workers when there are many, and come back in the order of the files
        taken = [take_key(path) for path in paths]
        remembered = [memo.unchanged(kb.layout.display_name(p), t) for p, t in zip(paths, taken, strict=True)]
        pending = [path for path, known in zip(paths, remembered, strict=True) if known is None]
        checked = _checked_files(kb, memo, pending, workers)
        identities = []
        with contextlib.closing(checked), _long_lived() as keep:
            for path, taken_key, known in zip(paths, taken, remembered, strict=True):
                keep()
                if known is None:
                    done = next(checked)
                    report.reused += done.remembered
                    known = _keep(memo, done, taken_key)
                else:
                    report.reused += 1
                findings, identity = known
                report.findings.extend(findings)
                if identity:
                    identities.append(identity)
                if on_file:
                    on_file(kb.layout.display_name(path), report.files)
        report.findings.extend(duplicates.check_entries(identities))
        report.findings.extend(check_kb(kb, memo))
        if kb.term_index is None:
            report.notes.append(NO_TERM_INDEX)
        return report

    def prepare(self) -> None:
        """Import what checking a file takes (checks, YAML parser, schema), which a run that finds
        every file unchanged never needs: a resident checker then checks its first change as fast as the next."""
        import importlib

        for module in ("dmkb.checks.context", "dmkb.references.citations"):
            importlib.import_module(module)
        file_checks()

    def save(self) -> None:
        """Remember the findings of the last run for the next one (and the next command, when ``use_memo``)."""
        if self._kb is not None and self._memo is not None:
            layout = self._kb.layout
            self._memo.save({layout.display_name(p) for p in (*layout.disorder_files, *self._kb.research_files())})

    def _open(self, caches_changed: bool) -> KnowledgeBase:
        """The KB to check: opened again when its caches may have changed, else with a new list of files."""
        if self._kb is None or caches_changed:
            self._kb = open_knowledge_base(self.inputs)
        else:
            self._kb.layout = find_layout(self.inputs)
        if self._memo is None:
            self._memo = FindingsMemo(memo_path(self._kb.root), self._kb, save_to_disk=self.use_memo)
        else:
            self._memo.begin(self._kb)
        return self._kb


class CompileChecks:
    """The checks of ``dmkb validate`` run by the compiler on each entry it compiles (see
    :class:`dmkb.compile.findings.EntryChecks`), so that ``kb.sqlite`` holds what validate finds
    in each disorder file. The KB's shared files (term caches, research reports) are not checked."""

    def __init__(self) -> None:
        file_checks()  # imported once, before the compiler forks its workers

    def context(self, kb: KnowledgeBase) -> str:
        index = kb.term_index
        return json.dumps([kb.terms.signature(), index.signature() if index else None])

    def notes(self, kb: KnowledgeBase) -> list[str]:
        return [] if kb.term_index else [NO_TERM_INDEX]

    def entry(self, entry: DisorderFile, kb: KnowledgeBase) -> tuple[list[FindingRow], Any]:
        found = duplicates.identity(entry.name, entry.doc)
        return [_row(f) for f in check_file(entry, kb)], found.to_json() if found else None

    def across(self, identities: dict[str, Any]) -> dict[str, list[FindingRow]]:
        rows: dict[str, list[FindingRow]] = {}
        for finding in duplicates.check_entries(Identity.from_json(f, data) for f, data in identities.items()):
            rows.setdefault(finding.file, []).append(_row(finding))
        return rows


def _row(finding: Finding) -> FindingRow:
    return finding.line, finding.path, finding.check, finding.severity, finding.message, finding.hint


@dataclass
class _Checked:
    """What checking one file found: ``findings`` ``None`` when the memo holds them (the file was
    only touched), ``digest`` ``None`` when the file could not be read or checked."""

    name: str
    digest: str | None
    findings: list[Finding] | None
    identity: Identity | None = None
    cited: dict[str, list[int] | None] = field(default_factory=dict)

    @property
    def remembered(self) -> bool:
        return self.digest is not None and self.findings is None


@contextlib.contextmanager
def _long_lived(every: int = 256) -> Iterator[Callable[[], None]]:
    """A function to call once a file, which every ``every`` calls moves what the run has kept so
    far (findings, the memo) out of reach of the garbage collector until the block ends: a full
    collection would otherwise scan them all again and again (a fifth of a cold run of 3,400 files)."""
    calls = itertools.count(1)

    def keep() -> None:
        if next(calls) % every == 0:
            gc.freeze()

    try:
        yield keep
    finally:
        gc.unfreeze()


def _checked_files(kb: KnowledgeBase, memo: FindingsMemo, pending: list[Path], workers: int) -> Iterator[_Checked]:
    """Each pending file checked, in order: by ``workers`` forked processes at most, one for a few files.

    A worker that dies (a crash in a parser, killed) takes the files under way with it: those are
    checked again each in a process of its own, so that only the file that kills it is lost (a
    finding), and the workers go on with the rest."""
    check = functools.partial(_check_file, kb, memo)
    workers = min(workers, len(pending) // PER_WORKER)
    if workers < 2:
        yield from map(check, pending)
        return
    done = 0
    while done < len(pending):
        try:
            for checked in forked_stream(check, pending[done:], workers, chunk=_CHUNK, on_start=kb.after_fork):
                done += 1
                yield checked
        except WorkersLost:
            for path in pending[done:done + CHUNKS_A_WORKER * workers * _CHUNK]:
                done += 1
                yield _checked_alone(check, kb, path)


def _checked_alone(check: Callable[[Path], _Checked], kb: KnowledgeBase, path: Path) -> _Checked:
    try:
        return in_own_fork(check, path, on_start=kb.after_fork)
    except WorkerDied as exc:
        return _unchecked(kb.layout.display_name(path), str(exc))


def _check_file(kb: KnowledgeBase, memo: FindingsMemo, path: Path) -> _Checked:
    """Read and check one file (in a forked worker, or in this process). Never raises: what goes
    wrong is a finding of the file."""
    name = kb.layout.display_name(path)
    try:
        entry = kb.read_disorder(path)
    except LoadError as exc:
        return _Checked(name, None, [Finding(name, 1, "", "yaml", "error", exc.message, exc.hint)])
    try:
        if memo.get(entry.name, entry.digest) is not None:
            return _Checked(name, entry.digest, None)
        from dmkb.references.citations import cited_references

        cited = memo.signatures(cited_references(entry.doc.data))
        findings = check_file(entry, kb)
        return _Checked(name, entry.digest, findings, duplicates.identity(entry.name, entry.doc), cited)
    except Exception as exc:  # noqa: BLE001 - one file that breaks dmkb must not cost the others their checks
        return _unchecked(name, repr(exc))


def _unchecked(name: str, why: str) -> _Checked:
    return _Checked(name, None, [Finding(name, 1, "", "yaml", "error", f"dmkb could not check this file ({why})",
                                         "this is a bug in dmkb; please report it with the file")])


def _keep(memo: FindingsMemo, checked: _Checked, taken: TakenKey | None) -> tuple[list[Finding], Identity | None]:
    """The findings and identity of a file just checked, remembered in ``memo``."""
    name = checked.name
    if checked.digest is None:
        memo.forget(name)
        return checked.findings or [], None
    if checked.remembered:
        return memo.get(name, checked.digest, taken) or [], memo.identity(name)
    memo.put(name, checked.digest, checked.cited, checked.findings, checked.identity, taken)
    return checked.findings, checked.identity
