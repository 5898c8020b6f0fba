"""Opening ``kb.sqlite`` to read it: what every reader of the compiled KB (site, server, similarity)
imports of ``compile``, without the compiler itself."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from dmkb.errors import LoadError


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to a compiled KB. :raises LoadError: when it cannot be opened."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        conn.execute("SELECT 1 FROM meta LIMIT 1")
    except sqlite3.Error as exc:
        raise LoadError(f"{path}: not a compiled knowledge base ({exc})", "run dmkb build again") from exc
    conn.row_factory = sqlite3.Row
    return conn


def read_meta(path: Path, key: str) -> str | None:
    """One value of the ``meta`` table, or ``None``."""
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None
