"""Exports of the compiled KB: one module a format, each a function from the KB read out of
``kb.sqlite`` (:mod:`.source`) to the bytes of its files.

- :mod:`.kgx`: Biolink KGX nodes and edges (TSV and JSON Lines), from the graph of :mod:`.graph`.
- :mod:`.rdf`: the same graph as Turtle and N-Triples.
- :mod:`.hpoa`: disorder–phenotype annotations in HPO's ``phenotype.hpoa`` format.
- :mod:`.jsonl`: one entry a line.

An export folder holds a marker (``.dmkb-export``) listing the files dmkb wrote there: a file of
the same name that dmkb did not write is never replaced.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from dmkb.errors import UsageError
from dmkb.export.source import read_kb
from dmkb.fs import write_atomic

FORMATS = ("kgx", "rdf", "hpoa", "jsonl")
MARKER = ".dmkb-export"


@dataclass
class ExportReport:
    revision: str
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


def export(db_path: Path, fmt: str, out: Path) -> ExportReport:
    """Write the ``fmt`` export of the compiled KB at ``db_path`` into the folder ``out``.

    A file is written only when its bytes differ from those already there (atomically).

    :raises UsageError: for an unknown format or when ``out`` is not a folder.
    :raises LoadError: when ``db_path`` is not a compiled KB.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format '{fmt}'", f"choose one of {', '.join(FORMATS)}")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is not a folder", "give --out a new or existing folder")
    kb = read_kb(db_path)
    files = importlib.import_module(f"dmkb.export.{fmt}").export(kb)
    ours = _written_before(out)
    foreign = sorted(name for name in files if (out / name).exists() and name not in ours)
    if foreign:
        raise UsageError(f"{out} already holds {', '.join(foreign)}, not written by dmkb export",
                         "give --out a new folder, or move those files away")
    report = ExportReport(kb.revision)
    for name, data in files.items():
        path = out / name
        if path.is_file() and path.read_bytes() == data:
            report.unchanged.append(path)
        else:
            write_atomic(path, data, mode=0o644)
            report.written.append(path)
    if not ours >= set(files):
        write_atomic(out / MARKER, json.dumps(sorted(ours | set(files)), indent=1) + "\n", mode=0o644)
    return report


def _written_before(out: Path) -> set[str]:
    """The names of the files earlier exports wrote into ``out``, as its marker lists them."""
    try:
        names = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()
