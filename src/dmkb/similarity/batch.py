"""Read the cases of ``dmkb diagnose --batch``, one at a time, whatever the size of the input.

A tab-separated file, one case a line, as in the phenopacket benchmark files::

    case_id <TAB> disease_ids <TAB> observed_hpo <TAB> excluded_hpo <TAB> cohort

with ``|`` between ids. A first line naming the columns (``case_id``, ``observed_hpo``, and
optionally ``excluded_hpo``) may give them in another order; without it, the order above is
assumed. Only ``case_id`` and ``observed_hpo`` are required.

A JSON Lines file (``.jsonl``, ``.ndjson``), one case a line, with the same names::

    {"case_id": "p1", "observed_hpo": ["HP:0001166", "HP:0001083"], "excluded_hpo": ["HP:0000501"]}

A folder of phenopackets: its ``*.json`` files, by name (read by :mod:`dmkb.similarity.phenopacket`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dmkb.errors import DmkbError
from dmkb.fs import open_regular
from dmkb.term_ids import HPO_ID

JSON_LINES = (".jsonl", ".ndjson")
_DEFAULT_COLUMNS = ("case_id", "disease_ids", "observed_hpo", "excluded_hpo", "cohort")
_TSV_HINT = "separate the columns with tabs: case_id, disease_ids, observed_hpo, excluded_hpo, cohort"
_PLAIN_IDS = re.compile(r"(?:HP:\d{7}(?:\|HP:\d{7})*)?")
_JSON_HINT = 'write one JSON object a line: {"case_id": "p1", "observed_hpo": ["HP:0001166"], "excluded_hpo": []}'


@dataclass(frozen=True)
class Case:
    case_id: str
    observed: list[str]
    excluded: list[str]
    line: int


@dataclass(frozen=True)
class Batch:
    """The cases of a batch input: ``len(batch)`` of them, read again from the start by each
    ``iter(batch)``; a :class:`Case` each, or the path of a phenopacket still to be read."""

    count: int
    read: Callable[[], Iterator[Case | Path]]

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Case | Path]:
        return self.read()


def open_batch(path: Path) -> Batch:
    """The cases of a file or a folder, counted in one pass that stops at the first malformed line
    (so that nothing is ranked before the whole input is known to read).

    :raises DmkbError: as :func:`read_cases`; or for a folder without ``*.json`` files.
    """
    if path.is_dir():
        # names, not Paths, kept for the whole run: a fraction of the memory for a million files
        names = sorted(entry.name for entry in os.scandir(path) if entry.name.endswith(".json"))
        if not names:
            raise DmkbError(f"{path}: no phenopacket (*.json) in the folder", "give a folder of phenopacket JSON files")
        return Batch(len(names), lambda: (path / name for name in names))
    count = sum(1 for _ in read_cases(path))
    if not count:
        raise DmkbError(f"{path}: no cases", "write one case a line: case_id, disease_ids, observed_hpo, "
                        "excluded_hpo, cohort, separated by tabs")
    return Batch(count, lambda: read_cases(path))


def read_cases(path: Path) -> Iterator[Case]:
    """Every case of a tab-separated or JSON Lines file, read a line at a time.

    :raises DmkbError: when the file cannot be read, or a line lacks a column or holds an id
        that is not written as ``HP:`` and seven digits (naming the file and line).
    """
    as_json = path.suffix.lower() in JSON_LINES
    try:
        handle = open_regular(path)
    except OSError as exc:
        raise DmkbError(f"{path}: cannot read ({exc.strerror or exc})", "give a file of cases") from exc
    with handle:
        columns: dict[str, int] | None = None
        for number, raw in enumerate(handle, start=1):
            line = _decode(path, number, raw)
            if number == 1 and not as_json:
                columns, is_header = _columns(path, line)
                if is_header:
                    continue
            if line.strip() and not line.startswith("#"):
                yield _json_case(path, number, line) if as_json else _case(path, number, line, columns or {})


def _decode(path: Path, number: int, raw: bytes) -> str:
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise DmkbError(f"{path}:{number}: cannot read ({exc})", "give a file of cases in UTF-8") from exc
    return text.rstrip("\r\n")


def _columns(path: Path, header: str) -> tuple[dict[str, int], bool]:
    cells = [c.strip().lower() for c in header.split("\t")]
    if "case_id" not in cells:
        return {name: i for i, name in enumerate(_DEFAULT_COLUMNS)}, False
    if "observed_hpo" not in cells:
        raise DmkbError(f"{path}:1: the header names no observed_hpo column",
                        "name the columns case_id, disease_ids, observed_hpo, excluded_hpo, cohort")
    return {name: i for i, name in enumerate(cells)}, True


def _case(path: Path, number: int, line: str, columns: dict[str, int]) -> Case:
    cells = line.split("\t")
    needed = max(columns["case_id"], columns["observed_hpo"]) + 1
    if len(cells) < needed:
        raise DmkbError(f"{path}:{number}: {len(cells)} tab-separated column(s), expected at least {needed}", _TSV_HINT)
    case_id = cells[columns["case_id"]].strip()
    if not case_id:
        raise DmkbError(f"{path}:{number}: the case has no id", "write an id in the case_id column")
    observed = _cell_ids(path, number, cells[columns["observed_hpo"]], "observed_hpo")
    excluded_at = columns.get("excluded_hpo")
    excluded = [] if excluded_at is None or excluded_at >= len(cells) else \
        _cell_ids(path, number, cells[excluded_at], "excluded_hpo")
    return Case(case_id, observed, excluded, number)


def _cell_ids(path: Path, number: int, cell: str, column: str) -> list[str]:
    if _PLAIN_IDS.fullmatch(cell):  # the usual cell, checked in one step (the file is read twice)
        return cell.split("|") if cell else []
    return _ids(path, number, cell.split("|"), column, "write HPO ids as HP:0000000, separated by |")


def _json_case(path: Path, number: int, line: str) -> Case:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DmkbError(f"{path}:{number}: not JSON ({exc.msg} at column {exc.colno})", _JSON_HINT) from exc
    if not isinstance(record, dict):
        raise DmkbError(f"{path}:{number}: a JSON {type(record).__name__}, not an object", _JSON_HINT)
    case_id = record.get("case_id")
    if not isinstance(case_id, str) or not case_id.strip():
        raise DmkbError(f"{path}:{number}: case_id is {case_id!r}, not an id", _JSON_HINT)
    cases = {}
    for column in ("observed_hpo", "excluded_hpo"):
        ids = record.get(column, [])
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise DmkbError(f"{path}:{number}: {column} is not a list of HPO ids", _JSON_HINT)
        cases[column] = _ids(path, number, ids, column, "write HPO ids as HP:0000000")
    return Case(case_id.strip(), cases["observed_hpo"], cases["excluded_hpo"], number)


def _ids(path: Path, number: int, cells: list[str], column: str, hint: str) -> list[str]:
    ids = [part.strip() for part in cells if part.strip()]
    for curie in ids:
        if not HPO_ID.fullmatch(curie):
            raise DmkbError(f"{path}:{number}: {column} holds {curie!r}, not an HPO id", hint)
    return [curie.upper() for curie in ids]
