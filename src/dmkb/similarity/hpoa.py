"""Read HPO's disease annotation file (``phenotype.hpoa``): how often each disease shows each
phenotype, and the phenotypes it is known not to have (``NOT``).

Only phenotypic annotations (aspect ``P``) of OMIM and Orphanet diseases are read; inheritance,
onset and clinical course are not phenotypes a patient is matched on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from dmkb.similarity.frequency import Frequency, parse_frequency, pool

_PREFIXES = ("OMIM:", "ORPHA:", "MONDO:")  # MONDO: the annotations dmkb export writes
_COLUMNS = ("database_id", "disease_name", "qualifier", "hpo_id")


@dataclass
class HpoaDisease:
    """One disease's annotations in the file."""

    name: str
    frequencies: dict[str, list[Frequency]] = field(default_factory=dict)  # unknown ones left out
    terms: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)

    def frequency(self, term: str) -> Frequency | None:
        found = self.frequencies.get(term)
        return pool(found) if found else None


def read_hpoa(lines: list[str]) -> dict[str, HpoaDisease]:
    """The diseases of a ``phenotype.hpoa`` file by id (``OMIM:154700``); lines that do not
    fit the format (other aspects, other databases, short lines) are skipped."""
    diseases: dict[str, HpoaDisease] = defaultdict(lambda: HpoaDisease(""))
    columns = None
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        cells = line.split("\t")
        if columns is None and cells[0] == _COLUMNS[0]:
            columns = {name: i for i, name in enumerate(cells)}
            continue
        if columns is None or len(cells) < len(columns) or not cells[0].startswith(_PREFIXES):
            continue
        if cells[columns["aspect"]] != "P":
            continue
        disease = diseases[cells[0]]
        disease.name = disease.name or cells[columns["disease_name"]]
        term = cells[columns["hpo_id"]]
        if cells[columns["qualifier"]] == "NOT":
            disease.excluded.add(term)
            continue
        disease.terms.add(term)
        frequency = parse_frequency(cells[columns["frequency"]])
        if frequency is not None:
            disease.frequencies.setdefault(term, []).append(frequency)
    return dict(diseases)
