"""Every disease the engine ranks, in one table: those HPO annotates (from the model) and the
KB's disorders, each with its phenotypes as term indices.

An Orphanet disease that MONDO names as the same disease as exactly one OMIM disease is folded
into it: the pair is one candidate under the OMIM id, scored as the better of the two, and lists
the Orphanet id under ``same_as``.
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

    def __len__(self) -> int:
        return len(self.ids)

    def annotations(self, row: int) -> slice:
        return slice(int(self.ann_ptr[row]), int(self.ann_ptr[row + 1]))

    def excluded(self, row: int) -> np.ndarray:
        return self.not_term[self.not_ptr[row]:self.not_ptr[row + 1]]

    def same_as(self) -> dict[int, list[str]]:
        """Row → ids of the rows folded into it."""
        out: dict[int, list[str]] = defaultdict(list)
        for source, target in zip(self.fold_from.tolist(), self.fold_to.tolist()):
            out[target].append(self.ids[source])
        return out


def candidates(model: Model, disorders: list[KbDisorder], resolve: Callable[[str], int | None]) -> Candidates:
    """The model's diseases followed by the KB's disorders (their phenotypes resolved to term
    indices with ``resolve``; unknown ones left out)."""
    kb_rows = [_kb_row(d, resolve) for d in disorders]
    n_model = len(model.disease_ids)
    ids = model.disease_ids + [d.id for d in disorders]
    kinds = [OMIM if i.startswith("OMIM:") else ORPHA for i in model.disease_ids] + [KB] * len(disorders)
    mondo = model.disease_mondo + [d.id if d.id.startswith("MONDO:") else "" for d in disorders]
    ann_ptr = np.concatenate([model.ann_ptr, model.ann_ptr[-1] + np.cumsum([len(r[0]) for r in kb_rows])])
    not_ptr = np.concatenate([model.not_ptr, np.full(len(disorders), model.not_ptr[-1])])
    fold_from, fold_to = _folds(kinds[:n_model], mondo[:n_model])
    return Candidates(
        ids, model.disease_names + [d.name for d in disorders], kinds, mondo,
        (model.meta.get("disease_genes") or [[]] * n_model) + [_gene_symbols(d) for d in disorders],
        [None] * n_model + list(disorders),
        ann_ptr.astype(np.int32),
        np.concatenate([model.ann_term] + [np.asarray(r[0], dtype=np.int32) for r in kb_rows]),
        np.concatenate([model.ann_freq] + [np.asarray(r[1], dtype=np.float32) for r in kb_rows]),
        np.concatenate([model.ann_patients, np.zeros(sum(len(r[0]) for r in kb_rows), dtype=np.float32)]),
        not_ptr.astype(np.int32), model.not_term, fold_from, fold_to,
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
