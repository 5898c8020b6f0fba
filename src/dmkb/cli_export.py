"""``dmkb export``: write the KB as KGX, RDF, HPO annotations or JSON Lines. Parse, call, print."""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from dmkb.cli_common import compiled_kb, escape, rich_console


class ExportFormat(str, Enum):
    kgx = "kgx"
    rdf = "rdf"
    hpoa = "hpoa"
    jsonl = "jsonl"


def export(
    root: Annotated[Path | None, typer.Argument(
        help="A KB root (compiled first, only what changed), a built site folder, or a kb.sqlite file. "
             "Default: the current folder.", show_default=False)] = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="What to write.")] = ExportFormat.kgx,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="The folder to write the files into. Default: export/FORMAT.", show_default=False)] = None,
) -> None:
    """Export the compiled KB: KGX (Biolink nodes and edges), RDF (Turtle, N-Triples), HPOA, JSON Lines.

    Files are written only when their bytes change; each says which KB revision and dmkb version made it.

    Example: dmkb export examples/ankl --format kgx --out export/kgx
    """
    from dmkb.export import export as run_export
    from dmkb.fs import make_folder
    from dmkb.load.layout import find_layout

    started = time.perf_counter()
    root = root or Path.cwd()
    out = out or Path("export") / fmt.value
    _refuse_kb_folders(root, out)
    given = _given_sqlite(root)
    kb_root = None if given else find_layout([root]).root  # a folder that is no KB is refused before any write
    make_folder(out)  # a place that cannot be written is refused before the KB is compiled
    report = run_export(given or compiled_kb(kb_root), fmt.value, out)
    rich_console(highlight=False).print(
        f"{fmt.value}: {len(report.written)} file(s) written, {len(report.unchanged)} unchanged in "
        f"{escape(str(out))} (KB revision {report.revision}) in {time.perf_counter() - started:.2f} s")


def _refuse_kb_folders(root: Path, out: Path) -> None:
    """Exports go beside the folders curators write (entries, caches, reports), never into them."""
    from dmkb.errors import UsageError
    from dmkb.load.layout import DISORDERS, REFERENCES, RESEARCH, TERM_CACHE

    if not (root / DISORDERS).is_dir():
        return
    target = out.resolve()
    for folder in (DISORDERS.parent, REFERENCES, TERM_CACHE, RESEARCH):
        kept = (root / folder).resolve()
        if target == kept or kept in target.parents:
            raise UsageError(f"{out}: inside the KB's own folder {folder}/, which holds what curators write",
                             f"write the export elsewhere, e.g. --out {Path('export') / 'FORMAT'}")


def _given_sqlite(root: Path) -> Path | None:
    """The ``kb.sqlite`` given, or beside a built site; None for a KB root (compiled under DMKB_HOME)."""
    if root.is_file():
        return root
    if (root / "kb.sqlite").is_file():
        return root / "kb.sqlite"
    return None


def register(app: typer.Typer) -> None:
    """Add the command to the main application."""
    app.command()(export)
