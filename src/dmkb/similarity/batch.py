"""Read cases for ``dmkb diagnose --batch``: one case a line, tab-separated, as in the
phenopacket benchmark files::

    case_id <TAB> disease_ids <TAB> observed_hpo <TAB> excluded_hpo <TAB> cohort

with ``|`` between ids. A first line naming the columns (``case_id``, ``observed_hpo``, and
optionally ``excluded_hpo``) may give them in another order; without it, the order above is
assumed. Only ``case_id`` and ``observed_hpo`` are required.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dmkb.errors import DmkbError
from dmkb.fs import read_regular
from dmkb.term_ids import HPO_ID

MAX_BYTES = 256 * 2**20  # about a million cases; a bigger file is refused before it is read
_DEFAULT_COLUMNS = ("case_id", "disease_ids", "observed_hpo", "excluded_hpo", "cohort")


@dataclass(frozen=True)
class Case:
    case_id: str
    observed: list[str]
    excluded: list[str]
    line: int


def read_cases(path: Path) -> list[Case]:
    """Every case of the file.

    :raises DmkbError: when the file cannot be read, or a line lacks a column or holds an id
        that is not written as ``HP:`` and seven digits (naming the file and line).
    """
    try:
        text = read_regular(path, MAX_BYTES).decode("utf-8-sig")
    except OSError as exc:
        raise DmkbError(f"{path}: cannot read ({exc.strerror or exc})", "give a tab-separated file of cases") from exc
    except UnicodeDecodeError as exc:
        raise DmkbError(f"{path}: cannot read ({exc})", "give a tab-separated file of cases in UTF-8") from exc
    lines = text.splitlines()
    columns, first = _columns(path, lines[0] if lines else "")
    cases = []
    for number, line in enumerate(lines[first:], start=first + 1):
        if line.strip() and not line.startswith("#"):
            cases.append(_case(path, number, line, columns))
    if not cases:
        raise DmkbError(f"{path}: no cases", "write one case a line: case_id, disease_ids, observed_hpo, "
                        "excluded_hpo, cohort, separated by tabs")
    return cases


def _columns(path: Path, header: str) -> tuple[dict[str, int], int]:
    cells = [c.strip().lower() for c in header.split("\t")]
    if "case_id" not in cells:
        return {name: i for i, name in enumerate(_DEFAULT_COLUMNS)}, 0
    if "observed_hpo" not in cells:
        raise DmkbError(f"{path}:1: the header names no observed_hpo column",
                        "name the columns case_id, disease_ids, observed_hpo, excluded_hpo, cohort")
    return {name: i for i, name in enumerate(cells)}, 1


def _case(path: Path, number: int, line: str, columns: dict[str, int]) -> Case:
    cells = line.rstrip("\r").split("\t")
    needed = max(columns["case_id"], columns["observed_hpo"]) + 1
    if len(cells) < needed:
        raise DmkbError(f"{path}:{number}: {len(cells)} tab-separated column(s), expected at least {needed}",
                        "separate the columns with tabs: case_id, disease_ids, observed_hpo, excluded_hpo, cohort")
    case_id = cells[columns["case_id"]].strip()
    if not case_id:
        raise DmkbError(f"{path}:{number}: the case has no id", "write an id in the case_id column")
    observed = _ids(path, number, cells[columns["observed_hpo"]], "observed_hpo")
    excluded_at = columns.get("excluded_hpo")
    excluded = _ids(path, number, cells[excluded_at], "excluded_hpo") if excluded_at is not None and excluded_at < len(cells) else []
    return Case(case_id, observed, excluded, number)


def _ids(path: Path, number: int, cell: str, column: str) -> list[str]:
    ids = [part.strip() for part in cell.split("|") if part.strip()]
    for curie in ids:
        if not HPO_ID.fullmatch(curie):
            raise DmkbError(f"{path}:{number}: {column} holds {curie!r}, not an HPO id",
                            "write HPO ids as HP:0000000, separated by |")
    return [curie.upper() for curie in ids]
