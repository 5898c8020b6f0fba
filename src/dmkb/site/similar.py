"""The similar conditions the site's pages show, kept in a file of the site's own, ``OUT/similar.sqlite``
(never in ``kb.sqlite``, which only ``compile`` writes), and computed again only when what they depend
on changed (see :func:`dmkb.similarity.stored.similar_signature`)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from dmkb.errors import DmkbError
from dmkb.fs import temporary_beside

FILE = "similar.sqlite"


def read_similar(out: Path) -> dict[str, str]:
    """The similar conditions kept in ``out``: stem -> JSON text (nothing when there are none)."""
    return _read(out / FILE)[1]


def refresh_similar(out: Path, db_path: Path,
                    on_progress: Callable[[int, int], None] | None = None) -> tuple[dict[str, str], str | None]:
    """The similar conditions of the disorders of ``db_path``, from ``out``'s file when it is up to
    date, else computed and written there.

    :returns: stem -> JSON text, and why they could not be computed (the HPO data is missing), or ``None``.
    """
    from dmkb.similarity.stored import compute_similar, similar_signature

    path = out / FILE
    try:
        signature = similar_signature(db_path)
        kept, rows = _read(path)
        if kept == signature:
            return rows, None
        computed = compute_similar(db_path, on_progress)
    except DmkbError as exc:
        return {}, exc.message
    rows = {stem: json.dumps(data, ensure_ascii=False) for stem, data in computed.items()}
    _write(path, signature, rows)
    return rows, None


def _read(path: Path) -> tuple[str | None, dict[str, str]]:
    if not path.is_file():
        return None, {}
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            signature = conn.execute("SELECT value FROM meta WHERE key = 'signature'").fetchone()
            return (signature[0] if signature else None), dict(conn.execute("SELECT stem, data FROM similar"))
    except sqlite3.Error:
        return None, {}  # unreadable: computed again


def _write(path: Path, signature: str, rows: dict[str, str]) -> None:
    tmp = temporary_beside(path)
    try:
        with contextlib.closing(sqlite3.connect(tmp)) as conn, conn:
            conn.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                               "CREATE TABLE similar (stem TEXT PRIMARY KEY, data TEXT NOT NULL);")
            conn.execute("INSERT INTO meta VALUES ('signature', ?)", (signature,))
            conn.executemany("INSERT INTO similar VALUES (?, ?)", sorted(rows.items()))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
