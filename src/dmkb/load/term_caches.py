"""Read the term caches of a dismech-format KB: ``cache/<prefix>/terms.csv`` (id, label) and
``cache/enums/*.csv`` (the ids found to belong to a dynamic enum, one column ``curie``)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass


@dataclass(frozen=True)
class TermRow:
    """One cached term and the line it is written on."""

    curie: str
    label: str
    line: int


@dataclass(frozen=True)
class TableProblem:
    """Why a cache file, from ``line`` on, cannot be read as the table it should be."""

    line: int
    message: str


def csv_records(text: str) -> tuple[list[tuple[int, list[str]]], TableProblem | None]:
    """The records of a CSV text, each with the line it starts on, and the first problem.

    A value running over several lines (a quote left open swallows the rest of the file) is a
    problem; so is a record the csv module refuses (a value over its 128 KiB limit, a NUL byte):
    reading stops there.
    """
    reader = csv.reader(io.StringIO(text))
    records: list[tuple[int, list[str]]] = []
    problem = None
    line = 1
    try:
        for record in reader:
            if any("\n" in value for value in record):
                problem = problem or TableProblem(line, "a quote is not closed: a value runs over several lines")
            else:
                records.append((line, record))
            line = reader.line_num + 1
    except csv.Error as exc:
        problem = problem or TableProblem(line, f"cannot be read as CSV from here on ({exc}); is a quote not closed?")
    return records, problem


_NO_HEADER = "the first line must name the columns, with 'curie' and 'label'"


def parse_terms_csv(text: str) -> tuple[list[TermRow], TableProblem | None]:
    """Rows of a ``terms.csv`` (columns ``curie,label[,retrieved_at]``) and a problem, if any."""
    records, problem = csv_records(text)
    if not records:
        return [], problem
    names = [h.strip().lower() for h in records[0][1]]
    if "curie" not in names:
        return [], TableProblem(records[0][0], _NO_HEADER)
    id_col = names.index("curie")
    label_col = names.index("label") if "label" in names else None
    if label_col is None:
        problem = problem or TableProblem(1, "there is no 'label' column, so no label can be checked")
    rows = []
    for line, record in records[1:]:
        if len(record) <= id_col or not record[id_col].strip():
            continue
        label = record[label_col] if label_col is not None and len(record) > label_col else ""
        rows.append(TermRow(record[id_col].strip(), label.strip(), line))
    return rows, problem


def parse_enum_csv(text: str) -> set[str]:
    """The ids listed in an enum cache file (its first column, after the header)."""
    records, _ = csv_records(text)
    return {record[0].strip() for _, record in records[1:] if record and record[0].strip()}


TERMS_COLUMNS = ["curie", "label", "retrieved_at"]


def parse_terms_table(text: str) -> tuple[list[str], list[dict[str, str]], TableProblem | None]:
    """A ``terms.csv`` as its columns and rows, every column kept (for rewriting the file), and why
    it cannot be rewritten safely, if it cannot: no ``curie`` and ``label`` header, or a record
    that cannot be read."""
    records, problem = csv_records(text)
    if not records:
        return [], [], problem
    columns = [h.strip() for h in records[0][1]]
    if not {"curie", "label"} <= {c.lower() for c in columns}:
        return columns, [], TableProblem(records[0][0], _NO_HEADER)
    rows = [dict(zip(columns, record, strict=False)) for _, record in records[1:] if record]
    return columns, rows, problem


def format_terms_table(columns: list[str], rows: list[dict[str, str]]) -> str:
    """The text of a ``terms.csv`` with these columns (default: curie, label, retrieved_at) and rows."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or TERMS_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
