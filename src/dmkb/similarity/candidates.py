"""Every disease the engine ranks, in one table: those HPO annotates (from the model) and the
KB's disorders, each with its phenotypes as term indices.

An Orphanet disease that MONDO names as the same disease as exactly one OMIM disease is folded
into it: the pair is one candidate under the OMIM id, and lists the Orphanet id under ``same_as``.
The OMIM row's phenotypes are the union of both records (the OMIM record's frequency first, the
Orphanet one where the OMIM record gives none), since a patient may show features that only one
of them lists; the candidate scores as the better of that union and the Orphanet record alone.
On new patients (benchmarks/diagnose.py) the union raised top-1 and top-10 on both cohort
halves, by 0.2 to 2.3 points.
An Orphanet disease whose OMIM twin no annotation covers lists that OMIM id under ``same_as``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dmkb.similarity.kb import KbDisorder
from dmkb.similarity.model import Model

OMIM, ORPHA, KB = "OMIM", "ORPHA", "KB"


@dataclass(frozen=True, eq=False)
class Candidates:
    """Rows are candidates; the annotation arrays are CSR by row (see :class:`Model`)."""

    ids: list[str]
    names: list[str]
    kinds: list[str]  # OMIM, ORPHA or KB
    mondo: list[str]
    genes: list[list[str]]  # gene symbols
    kb: list[KbDisorder | None]
    ann_ptr: np.ndarray
    ann_term: np.ndarray
    ann_freq: np.ndarray
    ann_patients: np.ndarray
    not_ptr: np.ndarray
    not_term: np.ndarray
    fold_from: np.ndarray  # rows folded into fold_to (same length)
    fold_to: np.ndarray
    unannotated_twins: dict[int, str]  # row → the OMIM id of the same disease that is no candidate

    def __len__(self) -> int:
        return len(self.ids)

    def annotations(self, row: int) -> slice:
        return slice(int(self.ann_ptr[row]), int(self.ann_ptr[row + 1]))

    def excluded(self, row: int) -> np.ndarray:
        return self.not_term[self.not_ptr[row]:self.not_ptr[row + 1]]

    def same_as(self) -> dict[int, list[str]]:
        """Row → ids of the same disease: the rows folded into it, or its unannotated OMIM twin."""
        out: dict[int, list[str]] = defaultdict(list)
        for source, target in zip(self.fold_from.tolist(), self.fold_to.tolist()):
            out[target].append(self.ids[source])
        for row, twin in self.unannotated_twins.items():
            out[row].append(twin)
        return out


def candidates(model: Model, disorders: list[KbDisorder], resolve: Callable[[str], int | None]) -> Candidates:
    """The model's diseases followed by the KB's disorders (their phenotypes resolved to term
    indices with ``resolve``; unknown ones left out)."""
    kb_rows = [_kb_row(d, resolve) for d in disorders]
    n_model = len(model.disease_ids)
    ids = model.disease_ids + [d.id for d in disorders]
    kinds = [OMIM if i.startswith("OMIM:") else ORPHA for i in model.disease_ids] + [KB] * len(disorders)
    mondo = model.disease_mondo + [d.id if d.id.startswith("MONDO:") else "" for d in disorders]
    fold_from, fold_to = _folds(kinds[:n_model], mondo[:n_model])
    ann_ptr, ann_term, ann_freq, ann_patients, not_ptr, not_term = _merge_twins(model, fold_from, fold_to)
    ann_ptr = np.concatenate([ann_ptr, ann_ptr[-1] + np.cumsum([len(r[0]) for r in kb_rows])])
    not_ptr = np.concatenate([not_ptr, np.full(len(disorders), not_ptr[-1])])
    return Candidates(
        ids, model.disease_names + [d.name for d in disorders], kinds, mondo,
        (model.meta.get("disease_genes") or [[]] * n_model) + [_gene_symbols(d) for d in disorders],
        [None] * n_model + list(disorders),
        ann_ptr.astype(np.int32),
        np.concatenate([ann_term] + [np.asarray(r[0], dtype=np.int32) for r in kb_rows]),
        np.concatenate([ann_freq] + [np.asarray(r[1], dtype=np.float32) for r in kb_rows]),
        np.concatenate([ann_patients, np.zeros(sum(len(r[0]) for r in kb_rows), dtype=np.float32)]),
        not_ptr.astype(np.int32), not_term, fold_from, fold_to, _unannotated_twins(model),
    )


def _gene_symbols(disorder: KbDisorder) -> list[str]:
    return sorted({t.label for t in disorder.mechanisms if t.id.startswith("HGNC:")})


def _kb_row(disorder: KbDisorder, resolve) -> tuple[list[int], list[float]]:
    """A disorder's phenotypes as sorted term indices and their frequencies (NaN: unknown)."""
    found: dict[int, float] = {}
    for curie, frequency in disorder.phenotypes:
        index = resolve(curie)
        if index is not None:
            found.setdefault(index, frequency.value if frequency else np.nan)
    order = sorted(found)
    return order, [found[i] for i in order]


