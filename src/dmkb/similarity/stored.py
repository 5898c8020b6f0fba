"""Similar conditions of every disorder of a compiled KB, computed by the engine and kept in its
``kb.sqlite`` (table ``similar``) for the pages to show.

They depend on the whole KB and on the HPO data, so they are computed for every disorder at
once, and only when the disorders, the HPO data or dmkb's code changed since the last time.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

from dmkb.compile.store import read_meta, write_similar
from dmkb.errors import DmkbError
from dmkb.signature import code_signature

SIMILAR_LIMIT = 6  # KB disorders and HPO diseases listed on a page, each
# what the score of a similar condition means, for the pages and the command line
SCORE_MEANING = ("The score says how well the phenotypes of {name} fit each condition: the sum of their log "
                 "likelihood ratios, above 0 when they fit it better than an average disease, below 0 when "
                 "worse; between disorders of the knowledge base each shared mechanism term adds how rare it "
                 "is among them. Only conditions that share a phenotype or a mechanism term are listed.")

Progress = Callable[[int, int], None]  # (done, total)


def refresh_similar(db_path: Path, kb_root: Path, on_progress: Progress | None = None) -> str | None:
    """Bring the ``similar`` table of ``db_path`` up to date.

    :returns: why similar conditions could not be computed (the HPO data is missing), or ``None``.
    """
    from dmkb.similarity.sources import find_inputs

    try:
        inputs = find_inputs().fingerprint
    except DmkbError as exc:
        return exc.message
    signature = _signature(db_path, inputs)
    if read_meta(db_path, "similar") == signature:
        return None
    try:
        rows = _compute(db_path, kb_root, on_progress)
    except DmkbError as exc:
        return exc.message
    write_similar(db_path, signature, rows)
    return None


def _compute(db_path: Path, kb_root: Path, on_progress: Progress | None) -> dict[str, dict]:
    from dmkb.similarity.engine import Engine
    from dmkb.similarity.similar import similar_conditions

    stems = _stems(db_path)
    if on_progress:
        on_progress(0, len(stems))  # loading the engine can take a while: the first time, it builds the model
    engine = Engine.load(kb_root)
    rows = {}
    for done, stem in enumerate(stems, 1):
        with contextlib.suppress(DmkbError):  # an entry the engine cannot read has no similar conditions
            rows[stem] = similar_conditions(engine, stem, limit=SIMILAR_LIMIT)
        if on_progress:
            on_progress(done, len(stems))
    return rows


def _stems(db_path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        return [stem for (stem,) in conn.execute("SELECT stem FROM disorders ORDER BY stem")]


def _signature(db_path: Path, inputs: str) -> str:
    """The disorders as compiled, the HPO data and the code: what similar conditions depend on."""
    with contextlib.closing(sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        digests = "\n".join(f"{stem}:{digest}" for stem, digest in
                            conn.execute("SELECT stem, digest FROM disorders ORDER BY stem"))
    return hashlib.sha256("\0".join((inputs, code_signature(), digests)).encode()).hexdigest()
