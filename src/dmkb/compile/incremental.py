"""Compile a KB into ``kb.sqlite``, redoing only the entries that changed.

An entry is compiled again when its bytes hash differently, when the cached text of a
reference it cites changed (its verification statuses depend on it), or when dmkb's code
changed; when the compile records findings, also when what they depend on changed (the
term caches, the term index). When nothing changed the database is not written at all.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from dmkb.compile import store
from dmkb.compile.extract import extract
from dmkb.compile.findings import EntryChecks, FindingRow
from dmkb.compile.read import read_meta
from dmkb.compile.research import compile_research
from dmkb.compile.schema import CHECKED, PROBLEMS
from dmkb.compile.verify import verify
from dmkb.errors import LoadError
from dmkb.forked import forked_map
from dmkb.knowledge_base import KnowledgeBase, open_knowledge_base
from dmkb.load.kb import DisorderFile
from dmkb.references.ids import parse_reference_id
from dmkb.signature import code_signature


@dataclass(frozen=True)
class Skipped:
    """An entry that could not be compiled: its file cannot be read as YAML at all. When it was
    compiled before, its last good version is kept (``kept``) and its page stays, with a banner."""

    file: str
    line: int
    message: str
    hint: str | None
    stem: str | None = None
    kept: bool = False


@dataclass
class CompileReport:
    """What one compile run did."""

    root: Path
    db_path: Path
    stems: list[str] = field(default_factory=list)  # every compiled disorder, in file order
    compiled: list[str] = field(default_factory=list)  # compiled in this run
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    reports: int = 0  # stored deep-research reports
    reports_compiled: list[str] = field(default_factory=list)  # compiled in this run, by file

    @property
    def unchanged(self) -> int:
        return len(self.stems) - len(self.compiled)

    @property
    def changed(self) -> bool:
        return bool(self.compiled or self.removed)


def compile_kb(
    inputs: Sequence[str | Path],
    db_path: Path,
    *,
    on_file: Callable[[str, int], None] | None = None,
    checks: EntryChecks | None = None,
) -> CompileReport:
    """Compile the KB of ``inputs`` (a root folder, see :func:`dmkb.load.layout.find_layout`) into ``db_path``.

    :param on_file: called with each file's name and the number of files, once it is done.
    :param checks: record what they find in each entry (the ``findings`` table).
    :raises UsageError: when the inputs are not a KB.
    :raises LoadError: when the KB cannot be listed.
    """
    kb = open_knowledge_base(inputs)
    signature = code_signature()
    meta: dict[str, str] = {}
    if checks is not None:
        signature = hashlib.sha256(f"{signature}\0{checks.context(kb)}".encode()).hexdigest()
        meta[CHECKED] = json.dumps(checks.notes(kb))
    known = store.read_known(db_path, signature)
    report = CompileReport(kb.root, db_path)
    compiled: list[store.Compiled] = []
    files = kb.layout.disorder_files
    claimed: set[str] = set()
    outcomes = [_outcome(kb, path, known or {}, claimed) for path in files]
    pending = [outcome for outcome in outcomes if isinstance(outcome, DisorderFile)]
    # parsing, extracting and verifying are the work: done by forked workers when there is much of it
    results = forked_map(functools.partial(_compile_entry, kb, pending, checks), list(range(len(pending))))
    for path, outcome in zip(files, outcomes, strict=True):
        result = next(results) if isinstance(outcome, DisorderFile) else outcome
        if isinstance(result, Skipped):
            _skip(report, result, known or {})
        elif isinstance(result, store.Compiled):
            report.stems.append(result.stem)
            report.compiled.append(result.stem)
            compiled.append(result)
        else:  # as compiled before: its stem
            report.stems.append(result)
        if on_file:
            on_file(kb.layout.display_name(path), len(files))
    report.removed = sorted(set(known or {}) - set(report.stems))
    research = compile_research(kb, store.read_known_research(db_path) if known is not None else {})
    report.reports = len(research.files)
    report.reports_compiled = [c.file.name for c in research.compiled]
    meta[PROBLEMS] = json.dumps([asdict(s) for s in report.skipped], sort_keys=True)
    if known is None or report.changed or research.changed or read_meta(db_path, PROBLEMS) != meta[PROBLEMS]:
        across = _across(checks, report.stems, compiled, known or {}) if checks else None
        store.write(db_path, signature, kb.root, compiled, report.removed, fresh=known is None,
                    meta=meta, research=research, across=across)
    return report


def _across(checks: EntryChecks, stems: list[str], compiled: list[store.Compiled],
            known: dict[str, store.Known]) -> dict[str, list[FindingRow]]:
    """The findings made by comparing the entries, by stem (those compiled before as they were)."""
    now = {entry.stem: (entry.file, entry.identity) for entry in compiled}
    files = {stem: now.get(stem) or (known[stem].file, known[stem].identity) for stem in stems}
    stem_of = {file: stem for stem, (file, _) in files.items()}
    found = checks.across({file: identity for file, identity in files.values() if identity is not None})
    return {stem_of[file]: rows for file, rows in found.items() if file in stem_of}


def _outcome(kb: KnowledgeBase, path: Path, known: dict[str, store.Known],
             claimed: set[str]) -> DisorderFile | Skipped | str:
    """The file when it must be compiled (it is new or changed), why it cannot be compiled at all, or
    its stem when it is as compiled before. ``claimed``: the stems of the files before it."""
    name = kb.layout.display_name(path)
    stem = path.stem
    if not _is_utf8(name):  # a page, a database row and a link must all be able to name it
        shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return Skipped(shown, 1, "the file name is not valid UTF-8, so no page can be named after it",
                       "rename the file (letters, digits, '-' and '_')")
    if stem in claimed:
        return Skipped(name, 1, f"another file is also named {stem}", "rename one of the two")
    claimed.add(stem)
    try:
        entry = kb.read_disorder(path)
    except LoadError as exc:
        return Skipped(name, 1, exc.message, exc.hint, stem)
    before = known.get(stem)
    if before and before.digest == entry.digest and before.depends == _depends(kb, before.depends):
        return stem
    return entry


def _compile_entry(kb: KnowledgeBase, entries: list[DisorderFile], checks: EntryChecks | None,
                   index: int) -> store.Compiled | Skipped:
    """The rows of ``entries[index]``, or why it cannot be compiled (its YAML is no entry)."""
    entry = entries[index]
    stem = entry.path.stem
    if not isinstance(entry.doc.data, dict):
        return _unreadable(entry, stem)
    compiled = _compiled(kb, entry, stem)
    if checks is not None:
        compiled.findings, compiled.identity = checks.entry(entry, kb)
    return compiled


def _compiled(kb: KnowledgeBase, entry: DisorderFile, stem: str) -> store.Compiled:
    rows = extract(entry.doc.data, stem.replace("_", " "))
    return store.Compiled(
        stem=stem,
        file=entry.name,
        digest=entry.digest,
        depends=_depends(kb, rows.cited),
        rows=rows,
        data=json.dumps(entry.doc.data, ensure_ascii=False, default=str),
        source=entry.raw.decode("utf-8", "replace").removeprefix("\ufeff"),
        statuses=[verify(kb, ev.item) for ev in rows.evidence],
        sources={ref: _source(kb, ref, title) for ref, title in rows.cited.items()},
    )


def _depends(kb: KnowledgeBase, cited: dict[str, Any]) -> dict[str, Any]:
    """The signature of the cached text of each cited reference (``None`` when it is not cached)."""
    signatures: dict[str, Any] = {}
    for ref in cited:
        signature = kb.references.signature(_cache_id(ref))
        signatures[ref] = list(signature) if signature else None
    return signatures


def _cache_id(reference: str) -> str:
    parsed = parse_reference_id(reference)
    return f"{parsed.prefix}:{parsed.local.strip()}" if parsed.prefix else reference


def _source(kb: KnowledgeBase, ref: str, cited_title: str | None) -> dict[str, Any]:
    cached = kb.references.get(_cache_id(ref))
    if cached is None:
        return {"title": cited_title, "journal": None, "year": None, "cached": False}
    meta = cached.metadata
    return {
        "title": cached.title or cited_title,
        "journal": _plain(meta.get("journal")),
        "year": _plain(meta.get("year")),
        "authors": _authors(meta.get("authors")),
        "cached": True,
    }


def _authors(value: Any, shown: int = 3) -> str | None:
    """The first authors of a cached reference as a reference list shows them ("et al." for more)."""
    names = [n for n in (_plain(v) for v in value) if n] if isinstance(value, list) else []
    if not names:
        return _plain(value)
    return ", ".join(names[:shown]) + (", et al." if len(names) > shown else "")


def _plain(value: Any) -> str | None:
    return str(value).strip() or None if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes of the file name, kept as lone surrogates
        return False
    return True


def _skip(report: CompileReport, skipped: Skipped, known: dict[str, store.Known]) -> None:
    """Report an entry that cannot be read; keep its last good version, if there is one (a typo made
    while editing must not take its page away)."""
    if skipped.stem in known:
        skipped = replace(skipped, kept=True)
        report.stems.append(skipped.stem)
    report.skipped.append(skipped)


def _unreadable(entry: DisorderFile, stem: str) -> Skipped:
    problems = entry.doc.problems
    if problems:
        first = problems[0]
        return Skipped(entry.name, first.line, first.message, first.hint, stem)
    return Skipped(entry.name, 1, "the file holds no entry (it is empty or not a mapping)",
                   "an entry is a mapping with at least 'name:'", stem)
