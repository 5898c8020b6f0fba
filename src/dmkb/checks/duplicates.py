"""Check ``schema`` across entries: two files that describe one disorder (the same name). Each
file's identity is taken when it is checked and remembered with its findings, so this needs no
file parsed again."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dmkb.checks.finding import Finding

if TYPE_CHECKING:
    from dmkb.load.yaml_reader import YamlDocument

NAME = "schema"


@dataclass(frozen=True)
class Identity:
    """What names the disorder of one file: its ``name`` (and where), its MONDO id."""

    file: str
    name: str
    line: int
    mondo_id: str | None

    def to_json(self) -> list[Any]:
        return [self.name, self.line, self.mondo_id]

    @classmethod
    def from_json(cls, file: str, data: list[Any]) -> Identity:
        name, line, mondo_id = data
        return cls(file, name, line, mondo_id)


def identity(file: str, doc: YamlDocument) -> Identity | None:
    """The identity of a parsed entry, or ``None`` when it has no name."""
    from dmkb.entry_walk import text

    data = doc.data
    name = text(data.get("name")) if isinstance(data, dict) else None
    if not name:
        return None
    disease = data.get("disease_term")
    term = disease.get("term") if isinstance(disease, dict) else None
    mondo_id = text(term.get("id")) if isinstance(term, dict) else None
    return Identity(file, name, doc.line_of(("name",)), mondo_id.strip() if mondo_id else None)


def check_entries(identities: Iterable[Identity]) -> Iterator[Finding]:
    """An error on every file whose disorder name an earlier file (in file order) already has."""
    first: dict[str, Identity] = {}
    for entry in sorted(identities, key=lambda e: e.file):
        key = " ".join(entry.name.casefold().split())
        other = first.setdefault(key, entry)
        if other is entry:
            continue
        same_term = entry.mondo_id and entry.mondo_id == other.mondo_id
        same_id = f" and the same disease term {entry.mondo_id}" if same_term else ""
        yield Finding(entry.file, entry.line, "name", NAME, "error",
                      f"{other.file} describes a disorder of the same name '{entry.name}'{same_id}",
                      "keep one entry per disorder: merge the two files, or name each for what sets it apart")
