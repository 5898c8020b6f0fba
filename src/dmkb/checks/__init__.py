"""The checks: one module per kind, each ``check(ctx) -> Iterator[Finding]`` on one disorder
file, run in this order; and the checks of the KB's shared files (term caches, stored research
reports), ``check_kb(kb)``.

The modules of the checks are imported when a file must be checked: a run that finds every file
unchanged needs none of them (nor the YAML parser, the schema or the term index they import)."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from dmkb.checks.finding import Finding

if TYPE_CHECKING:
    from dmkb.checks.memo import FindingsMemo
    from dmkb.knowledge_base import KnowledgeBase
    from dmkb.load.kb import DisorderFile

# the NAME of each module of file_checks() and kb_checks(), in their order (a test keeps them equal)
CHECK_NAMES = ("yaml", "schema", "graph", "reference", "snippet", "term", "research")


def file_checks() -> tuple[ModuleType, ...]:
    """The modules of the checks of one disorder file, in the order they run."""
    from dmkb.checks import graph, references, schema, snippets, syntax, terms

    return syntax, schema, graph, references, snippets, terms


def kb_checks(kb: KnowledgeBase) -> tuple[ModuleType, ...]:
    """The modules of the checks of the KB's shared files (research reports only when there are some)."""
    from dmkb.checks import caches

    if not kb.research_files():
        return (caches,)
    from dmkb.checks import research

    return caches, research


def check_file(entry: DisorderFile, kb: KnowledgeBase) -> list[Finding]:
    """Every finding of every check for one disorder file, in file order.

    A file whose YAML cannot be read gets only the ``yaml`` findings. A check that fails
    on unexpected data reports that as a finding, and the other checks still run.
    """
    from dmkb.checks.context import CheckContext

    findings: list[Finding] = []
    for module in file_checks():
        if module.NAME != "yaml" and entry.doc.data is None:
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
    return [finding for module in kb_checks(kb) for finding in module.check_kb(kb, memo)]
