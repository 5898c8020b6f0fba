"""KB disorders as candidates, read from the compiled KB (``kb.sqlite``): each entry's disease term,
phenotypes (with their frequency when the entry gives one) and the mechanism terms it mentions
anywhere (GO processes, CL cell types, HGNC genes)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from dmkb.compile.read import connect_readonly
from dmkb.similarity.frequency import Frequency, parse_frequency


@dataclass(frozen=True)
class Term:
    id: str
    label: str

    def to_json(self) -> dict:
        return {"id": self.id, "label": self.label}


@dataclass(frozen=True)
class KbDisorder:
    """What the engine needs of one entry."""

    stem: str  # the file name without .yaml: how commands name it
    id: str  # its disease term (MONDO), else ``KB:<stem>``
    name: str
    phenotypes: tuple[tuple[str, Frequency | None], ...]  # HP ids upper-cased, in entry order
    mechanisms: tuple[Term, ...]  # GO, CL and HGNC terms, first mention first, ids upper-cased


def read_kb_disorders(db_path: Path) -> list[KbDisorder]:
    """The disorders compiled into ``db_path``, in file order. :raises LoadError: when it is no compiled KB."""
    with contextlib.closing(connect_readonly(db_path)) as conn:
        phenotypes: dict[int, dict[str, Frequency | None]] = {}
        for did, hpo_id, frequency in conn.execute(
                "SELECT disorder_id, upper(hpo_id), frequency FROM phenotypes WHERE upper(hpo_id) LIKE 'HP:%' "
                "ORDER BY rowid"):
            phenotypes.setdefault(did, {}).setdefault(hpo_id, parse_frequency(frequency))
        mechanisms: dict[int, list[Term]] = {}
        for did, term_id, label in conn.execute("SELECT disorder_id, term_id, label FROM mechanism_terms ORDER BY rowid"):
            mechanisms.setdefault(did, []).append(Term(term_id, label))
        return [KbDisorder(stem, mondo_id or f"KB:{stem}", name, tuple(phenotypes.get(did, {}).items()),
                           tuple(mechanisms.get(did, ())))
                for did, stem, mondo_id, name in conn.execute("SELECT id, stem, mondo_id, name FROM disorders "
                                                              "ORDER BY file")]
