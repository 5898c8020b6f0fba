"""Keep an answer beside the KB, as upstream keeps its deep-research reports:
``ROOT/research/<Stem>-deep-research-dmkb.md``."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from dmkb.errors import UsageError
from dmkb.fs import write_atomic
from dmkb.research.render import render_saved
from dmkb.research.report import Answer


def save_answer(root: Path, answer: Answer, started: datetime, ended: datetime) -> Path:
    """Write ``answer`` and return the path; the stem is the disorder's KB entry, else its name.

    :raises UsageError: when the answer names no disorder to file it under.
    """
    stem = answer.stem or (re.sub(r"[^A-Za-z0-9-]+", "_", answer.disorder).strip("_") if answer.disorder else "")
    if not stem:
        raise UsageError("the answer names no disorder, so it has no file to be saved in",
                         "give --disorder NAME with --save")
    path = root / "research" / f"{stem}-deep-research-dmkb.md"
    write_atomic(path, render_saved(answer, started, ended), mode=0o644)
    return path
