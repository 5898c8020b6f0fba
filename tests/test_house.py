"""The house: each room reads one way, and the pieces several rooms share live below them all."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from dmkb.compile.schema import SCHEMA_VERSION
from dmkb.compile.store import connect_readonly
from dmkb.errors import LoadError
from dmkb.terms.store import read_meta


def _database(path: Path, meta: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    return path


def test_a_kb_compiled_by_another_dmkb_version_is_refused_with_how_to_rebuild_it(tmp_path: Path) -> None:
    old = _database(tmp_path / "kb.sqlite", {"schema_version": "0"})
    with pytest.raises(LoadError) as caught:
        connect_readonly(old)
    assert caught.value.message == (f"{old}: built by another dmkb version (schema 0; this one reads schema "
                                     f"{SCHEMA_VERSION})")
    assert caught.value.hint == "rebuild it with dmkb build"


def test_a_kb_of_this_schema_opens_read_only(tmp_path: Path) -> None:
    db = _database(tmp_path / "kb.sqlite", {"schema_version": SCHEMA_VERSION})
    with contextlib.closing(connect_readonly(db)) as conn:
        assert conn.execute("SELECT value FROM meta").fetchone()["value"] == SCHEMA_VERSION
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM meta")


def test_a_missing_or_foreign_file_is_not_a_compiled_kb(tmp_path: Path) -> None:
    (tmp_path / "notes.sqlite").write_text("my notes")
    for path in (tmp_path / "absent.sqlite", tmp_path / "notes.sqlite"):
        with pytest.raises(LoadError, match="not a compiled knowledge base"):
            connect_readonly(path)
    assert not (tmp_path / "absent.sqlite").exists()


def test_databases_under_folders_with_uri_characters_in_their_names_are_read(tmp_path: Path) -> None:
    source = _database(tmp_path / "terms #1?" / "hp.sqlite", {"format": "4", "name": "hp"})
    assert read_meta(source) == {"format": "4", "name": "hp"}
