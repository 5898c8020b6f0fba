"""The house: each room reads one way, and the pieces several rooms share live below them all."""

from __future__ import annotations

import ast
import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import dmkb
from dmkb.compile.read import connect_readonly
from dmkb.compile.schema import SCHEMA_VERSION
from dmkb.errors import LoadError
from dmkb.terms.store import read_meta

SRC = Path(dmkb.__file__).parent

# The rooms of src/dmkb from the bottom up (a room: a top-level module or package). A module
# imports from its own room and from rooms of lower layers only, never from its layer or above.
LAYERS: list[set[str]] = [
    {"dmkb"},  # the package itself: its version
    {"errors", "settings"},  # what can go wrong, and what the environment sets
    {"fs", "prefixes", "signature", "schema", "sqlite_readonly", "term_ids",
     "entry_path", "packaged", "forked", "bounded_http", "typos"},
    {"partfile"},  # an output file of lines that appears only complete, and resumes (through fs)
    {"links"},  # the pages a reader follows for terms and references (through prefixes)
    {"report_citations"},  # citation keys and reference lists of stored research reports (linked)
    {"load"},  # reading the files of a KB
    {"entry_walk"},  # ways through an entry's values
    {"references", "terms"},  # the literature and the ontologies, with their caches
    {"knowledge_base"},  # a KB with the caches it cites, for checking and compiling
    {"checks", "compile"},
    {"validate", "export", "similarity", "research"},
    {"report", "site"},
    {"server"},
    {"pipeline"},  # compile, then build and serve the site
    {"cli_common", "cli_progress"},
    {"cli_diagnose", "cli_export", "cli_refs", "cli_research", "cli_site", "cli_terms"},
    {"cli"},
    {"__main__"},
]
# Readers of the compiled KB: they read kb.sqlite, never the YAML nor the checks made on it.
COMPILED_KB_READERS = {"export", "similarity", "research", "site", "server"}
SOURCE_SIDE = {"load", "knowledge_base", "checks", "validate"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module
    file: Path
    line: int
    names: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.module} imports {self.target}"


def module_name(path: Path, src: Path) -> str:
    parts = path.relative_to(src.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(src: Path) -> Iterator[Import]:
    """Every import of a module of the package at ``src``, at the top of a file or inside a function."""
    package = src.name
    for path in sorted(src.rglob("*.py")):
        module = module_name(path, src)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found = [(alias.name, ()) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                found = list(_from_targets(node, module, path, src))
            else:
                continue
            for target, names in found:
                if target == package or target.startswith(package + "."):
                    yield Import(module, target, path, node.lineno, names)


def _from_targets(node: ast.ImportFrom, module: str, path: Path, src: Path) -> Iterator[tuple[str, tuple]]:
    base = node.module or ""
    if node.level:  # relative: from the importing module's package
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
    for alias in node.names:  # `from dmkb import compile` imports the module dmkb.compile
        submodule = f"{base}.{alias.name}"
        relative = Path(*submodule.split(".")[1:])
        if (src / relative).is_dir() or (src / relative).with_suffix(".py").is_file():
            yield submodule, ()
        else:
            yield base, (alias.name,)


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def layer(name: str) -> int | None:
    return next((i for i, rooms in enumerate(LAYERS) if name in rooms), None)


def problems(src: Path) -> list[str]:
    """What breaks the layering, one line each naming the file and line of the import."""
    found = []
    for imp in imports_of(src):
        here, there = room(imp.module), room(imp.target)
        if here == there:
            continue
        if layer(here) is None or layer(there) is None:
            unknown = here if layer(here) is None else there
            found.append(f"{imp}: the room {unknown!r} has no place in LAYERS (add it where it belongs)")
        elif layer(there) >= layer(here):
            found.append(f"{imp}: {here} may import only from rooms below it, and {there} is not below it")
        elif here in COMPILED_KB_READERS and there in SOURCE_SIDE:
            found.append(f"{imp}: {here} reads the compiled kb.sqlite, never the YAML through {there}")
        elif any(_private(name) for name in (*imp.target.split("."), *imp.names)):
            found.append(f"{imp}: a private name of another room (give it a public home below both)")
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_each_room_imports_only_from_rooms_below_it() -> None:
    assert problems(SRC) == []


def test_an_upward_import_inside_a_function_is_named_with_its_file_and_line(tmp_path: Path) -> None:
    src = tmp_path / "dmkb"
    for name, text in {
        "__init__.py": "",
        "load/__init__.py": "",
        "load/kb.py": "import os\n\n\ndef read():\n    from dmkb.validate import cited\n    return cited\n",
        "validate.py": "from dmkb.load import kb\nfrom . import errors\n",
        "errors.py": "",
        "export/__init__.py": "from dmkb.checks import walk\nfrom dmkb.load.text import _decode\n",
        "checks/walk.py": "",
        "load/text.py": "",
        "newroom.py": "",
        "cli.py": "import dmkb.newroom\nfrom dmkb import __version__\nfrom dmkb.load.text import _decode\n",
    }.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text)
    found = problems(src)
    assert [line.split(": ", 1)[0] for line in found] == [
        f"{src / 'cli.py'}:1", f"{src / 'cli.py'}:3", f"{src / 'export/__init__.py'}:1",
        f"{src / 'export/__init__.py'}:2", f"{src / 'load/kb.py'}:5",
    ]
    assert found[0].endswith("dmkb.cli imports dmkb.newroom: the room 'newroom' has no place in LAYERS "
                             "(add it where it belongs)")
    assert found[1].endswith("dmkb.cli imports dmkb.load.text: a private name of another room "
                             "(give it a public home below both)")
    assert found[2].endswith("dmkb.export imports dmkb.checks.walk: export reads the compiled kb.sqlite, "
                             "never the YAML through checks")
    assert found[3].endswith("through load")
    assert found[4].endswith("dmkb.load.kb imports dmkb.validate: load may import only from rooms below it, "
                             "and validate is not below it")


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
