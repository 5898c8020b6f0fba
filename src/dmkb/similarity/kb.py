"""KB disorders as candidates: each entry's disease term, phenotypes (with their frequency
when the entry gives one) and the mechanism terms it mentions anywhere (GO processes, CL cell
types, HGNC genes)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dmkb.checks.walk import items, term_references, text
from dmkb.errors import LoadError
from dmkb.load.kb import open_kb
from dmkb.similarity.frequency import Frequency, parse_frequency

MECHANISM_PREFIXES = {"GO": "process", "CL": "cell type", "HGNC": "gene"}


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
    phenotypes: tuple[tuple[str, Frequency | None], ...]  # HP ids as written, in entry order
    mechanisms: tuple[Term, ...]  # GO, CL and HGNC terms, first mention first, ids upper-cased


def read_kb_disorders(root: Path) -> list[KbDisorder]:
    """The disorders of the KB at ``root``; entries that cannot be parsed are skipped (``dmkb
    validate`` reports them). :raises DmkbError: when ``root`` is not a KB."""
    kb = open_kb([root])
    out = []
    for path in kb.layout.disorder_files:
        try:
            data = kb.read_disorder(path).doc.data
        except LoadError:
            continue  # a FIFO, a folder, an oversized file: `dmkb validate` reports it
        if isinstance(data, dict):
            out.append(_disorder(path.stem, data))
    return out


def _disorder(stem: str, data: dict) -> KbDisorder:
    disease = data.get("disease_term")
    term = disease.get("term") if isinstance(disease, dict) else None
    term_id = text(term.get("id")) if isinstance(term, dict) else None
    name = text(data.get("name")) or stem.replace("_", " ")
    return KbDisorder(stem, term_id or f"KB:{stem}", name, _phenotypes(data), _mechanisms(data))


def _phenotypes(data: dict) -> tuple[tuple[str, Frequency | None], ...]:
    out = {}
    for _, phenotype in items(data.get("phenotypes")):
        holder = phenotype.get("phenotype_term")
        term = holder.get("term") if isinstance(holder, dict) else None
        term_id = text(term.get("id")) if isinstance(term, dict) else None
        if term_id and term_id.upper().startswith("HP:"):
            out.setdefault(term_id.upper(), parse_frequency(phenotype.get("frequency")))
    return tuple(out.items())


def _mechanisms(data: dict) -> tuple[Term, ...]:
    out: dict[str, Term] = {}
    for _, term in term_references(data):
        term_id = text(term.get("id"))
        prefix = term_id.partition(":")[0].upper() if term_id else ""
        if prefix in MECHANISM_PREFIXES:
            curie = f"{prefix}:{term_id.partition(':')[2]}"
            out.setdefault(curie, Term(curie, text(term.get("label")) or curie))
    return tuple(out.values())
