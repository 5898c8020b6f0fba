"""Opening a SQLite file for reading only: the one way every reader of dmkb's databases does it."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_readonly(path: Path, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """A connection that cannot write to ``path`` nor create it (any character of the path is safe).

    SQLite reads the file only at the first statement, which raises :class:`sqlite3.Error` when
    the file is missing or not a database.
    """
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True,
                           check_same_thread=check_same_thread)
