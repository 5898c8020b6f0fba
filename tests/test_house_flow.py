"""The house reads one way: what reads the compiled KB (``kb.sqlite``) never imports ``dmkb.load``,
the reading of the KB's YAML files, nor the checks run on them."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

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
