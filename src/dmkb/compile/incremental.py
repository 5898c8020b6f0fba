"""Compile a KB into ``kb.sqlite``, redoing only the entries that changed.

An entry is compiled again when its bytes hash differently, when the cached text of a
reference it cites changed (its verification statuses depend on it), or when dmkb's code
changed. When nothing changed the database is not written at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from dmkb.compile import store
from dmkb.compile.extract import extract
from dmkb.compile.research import compile_research
from dmkb.compile.verify import verify
from dmkb.errors import LoadError
from dmkb.knowledge_base import KnowledgeBase, open_knowledge_base
from dmkb.load.kb import DisorderFile
from dmkb.references.ids import parse_reference_id
from dmkb.signature import code_signature

PROBLEMS = "problems"  # meta key: JSON list of the entries that could not be compiled (Skipped)


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
) -> CompileReport:
    """Compile the KB of ``inputs`` (a root folder, see :func:`dmkb.load.layout.find_layout`) into ``db_path``.

    :param on_file: called with each file's name and the number of files, once it is done.
    :raises UsageError: when the inputs are not a KB.
    :raises LoadError: when the KB cannot be listed.
    """
    kb = open_knowledge_base(inputs)
    signature = code_signature()
    known = store.read_known(db_path, signature)
    report = CompileReport(kb.root, db_path)
    compiled: list[store.Compiled] = []
    files = kb.layout.disorder_files
    for path in files:
        result = _compile_file(kb, path, known or {}, report)
        if result is not None:
            compiled.append(result)
        if on_file:
            on_file(kb.layout.display_name(path), len(files))
    report.removed = sorted(set(known or {}) - set(report.stems))
    research = compile_research(kb, store.read_known_research(db_path) if known is not None else {})
    report.reports = len(research.files)
    report.reports_compiled = [c.file.name for c in research.compiled]
    problems = json.dumps([asdict(s) for s in report.skipped], sort_keys=True)
    if known is None or report.changed or research.changed or store.read_meta(db_path, PROBLEMS) != problems:
        store.write(db_path, signature, kb.root, compiled, report.removed, fresh=known is None,
                    meta={PROBLEMS: problems}, research=research)
    return report


def _compile_file(kb: KnowledgeBase, path: Path, known: dict[str, store.Known],
                  report: CompileReport) -> store.Compiled | None:
    name = kb.layout.display_name(path)
    stem = path.stem
    if not _is_utf8(name):  # a page, a database row and a link must all be able to name it
        shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        report.skipped.append(Skipped(shown, 1, "the file name is not valid UTF-8, so no page can be named after it",
                                      "rename the file (letters, digits, '-' and '_')"))
        return None
    if stem in report.stems:
        report.skipped.append(Skipped(name, 1, f"another file is also named {stem}", "rename one of the two"))
        return None
    try:
        entry = kb.read_disorder(path)
    except LoadError as exc:
        _skip(report, Skipped(name, 1, exc.message, exc.hint, stem), known)
        return None
    before = known.get(stem)
    if before and before.digest == entry.digest and before.depends == _depends(kb, before.depends):
        report.stems.append(stem)
        return None
    if not isinstance(entry.doc.data, dict):
        _skip(report, _unreadable(entry, stem), known)
        return None
    report.stems.append(stem)
    report.compiled.append(stem)
    return _compiled(kb, entry, stem)


def _compiled(kb: KnowledgeBase, entry: DisorderFile, stem: str) -> store.Compiled:
    rows = extract(entry.doc.data, stem.replace("_", " "))
    return store.Compiled(
        stem=stem,
        file=entry.name,
        digest=entry.digest,
        depends=_depends(kb, rows.cited),
        rows=rows,
        data=entry.doc.data,
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
        "cached": True,
    }


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
