"""Renderers of an :class:`~dmkb.research.report.Answer`: markdown, plain text, JSON, and the
stored-report file ``ROOT/research/<Stem>-deep-research-dmkb.md`` (front matter, ``## Question``,
``## Output``), in the layout of upstream's stored deep-research reports."""

from __future__ import annotations

import json
from datetime import datetime

import yaml

from dmkb.research.report import Answer, Reference, Statement


def render_json(answer: Answer) -> str:
    """One line of JSON."""
    return json.dumps(answer.to_json(), ensure_ascii=False)


def render_markdown(answer: Answer) -> str:
    report = answer.report
    lines = [f"# {_md(report.title)}", "", f"**Question:** {_md(answer.question)}"]
    if answer.disorder:
        lines.append(f"**Disorder:** {_md(answer.disorder)}" + (f" ({answer.mondo_id})" if answer.mondo_id else ""))
    lines += [f"**Disorder inferred from the question's words:** {_md(i.line())}" for i in answer.inferred]
    lines.append("")
    if report.table:
        lines += ["## Summary by domain", "", "| Domain | Key points | Sources |", "|---|---|---|"]
        lines += [f"| {row.domain} | {_cell(row.key_points)} | {', '.join(row.citations)} |" for row in report.table]
        lines.append("")
    for section in report.sections:
        lines += [f"## {_md(section.title)}", ""]
        lines += [f"- {_md(_quoted(answer, s))} {_cite(s)}" for s in section.statements]
        lines.append("")
    if report.references:
        lines += ["## References", ""]
        lines += [f"{i}. {_reference_md(r)}" for i, r in enumerate(report.references, start=1)]
        lines.append("")
    lines += [f"*{_md(n)}*" for n in [_mode_line(answer), *answer.notes]]
    return "\n".join(lines).rstrip() + "\n"


def render_text(answer: Answer) -> str:
    report = answer.report
    lines = [report.title, "=" * min(len(report.title), 100), f"Question: {answer.question}"]
    if answer.disorder:
        lines.append(f"Disorder: {answer.disorder}" + (f" ({answer.mondo_id})" if answer.mondo_id else ""))
    lines += [f"Disorder inferred from the question's words: {i.line()}" for i in answer.inferred]
    lines.append("")
    if report.table:
        lines += ["Summary by domain", "-----------------"]
        for row in report.table:
            lines += [f"{row.domain}:", f"  {row.key_points} ({', '.join(row.citations)})"]
        lines.append("")
    for section in report.sections:
        lines += [section.title, "-" * len(section.title)]
        lines += [f"- {_quoted(answer, s)} {_cite(s)}" for s in section.statements]
        lines.append("")
    if report.references:
        lines += ["References", "----------"]
        lines += [f"({r.key}) {_reference_text(r)}" for r in report.references]
        lines.append("")
    lines += [_mode_line(answer), *answer.notes]
    return "\n".join(lines).rstrip() + "\n"


def render_saved(answer: Answer, started: datetime, ended: datetime) -> str:
    """The answer as a stored deep-research report (see the module docstring)."""
    front = {
        "provider": "dmkb",
        "model": answer.engine.get("model") or "dmkb offline (verified quotes)",
        "cached": False,
        "start_time": started.isoformat(),
        "end_time": ended.isoformat(),
        "duration_seconds": round((ended - started).total_seconds(), 2),
        "template_file": None,
        "template_variables": {"disease_name": answer.disorder or "", "mondo_id": answer.mondo_id or "",
                               "question": answer.question},
        "citation_count": len(answer.report.references),
    }
    header = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{header}---\n\n## Question\n\n{answer.question}\n\n## Output\n\n{render_markdown(answer)}"


def _quoted(answer: Answer, statement: Statement) -> str:
    """Offline statements are quotes, and shown as such; a writer's sentences are its own words."""
    return f"“{statement.text}”" if answer.engine.get("mode") == "offline" else statement.text


def _cite(statement: Statement) -> str:
    return f"({', '.join(statement.citations)})"


def _mode_line(answer: Answer) -> str:
    seconds = answer.engine.get("seconds", 0)
    if answer.engine.get("mode") == "writer":
        return (f"Written by {answer.engine.get('model')} from the passages above; every sentence kept cites a "
                f"passage verified in its source ({seconds:.2f} s).")
    return (f"Every statement is a quote verified in the cached text of the reference it cites "
            f"(offline, {seconds:.2f} s).")


def _authors(reference: Reference) -> str:
    authors = list(reference.authors)
    if len(authors) > 6:
        return ", ".join(authors[:6]) + ", et al."
    return ", ".join(authors)


def _reference_text(reference: Reference) -> str:
    parts = [p for p in (_authors(reference), reference.title, reference.journal,
                         str(reference.year) if reference.year else None) if p]
    text = ". ".join(p.rstrip(".") for p in parts) + "."
    return f"{text} {reference.id}" + (f" {reference.url}" if reference.url else "")


def _reference_md(reference: Reference) -> str:
    link = f"[{reference.id}]({reference.url})" if reference.url else reference.id
    parts = [p for p in (_authors(reference), reference.title, reference.journal,
                         str(reference.year) if reference.year else None) if p]
    return f"**{reference.key}**: " + _md(". ".join(p.rstrip(".") for p in parts) + ".") + f" {link}"


def _md(text: str) -> str:
    """Text from sources is shown as text: characters markdown would read as markup are escaped."""
    for ch in "\\`*_[]<>|":
        text = text.replace(ch, "\\" + ch)
    return text


def _cell(text: str) -> str:
    return _md(" ".join(text.split()))
