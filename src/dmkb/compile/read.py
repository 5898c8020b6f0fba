"""Opening ``kb.sqlite`` to read it: what every reader of the compiled KB (site, server, similarity)
imports of ``compile``, without the compiler itself."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from dmkb.compile.schema import SCHEMA_VERSION
from dmkb.errors import LoadError
from dmkb.sqlite_readonly import open_readonly


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to a compiled KB of the schema this dmkb reads.

    :raises LoadError: when it cannot be opened, or another dmkb version built it.
    """
    try:
        conn = open_readonly(path, check_same_thread=False)
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.Error as exc:
        raise LoadError(f"{path}: not a compiled knowledge base ({exc})", "run dmkb build again") from exc
    if row is None or row[0] != SCHEMA_VERSION:
        conn.close()
        found = f"schema {row[0]}" if row else "no schema version"
        raise LoadError(f"{path}: built by another dmkb version ({found}; this one reads schema {SCHEMA_VERSION})",
                        "rebuild it with dmkb build")
    conn.row_factory = sqlite3.Row
    return conn


def read_meta(path: Path, key: str) -> str | None:
    """One value of the ``meta`` table, or ``None``."""
    try:
        with contextlib.closing(open_readonly(path)) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None
