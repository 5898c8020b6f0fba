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


def parse_terms_csv(text: str) -> tuple[list[TermRow], str | None]:
    """Rows of a ``terms.csv`` (columns ``curie,label[,retrieved_at]``) and a problem, if any."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        return [], None
    names = [h.strip().lower() for h in header]
    if "curie" not in names:
        return [], "the first line must name the columns, with 'curie' and 'label'"
    id_col = names.index("curie")
    label_col = names.index("label") if "label" in names else None
    problem = None if label_col is not None else "there is no 'label' column, so no label can be checked"
    rows = []
    for line, record in enumerate(reader, start=2):
        if len(record) <= id_col or not record[id_col].strip():
            continue
        label = record[label_col] if label_col is not None and len(record) > label_col else ""
        rows.append(TermRow(record[id_col].strip(), label.strip(), line))
    return rows, problem


def parse_enum_csv(text: str) -> set[str]:
    """The ids listed in an enum cache file (its first column, after the header)."""
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    return {record[0].strip() for record in reader if record and record[0].strip()}


TERMS_COLUMNS = ["curie", "label", "retrieved_at"]


def parse_terms_table(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """A ``terms.csv`` as its columns and rows, every column kept (for rewriting the file)."""
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def format_terms_table(columns: list[str], rows: list[dict[str, str]]) -> str:
    """The text of a ``terms.csv`` with these columns (default: curie, label, retrieved_at) and rows."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or TERMS_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
