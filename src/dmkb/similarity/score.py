"""The score: how much more likely a patient's findings are under each disease than under a
disease drawn at random, as a sum of log likelihood ratios, one for each finding.

An observed phenotype ``q`` counts through the most telling term a disease shares with it:

- the disease has ``q`` or a more specific form of it with frequency ``f``:
  ``LR = f / bg(q)``, where ``bg(q)`` is how often a random disease has ``q`` (the same
  frequency-weighted mean over all diseases gives the information content ``-log bg``);
- otherwise the disease only has some other form of an ancestor ``a`` of ``q``:
  ``LR = sibling_factor · f(a) / bg(a)``, weak evidence that fades to nothing for general ``a``;
- a disease known not to have ``q`` (``NOT`` annotations, and features counted absent in
  every patient of a published cohort) has its ratio cut down.

An excluded phenotype speaks against a disease in proportion to how often the disease has it,
``1 - excluded_confidence · f``; but an absence is only written down when someone looked for
it, and clinicians (and the cohorts HPO's annotations come from) look for the features of the
diseases they suspect. So a disease that lists the feature at all gains first how much likelier
the feature is to be looked for when the disease is the one suspected: ``1 + looked_for / n``
for a disease with ``n`` phenotypes, as if a looked-for feature were drawn, now and then, from
the suspected disease's ``n`` phenotypes alike, otherwise from any term. A disease listing many
phenotypes lists most excluded features too, and gains less from each. Both were measured to help
on published cases, the second a great deal; a gain that shrinks with ``n`` raised new patients'
top-1 and top-10 on both cohort halves over a fixed factor of 10.

Diseases with very many phenotypes explain any finding somewhat; ``size_penalty`` takes
``log(sum of their frequencies)`` per finding from them. Frequencies counted in few patients are
pulled towards ``unknown_frequency`` (as if ``count_weight`` more patients had been seen). Each
observed finding's log ratio is scaled by ``finding_weight`` (left at 1: tuned on new patients
of one cohort half, values of 0.6-0.75 raised top-1 on the other half but not top-10).

A causal gene, when given, multiplies the ratio of each disease linked to it by
``gene_confidence · N / n``: ``N`` diseases, ``n`` of them linked to the gene (the gene may
still be wrong, so phenotypes that fit far better elsewhere can outweigh it).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from dmkb.similarity.candidates import Candidates
from dmkb.similarity.model import Model


@dataclass(frozen=True)
class Params:
    """The model's few constants, tuned on development cases whose publication no annotation cites
    (see benchmarks/diagnose.py)."""

    unknown_frequency: float = 0.2
    count_weight: float = 10.0
    sibling_factor: float = 0.1
    floor: float = 1e-4
    looked_for: float = 1200.0
    excluded_confidence: float = 0.9
    absent_in_cohort: float = 0.2
    known_absent: float = 0.05
    size_penalty: float = 0.6
    background_pseudocount: float = 1.0
    finding_weight: float = 1.0
    gene_confidence: float = 0.9


class _Columns:
    """A term-major sparse matrix: for term ``t``, rows ``rows[ptr[t]:ptr[t+1]]`` with ``values``."""

    def __init__(self, ptr: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
        self.ptr, self.rows, self.values = ptr, rows, values

    @classmethod
    def of(cls, terms: np.ndarray, rows: np.ndarray, values: np.ndarray, n_terms: int) -> _Columns:
        order = np.lexsort((rows, terms))
        ptr = np.concatenate([[0], np.cumsum(np.bincount(terms, minlength=n_terms))]).astype(np.int64)
        return cls(ptr, rows[order].astype(np.int32), values[order])

    def column(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        start, stop = self.ptr[term], self.ptr[term + 1]
        return self.rows[start:stop], self.values[start:stop]

    def columns(self, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The columns of ``terms`` one after another: rows, values, and the index in ``terms`` of each one's term."""
        starts, stops = self.ptr[terms], self.ptr[terms + 1]
        counts = stops - starts
        at = np.arange(counts.sum()) + np.repeat(starts + counts - np.cumsum(counts), counts)
        return self.rows[at], self.values[at], np.repeat(np.arange(len(terms)), counts)

    def followed_by(self, later: _Columns) -> _Columns:
        """Both matrices in one, each term's rows here before its rows in ``later`` (which must all
        be higher), as :meth:`of` would give for their entries together."""
        n_terms = len(self.ptr) - 1
        at_here = np.arange(len(self.rows)) + later.ptr[np.repeat(np.arange(n_terms), np.diff(self.ptr))]
        at_later = np.arange(len(later.rows)) + self.ptr[np.repeat(np.arange(1, n_terms + 1), np.diff(later.ptr))]
        rows = np.empty(len(at_here) + len(at_later), dtype=np.int32)
        values = np.empty(len(rows), dtype=np.result_type(self.values, later.values))
        rows[at_here], rows[at_later] = self.rows, later.rows
        values[at_here], values[at_later] = self.values, later.values
        return _Columns(self.ptr + later.ptr, rows, values)


