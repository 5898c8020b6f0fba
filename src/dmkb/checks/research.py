"""Check ``research`` on the stored deep-research reports (``ROOT/research/*.md``): a report must
name a disorder of the KB (by its file name, or the disease or MONDO id of its front matter),
its front matter must be readable, and its citation keys must lead to entries of its reference
list. Reports are not curated evidence: every finding is a warning."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from pathlib import Path

from dmkb.checks.finding import Finding
from dmkb.checks.memo import FindingsMemo
from dmkb.knowledge_base import KnowledgeBase
from dmkb.load.research_files import ResearchFile, file_stem, report_digest
from dmkb.settings import max_file_bytes
from dmkb.term_ids import MONDO_ID

NAME = "research"
_SHOWN = 8  # unresolved keys named in one finding


def check_kb(kb: KnowledgeBase, memo: FindingsMemo | None = None) -> Iterator[Finding]:
    """The findings of every report; those of unchanged reports are taken from ``memo``."""
    paths = kb.research_files()
    if not kb.layout.whole:  # some disorder files were given: their reports only
        stems = {path.stem for path in kb.layout.disorder_files}
        paths = [path for path in paths if file_stem(path) in stems]
    if not paths:
        return
    disorders = kb.layout.every_disorder_file()
    entries = {path.stem for path in disorders}
    names = None  # the entries are read only for a report not named after one
    for path in paths:
        name = kb.layout.display_name(path)
        digest = report_digest(path, max_file_bytes())
        remembered = memo.get(name, digest) if memo and digest else None
        report = None
        if remembered is None:
            report = kb.read_research(path)
            remembered = [Finding(report.name, p.line, "", NAME, "warning", p.message, p.hint) for p in report.problems]
            remembered += _unresolved(report)
            if memo:
                memo.put(name, report.digest, {}, remembered, None)
        yield from remembered
        if file_stem(path) not in entries:
            report = report or kb.read_research(path)
            names = names or _disorder_names(disorders)
            if not _names_a_disorder(report, names):
                named = [f"file stem {report.file_stem!r}"]
                named += [f"disease {report.disease_name!r}"] if report.disease_name else []
                named += [f"MONDO id {report.mondo_id}"] if report.mondo_id else []
                yield Finding(report.name, 1, "", NAME, "warning",
                              f"the report names no disorder of the KB ({', '.join(named)}), so no page shows it",
                              "name the file <Stem>-deep-research-<provider>.md after its entry in kb/disorders/")


def _disorder_names(files: tuple[Path, ...]) -> dict[str, set[str]]:
    """The names and MONDO ids written at the top of each entry (read without parsing the YAML:
    this check must stay fast on large KBs)."""
    names: dict[str, set[str]] = {"name": set(), "mondo": set()}
    for path in files:
        try:
            head = path.read_text(encoding="utf-8", errors="replace")[:4000]
        except OSError:
            continue
        if match := re.search(r"^name:\s*['\"]?(.+?)['\"]?\s*$", head, re.MULTILINE):
            names["name"].add(match.group(1).casefold())
        names["mondo"].update(MONDO_ID.findall(head))
    return names


def _names_a_disorder(report: ResearchFile, names: dict[str, set[str]]) -> bool:
    return (bool(report.disease_name and report.disease_name.casefold() in names["name"])
            or bool(report.mondo_id and report.mondo_id in names["mondo"]))


def _unresolved(report: ResearchFile) -> list[Finding]:
    from dmkb.report_citations import ReferenceList, find_citations, report_content  # only for a changed report

    content = report_content(report.body, report.body_line, report.companion)
    citations = [c for c in find_citations(content.body, ReferenceList(content.entries)) if not c.linked]
    if not citations:
        return []
    starts = [m.end() for m in re.finditer("\n", content.body)]
    line = report.body_line + bisect.bisect_right(starts, citations[0].start)
    keys = list(dict.fromkeys(c.label for c in citations))
    shown = ", ".join(keys[:_SHOWN]) + (f" and {len(keys) - _SHOWN} more" if len(keys) > _SHOWN else "")
    return [Finding(report.name, line, "", NAME, "warning",
                    f"{len(citations)} citation(s) lead to no entry of the reference list: {shown}",
                    "add the sources to the report's References list (or its .citations.md), or correct the keys")]