def _folds(kinds: list[str], mondo: list[str]) -> tuple[np.ndarray, np.ndarray]:
    groups: dict[str, list[int]] = defaultdict(list)
    for row, mondo_id in enumerate(mondo):
        if mondo_id:
            groups[mondo_id].append(row)
    pairs = []
    for rows in groups.values():
        omim = [r for r in rows if kinds[r] == OMIM]
        if len(omim) == 1:
            pairs += [(r, omim[0]) for r in rows if kinds[r] == ORPHA]
    return (np.array([p[0] for p in pairs], dtype=np.int64), np.array([p[1] for p in pairs], dtype=np.int64))


def _unannotated_twins(model: Model) -> dict[int, str]:
    known = set(model.disease_ids)
    return {row: twin for row, twin in enumerate(model.meta["disease_omim_twin"]) if twin and twin not in known}


def _merge_twins(model: Model, fold_from: np.ndarray, fold_to: np.ndarray) -> tuple[np.ndarray, ...]:
    """The model's annotation arrays (CSR by disease) with the phenotypes and NOT annotations of
    each folded Orphanet record added to its OMIM twin: a term both list keeps the OMIM record's
    frequency unless only the Orphanet one gives a frequency; a NOT annotation of either is
    dropped when the union lists the term."""
    n = len(model.disease_ids)
    counts = np.diff(model.ann_ptr)
    own_rows = np.repeat(np.arange(n), counts)
    donor_of = np.full(n, -1)
    donor_of[fold_from] = fold_to
    given = np.flatnonzero(donor_of[own_rows] >= 0)  # entries of folded Orphanet records
    rows = np.concatenate([own_rows, donor_of[own_rows[given]]])
    terms = np.concatenate([model.ann_term, model.ann_term[given]])
    freq = np.concatenate([model.ann_freq, model.ann_freq[given]])
    patients = np.concatenate([model.ann_patients, model.ann_patients[given]])
    n_terms = len(model.term_ids)
    pair = rows.astype(np.int64) * n_terms + terms
    # the preferred entry of each (row, term): known before unknown frequency, own before given
    rank = 2 * np.isnan(freq) + (np.arange(len(pair)) >= len(own_rows))
    order = np.argsort(pair * 4 + rank, kind="stable")
    pair = pair[order]
    first = np.concatenate([[True], pair[1:] != pair[:-1]])
    keep, pair = order[first], pair[first]
    ann_ptr = np.concatenate([[0], np.cumsum(np.bincount(pair // n_terms, minlength=n))])

    not_own = np.repeat(np.arange(n), np.diff(model.not_ptr))
    not_given = np.flatnonzero(donor_of[not_own] >= 0)
    not_pair = np.unique(np.concatenate([not_own, donor_of[not_own[not_given]]]).astype(np.int64) * n_terms
                         + np.concatenate([model.not_term, model.not_term[not_given]]))
    not_pair = not_pair[~np.isin(not_pair, pair, assume_unique=True)]
    not_ptr = np.concatenate([[0], np.cumsum(np.bincount(not_pair // n_terms, minlength=n))])
    return (ann_ptr, (pair % n_terms).astype(np.int32), freq[keep].astype(np.float32),
            patients[keep].astype(np.float32), not_ptr, (not_pair % n_terms).astype(np.int32))
