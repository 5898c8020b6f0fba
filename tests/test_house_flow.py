"""The house reads one way: what reads the compiled KB (``kb.sqlite``) never imports ``dmkb.load``,
the reading of the KB's YAML files, nor the checks run on them."""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import socket
import sqlite3
import urllib.request
from pathlib import Path

import pytest
from conftest import EXAMPLE, REPO, run_dmkb
from site_helpers import serve_in_thread
from test_server import _start_serving, _wait_until_ready

from dmkb.forked import workers_allowed
from dmkb.pipeline.build import build_site

SRC = REPO / "src"
READERS = ("dmkb.similarity", "dmkb.site", "dmkb.server")
FORBIDDEN = ("dmkb.load", "dmkb.checks")


def _file(module: str) -> Path | None:
    base = SRC.joinpath(*module.split("."))
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


def _imports(module: str) -> set[str]:
    """The dmkb modules ``module`` imports anywhere (also inside functions; not those named for type
    checkers alone), with the packages they are in (importing ``a.b.c`` runs ``a/__init__`` and
    ``a/b/__init__`` too)."""
    path = _file(module)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            node.body = []
    named: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            named.add(base)
            named.update(f"{base}.{alias.name}" for alias in node.names)
    found = set()
    for name in named:
        parts = name.split(".")
        found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1) if _file(".".join(parts[:i])))
    return {name for name in found if name.startswith("dmkb.")}


def _modules(package: str) -> list[str]:
    folder = SRC.joinpath(*package.split("."))
    return sorted(".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
                  for p in folder.rglob("*.py"))


def _reached(starts: list[str]) -> dict[str, str | None]:
    """Every module reachable from ``starts``: module -> the module that imports it first."""
    via: dict[str, str | None] = dict.fromkeys(starts)
    queue = list(starts)
    while queue:
        module = queue.pop(0)
        for name in sorted(_imports(module)):
            if name not in via:
                via[name] = module
                queue.append(name)
    return via


def _chain(via: dict[str, str | None], module: str) -> str:
    chain = [module]
    while via[chain[-1]] is not None:
        chain.append(via[chain[-1]])
    return " <- ".join(chain)


def test_kb_sqlite_readers_do_not_import_load() -> None:
    via = _reached([m for package in READERS for m in _modules(package)])
    assert len(via) > 60  # the walk follows imports (a broken walk would pass anything)
    bad = [_chain(via, m) for m in via if m.startswith(tuple(f"{f}." for f in FORBIDDEN)) or m in FORBIDDEN]
    assert not bad, "readers of kb.sqlite reach the YAML loader:\n" + "\n".join(bad)


def test_the_walk_finds_imports_inside_functions() -> None:
    assert "dmkb.similarity.engine" in _imports("dmkb.similarity.stored")  # imported in a function
    assert "dmkb.load.kb" in _reached(["dmkb.compile.incremental"])


ANKL = "Aggressive_NK-cell_Leukemia"
ANKL_PHENOTYPES = "HP:0001945,HP:0001433,HP:0001876,HP:0003281,HP:0005521"


def _get(port: int, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
        return response.read()


def test_a_site_its_server_and_diagnose_need_only_kb_sqlite(tmp_path: Path) -> None:
    root, out = tmp_path / "kb", tmp_path / "site"
    shutil.copytree(EXAMPLE, root)
    build_site([root], out)
    shutil.rmtree(root)  # the KB's files are gone: only what was built is left
    with contextlib.closing(sqlite3.connect(out / "kb.sqlite")) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "similar" not in tables  # the site keeps what it computed in a file of its own
    assert (out / "similar.sqlite").is_file()
    with serve_in_thread(out) as (port, _):
        answer = json.loads(_get(port, f"/api/diagnose?hpo={ANKL_PHENOTYPES}&limit=10"))
        assert "MONDO:0019470" in [r["id"] for r in answer["results"]]  # the KB's disorder is a candidate
        page = _get(port, f"/disorders/{ANKL}.html").decode()
        assert page.count('<th scope="row">') >= 6 and "Phenotypes in common" in page
    result = run_dmkb("similar", ANKL, "--kb", out / "kb.sqlite", "--format", "json")
    assert result.code == 0, result.stderr
    assert result.json()["hpo"]
    _serve_the_compiled_kb_alone(out / "kb.sqlite", tmp_path / "served")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve_the_compiled_kb_alone(db_path: Path, out: Path) -> None:
    port = _free_port()
    proc, _ = _start_serving(db_path, "--port", port, "--out", out)
    try:
        _wait_until_ready(proc)
        answer = json.loads(_get(port, f"/api/diagnose?hpo={ANKL_PHENOTYPES}&limit=10"))
        assert "MONDO:0019470" in [r["id"] for r in answer["results"]]
        assert "Phenotypes in common" in _get(port, f"/disorders/{ANKL}.html").decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_refuses_a_file_that_is_no_compiled_kb(tmp_path: Path) -> None:
    (tmp_path / "notes.sqlite").write_text("my notes", encoding="utf-8")
    result = run_dmkb("serve", tmp_path / "notes.sqlite", "--port", _free_port(), "--out", tmp_path / "site")
    assert result.code == 2 and "not a compiled knowledge base" in result.stderr, result.stderr
    assert not (tmp_path / "site").exists()


def test_an_unchanged_kb_writes_neither_kb_sqlite_nor_similar_sqlite(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site([EXAMPLE], out)
    before = {name: (out / name).stat().st_mtime_ns for name in ("kb.sqlite", "similar.sqlite")}
    assert build_site([EXAMPLE], out).rendered == []
    assert {name: (out / name).stat().st_mtime_ns for name in before} == before


def test_forked_workers_write_the_same_site_as_one_process(tmp_path: Path) -> None:
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: no workers are forked")
    root = tmp_path / "kb"
    (root / "kb" / "disorders").mkdir(parents=True)
    entry = (EXAMPLE / "kb" / "disorders" / f"{ANKL}.yaml").read_text(encoding="utf-8")
    for n in range(48):  # enough for two workers
        (root / "kb" / "disorders" / f"Copy_{n:02d}.yaml").write_text(
            entry.replace("name: Aggressive NK-cell Leukemia", f"name: Copy {n}", 1), encoding="utf-8")
    alone = build_site([root], tmp_path / "alone")
    with workers_allowed():
        forked = build_site([root], tmp_path / "forked")
    assert forked.rendered == alone.rendered and len(forked.rendered) == 48 and not forked.failed
    assert forked.compile.compiled == alone.compile.compiled
    for name in ["index.html", *(f"disorders/{p.name}" for p in (tmp_path / "alone" / "disorders").iterdir())]:
        assert (tmp_path / "forked" / name).read_bytes() == (tmp_path / "alone" / name).read_bytes(), name
    assert _rows(tmp_path / "forked" / "similar.sqlite", "similar") == _rows(tmp_path / "alone" / "similar.sqlite", "similar")
    for table in ("disorders", "phenotypes", "evidence", "mechanism_terms"):
        assert _rows(tmp_path / "forked" / "kb.sqlite", table) == _rows(tmp_path / "alone" / "kb.sqlite", table)


def _rows(path: Path, table: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