@dataclass(frozen=True, eq=False)
class Prepared:
    """What the scorer derives from HPO's diseases alone, the same for every KB (so it can be kept,
    see :mod:`dmkb.similarity.prepared`): how often a random disease has each term (its
    ``background``), and the diseases' annotations carried up to every ancestor, as ratios to it."""

    background: np.ndarray
    implied: _Columns

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays, by name, to be saved (see :meth:`from_arrays`)."""
        implied = self.implied
        return {"background": self.background, "ptr": implied.ptr, "rows": implied.rows, "values": implied.values}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> Prepared:
        return cls(arrays["background"], _Columns(arrays["ptr"], arrays["rows"], arrays["values"]))


def prepare(model: Model, table: Candidates, params: Params) -> Prepared:
    """The :class:`Prepared` arrays of the HPO diseases of ``table`` (its first rows)."""
    n_model = len(model.disease_ids)
    freq, absent = Scorer._frequencies(table, params)
    end = int(table.ann_ptr[n_model])
    present = ~absent[:end]
    rows = np.repeat(np.arange(n_model, dtype=np.int32), np.diff(table.ann_ptr[:n_model + 1]))
    up_terms, up_rows, up_freq = _propagate(model, table.ann_term[:end][present], rows[present], freq[:end][present])
    n_terms, pseudo = len(model.term_ids), params.background_pseudocount
    mass = np.bincount(up_terms, weights=up_freq, minlength=n_terms)
    background = (mass + pseudo) / (n_model + pseudo)
    return Prepared(background, _Columns.of(up_terms, up_rows, up_freq / background[up_terms], n_terms))


class Scorer:
    """Precomputed arrays for ranking every candidate at once. Read-only after construction,
    so one scorer serves many threads."""

    def __init__(self, model: Model, table: Candidates, params: Params | None = None,
                 prepared: Prepared | None = None) -> None:
        """:param prepared: :func:`prepare` of this model and params, when it was kept."""
        params = params or Params()
        self.model, self.table, self.params = model, table, params
        n_terms, n_rows, n_model = len(model.term_ids), len(table), len(model.disease_ids)
        rows = np.repeat(np.arange(n_rows, dtype=np.int32), np.diff(table.ann_ptr))
        freq, absent = self._frequencies(table, params)
        present = ~absent
        self.frequency = freq  # per annotation, as scored
        self.direct = _Columns.of(table.ann_term[present], rows[present], freq[present], n_terms)
        self.absent = _Columns.of(table.ann_term[absent], rows[absent], freq[absent], n_terms)
        not_rows = np.repeat(np.arange(n_rows, dtype=np.int32), np.diff(table.not_ptr))
        self.known_absent = _Columns.of(table.not_term, not_rows, np.ones(len(not_rows)), n_terms)
        # the background is HPO's diseases alone: a KB's disorders never change their scores
        self.prepared = prepared = prepared or prepare(model, table, params)
        self.background = prepared.background
        kb = present & (rows >= n_model)
        up_terms, up_rows, up_freq = _propagate(model, table.ann_term[kb], rows[kb], freq[kb])
        self.implied = prepared.implied.followed_by(
            _Columns.of(up_terms, up_rows, up_freq / self.background[up_terms], n_terms))
        size = np.bincount(rows[present], weights=freq[present], minlength=n_rows)
        self.log_size = np.log1p(size)
        self.relevance = 1 + params.looked_for / np.maximum(np.diff(table.ann_ptr), 1)  # of an excluded feature
        self.gene_rows = _gene_rows(table.genes)
        self.gene_ratio = {symbol: params.gene_confidence * len(model.disease_ids) / len(found)
                           for symbol, found in self.gene_rows.items()}

    @staticmethod
    def _frequencies(table: Candidates, params: Params) -> tuple[np.ndarray, np.ndarray]:
        """Each annotation's frequency as scored, and whether it says "absent in all patients"."""
        raw = table.ann_freq.astype(np.float64)
        patients = table.ann_patients.astype(np.float64)
        absent = raw == 0
        prior, weight = params.unknown_frequency, params.count_weight
        freq = np.where(np.isnan(raw), prior, raw)
        freq = np.where(patients > 0, (freq * patients + prior * weight) / (patients + weight), freq)
        return np.clip(freq, 1e-3, 1.0), absent

    def score(self, observed: list[int], excluded: list[int] = (), weights: list[float] | None = None,
              genes: Sequence[str] = ()) -> np.ndarray:
        """The score of every candidate (folded rows get ``-inf``)."""
        return self.combine([self.likelihood_ratios(q) for q in observed], observed, excluded, weights, genes)

    def combine(self, ratios: list[np.ndarray], observed: list[int], excluded: list[int],
                weights: list[float] | None = None, genes: Sequence[str] = ()) -> np.ndarray:
        """Scores from the ratios of the observed terms (:meth:`likelihood_ratios`), the
        excluded terms and the causal genes given (symbols); ``weights`` scale each observed
        term's evidence (default 1)."""
        p = self.params
        weights = list(weights) if weights is not None else [1.0] * len(observed)
        total = np.zeros(len(self.table))
        for ratio, weight in zip(ratios, weights):
            total += p.finding_weight * weight * np.log(ratio)
        total -= p.size_penalty * sum(weights) * self.log_size
        total += self.gene_evidence(genes)
        for term in excluded:
            rows, freq = self.direct.column(term)
            total[rows] += np.log(self.relevance[rows] * (1 - p.excluded_confidence * freq))
            rows, _ = self.absent.column(term)
            total[rows] += np.log(self.relevance[rows])
        return self._fold(total)

    def gene_evidence(self, genes: Sequence[str]) -> np.ndarray:
        """The log ratio of every candidate for the genes given: the best of the genes it is
        linked to (0 for the others)."""
        out = np.zeros(len(self.table))
        for symbol in genes:
            rows = self.gene_rows.get(symbol)
            if rows is not None:
                out[rows] = np.maximum(out[rows], np.log(self.gene_ratio[symbol]))
        return out

    def likelihood_ratios(self, term: int) -> np.ndarray:
        """For one observed term, the likelihood ratio of every candidate."""
        p = self.params
        best = np.full(len(self.table), p.floor)
        ancestors = self.model.ancestors(term)
        rows, ratio, which = self.implied.columns(ancestors)
        factor = np.where(ancestors == term, 1.0, p.sibling_factor)[which]
        np.maximum.at(best, rows, factor * ratio)  # each row's best ratio through any ancestor
        rows, _ = self.absent.column(term)
        best[rows] = np.minimum(best[rows], p.absent_in_cohort)
        for ancestor in ancestors:
            rows, _ = self.known_absent.column(ancestor)
            best[rows] *= p.known_absent
        return best

    def _fold(self, total: np.ndarray) -> np.ndarray:
        table = self.table
        if len(table.fold_from):
            np.maximum.at(total, table.fold_to, total[table.fold_from])
            total[table.fold_from] = -np.inf
        return total


