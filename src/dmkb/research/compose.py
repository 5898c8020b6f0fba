"""Compose the offline report from verified evidence: every statement is a quote, cited.

The report has a short answer (the best passages of the best references), a table by domain
when the question is about a whole disorder (only domains with evidence), sections by domain,
and the list of the references cited. A passage found in several references (the same words)
is one statement citing each of them.
"""

from __future__ import annotations

from dmkb.research.index import Document
from dmkb.research.query import Query
from dmkb.research.report import (
    DOMAINS,
    OTHER,
    Evidence,
    Report,
    Section,
    Statement,
    TableRow,
    domain_of,
    reference_entry,
)
from dmkb.research.text import stems

DOMAIN_NAMES = tuple(name for name, _marks in DOMAINS)
SHORT_ANSWER = 3  # statements in the short answer
PER_SECTION = 4


def compose_offline(query: Query, evidence: list[Evidence], documents: dict[str, Document], limit: int) -> Report:
    """The report of ``evidence`` (best first); ``documents`` by citation key."""
    report = Report(title=_title(query))
    statements = _merge(evidence)
    if not statements:
        return report
    if not query.whole_disorder:  # sections hold only passages that speak of what was asked
        statements = [(s, e) for s, e in statements if set(stems(e.quote)) & set(query.terms)] or statements[:1]
    by_domain = _by_domain(statements)
    # the side asked about ("How is X treated?") comes first, and answers alone when it can
    domains = sorted(DOMAIN_NAMES, key=lambda name: name != query.aspect)
    if query.whole_disorder:
        for name in domains:
            if name in by_domain:
                statement = by_domain[name][0][0]
                report.table.append(TableRow(name, statement.text, statement.citations))
        short = [Statement(row.key_points, row.citations) for row in report.table[:SHORT_ANSWER]]
        if query.aspect in by_domain:
            short = [s for s, _ in by_domain[query.aspect][:SHORT_ANSWER]]
    else:
        short = [s for s, _ in statements[:SHORT_ANSWER]]
    report.sections.append(Section("Short answer", tuple(short)))
    if query.whole_disorder:  # the best of each domain, up to twice the limit in all
        budget, per_section = limit * 2, PER_SECTION
    else:  # the best passages after the short answer, whatever their domain, shown by domain
        used = {s.text for s in short}
        rest = [(s, e) for s, e in statements if s.text not in used][:max(limit - len(short), 0)]
        by_domain = _by_domain(rest)
        budget, per_section = len(rest), len(rest)
    for name in (*domains, OTHER):
        chosen = [s for s, _ in by_domain.get(name, [])][:min(per_section, budget)]
        budget -= len(chosen)
        if chosen:
            report.sections.append(Section(name, tuple(chosen)))
    cited = dict.fromkeys(k for s in report.statements() for k in s.citations)
    cited.update(dict.fromkeys(k for row in report.table for k in row.citations))
    report.references = [reference_entry(documents[key], key) for key in cited]
    return report


def _by_domain(statements: list[tuple[Statement, Evidence]]) -> dict[str, list[tuple[Statement, Evidence]]]:
    """The statements grouped by the domain their passage speaks of, best first in each."""
    out: dict[str, list[tuple[Statement, Evidence]]] = {}
    for statement, first in statements:
        out.setdefault(domain_of(stems(first.quote), first.section), []).append((statement, first))
    return out


def _title(query: Query) -> str:
    if query.disorder is None:
        return query.question
    if query.whole_disorder:
        return f"{query.disorder.name}: what the literature says"
    return f"{query.question.rstrip('?')}: what the literature says"


def _merge(evidence: list[Evidence]) -> list[tuple[Statement, Evidence]]:
    """One statement per distinct passage (by its words), citing every reference that holds it."""
    merged: dict[tuple[str, ...], tuple[list[str], Evidence]] = {}
    for item in evidence:
        words = tuple(stems(item.quote))
        keys, _ = merged.setdefault(words, ([], item))
        keys += [k for k in (item.key, *item.also) if k not in keys]
    return [(Statement(first.quote, tuple(keys)), first) for keys, first in merged.values()]
