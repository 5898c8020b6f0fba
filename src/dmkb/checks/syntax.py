"""Check ``yaml``: the file is UTF-8, parses as YAML, and has no duplicate keys."""

from __future__ import annotations

from collections.abc import Iterator

from dmkb.checks.context import CheckContext
from dmkb.checks.finding import Finding
from dmkb.entry_path import format_path

NAME = "yaml"


def check(ctx: CheckContext) -> Iterator[Finding]:
    doc = ctx.entry.doc
    problem = ctx.entry.decode_problem
    if problem:
        yield Finding(ctx.entry.name, problem.line, "", NAME, "error", problem.message, problem.hint,
                      problem.column)
    for p in doc.problems:
        yield Finding(ctx.entry.name, p.line, format_path(p.path), NAME, "error", p.message, p.hint,
                      p.column)
    if doc.data is None and not doc.problems:
        yield ctx.finding("error", (), "the file is empty", "a disorder file holds one entry, starting with 'name:'")