def _gene_rows(genes: list[list[str]]) -> dict[str, np.ndarray]:
    """Gene symbol → the rows of the candidates linked to it."""
    found: dict[str, list[int]] = {}
    for row, symbols in enumerate(genes):
        for symbol in symbols:
            found.setdefault(symbol, []).append(row)
    return {symbol: np.array(rows, dtype=np.int64) for symbol, rows in found.items()}


_CHUNK = 20_000  # annotations carried up at once (rows never split): bounds the memory it takes


def _propagate(model: Model, terms: np.ndarray, rows: np.ndarray, freq: np.ndarray):
    """Annotations carried up to every ancestor: (term, row, frequency), one per pair, keeping
    the highest frequency of the annotations below the term; by term, then row. ``rows`` ascend."""
    width = int(rows.max(initial=0)) + 1
    bounds = [0]
    while bounds[-1] < len(rows):  # whole rows in each chunk, so that a pair never spans two
        bounds.append(int(np.searchsorted(rows, rows[min(bounds[-1] + _CHUNK, len(rows) - 1)], side="right")))
    parts = [_propagate_chunk(model, terms[a:b], rows[a:b], freq[a:b], width) for a, b in itertools.pairwise(bounds)]
    if not parts:
        return terms[:0], rows[:0], freq[:0]
    up_terms, up_rows, up_freq = (np.concatenate(column) for column in zip(*parts))
    order = np.argsort(up_terms.astype(np.int64) * width + up_rows)
    return up_terms[order], up_rows[order], up_freq[order]


def _propagate_chunk(model: Model, terms: np.ndarray, rows: np.ndarray, freq: np.ndarray, width: int):
    counts = np.diff(model.anc_ptr)[terms]
    entry = np.repeat(np.arange(len(terms)), counts)
    offset = np.arange(len(entry)) - np.repeat(np.cumsum(counts) - counts, counts)
    up_terms = model.anc_idx[model.anc_ptr[terms][entry] + offset]
    key = up_terms.astype(np.int64) * width + rows[entry]
    order = np.lexsort((-freq[entry], key))
    key, entry, up_terms = key[order], entry[order], up_terms[order]
    first = np.concatenate([[True], key[1:] != key[:-1]])
    return up_terms[first], rows[entry[first]], freq[entry[first]]
