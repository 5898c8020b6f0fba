"""The checks: one module per kind, each ``check(ctx) -> Iterator[Finding]`` on one disorder
file, run in this order; and the checks of the KB's shared files (term caches, stored research
reports), ``check_kb(kb)``."""

from __future__ import annotations

from dmkb.checks import caches, graph, references, research, schema, snippets, syntax, terms
from dmkb.checks.context import CheckContext
from dmkb.checks.finding import Finding
from dmkb.checks.memo import FindingsMemo
from dmkb.knowledge_base import KnowledgeBase
from dmkb.load.kb import DisorderFile

CHECKS = (syntax, schema, graph, references, snippets, terms)
KB_CHECKS = (caches, research)
CHECK_NAMES = tuple(dict.fromkeys(module.NAME for module in (*CHECKS, *KB_CHECKS)))


def check_file(entry: DisorderFile, kb: KnowledgeBase) -> list[Finding]:
    """Every finding of every check for one disorder file, in file order.

    A file whose YAML cannot be read gets only the ``yaml`` findings. A check that fails
    on unexpected data reports that as a finding, and the other checks still run.
    """
    findings: list[Finding] = []
    for module in CHECKS:
        if module is not syntax and entry.doc.data is None:
            break
        ctx = CheckContext(entry, kb, module.NAME)
        try:
            findings.extend(module.check(ctx))
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
            findings.append(
                ctx.finding("error", (), f"the {module.NAME} check failed on this file ({exc!r})",
                            "this is a bug in dmkb; please report it with the file")
            )
    return sorted(findings, key=lambda f: (f.line, CHECK_NAMES.index(f.check), f.path))


def check_kb(kb: KnowledgeBase, memo: FindingsMemo | None = None) -> list[Finding]:
    """The findings about the KB's shared files (term caches checked on every run: they are few and
    small; research reports remembered in ``memo`` while they do not change)."""
    return [finding for module in KB_CHECKS for finding in module.check_kb(kb, memo)]
