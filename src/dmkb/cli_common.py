"""Options and output helpers shared by the command modules.

Rich is imported on first use, not at start-up: ``dmkb validate --format json``, run on every save,
never draws with it.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


PIPED_WIDTH = 200  # columns of a table written to a pipe or a file


def rich_console(**options: Any) -> Console:
    """A Rich console: ``Console(**options)``. Written to a pipe or a file, a line of text stays one
    line (no wrapping at 80 columns), so that grep and logs see whole messages, and a table is laid
    out :data:`PIPED_WIDTH` columns wide, so that its cells are not cut."""
    from rich.console import Console

    stream = sys.stderr if options.get("stderr") else sys.stdout
    if not stream.isatty():
        options.setdefault("soft_wrap", True)
        options.setdefault("width", PIPED_WIDTH)
    return Console(**options)


def escape(text: str) -> str:
    """``text`` with Rich's markup escaped, to be printed as it is."""
    from rich.markup import escape as escape_markup

    return escape_markup(text)


def compiled_kb(root: Path) -> Path:
    """The KB at ``root`` compiled (only what changed) into ``DMKB_HOME/compiled/<key>/kb.sqlite``:
    one copy per KB, shared by the commands that read a compiled KB (export, diagnose, similar)."""
    from dmkb.compile.incremental import compile_kb
    from dmkb.fs import make_folder
    from dmkb.settings import kb_home_path

    db = kb_home_path("compiled", root) / "kb.sqlite"
    make_folder(db.parent)
    compile_kb([root], db)
    return db
