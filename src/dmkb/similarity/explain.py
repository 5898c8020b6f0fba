"""Why a candidate ranks where it does: which findings it explains and through which terms,
which it does not, its frequent features the patient lacks, and what speaks against it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dmkb.similarity.score import Scorer

MISSING_LIMIT = 10
MISSING_FROM = 0.3  # features at least this frequent count as expected


@dataclass(frozen=True)
class _Profile:
    """One candidate's annotations, as the explanation needs them."""

    present: dict[int, float]  # term → frequency as scored
    published: dict[int, float]  # term → frequency as written (NaN: unknown)
    absent: set[int]  # counted absent in every patient of a cohort
    nots: set[int]  # NOT annotations: the disease does not have it
    up: dict[int, set[int]]  # present term → its ancestors

    def frequency(self, term: int) -> float | None:
        value = self.published.get(term, np.nan)
        return None if np.isnan(value) else _round(value)


class Explainer:
    """Explanations for the candidates of one query, reusing the ratios computed to rank them."""

    def __init__(self, scorer: Scorer, observed: list[int], excluded: list[int], ratios: list[np.ndarray],
                 genes: list[str] = ()) -> None:
        self.scorer, self.model = scorer, scorer.model
        self.observed, self.excluded, self.ratios, self.genes = observed, excluded, ratios, list(genes)
        self.covered = {a for q in observed for a in self.model.ancestors(q).tolist()}

    def term(self, index: int) -> dict:
        return {"id": f"HP:{int(self.model.term_ids[index]):07d}", "label": self.model.term_names[index]}

    def explain(self, row: int) -> dict:
        profile = self._profile(row)
        out: dict[str, list] = {"matched": [], "related": [], "unexplained": [], "missing": [], "against": [],
                                "looked_for": []}
        for i, q in enumerate(self.observed):
            self._observed(out, q, float(self.ratios[i][row]), profile)
        relevance = float(self.scorer.relevance[row])
        for e in self.excluded:
            self._excluded(out, e, profile, relevance)
        out["missing"] = self._missing(profile)
        if self.genes:  # only when genes were given, so that the phenotype-only shape stays as it was
            linked = set(self.scorer.table.genes[row])
            out["genes"] = [g for g in self.genes if g in linked]
        return out

    def _profile(self, row: int) -> _Profile:
        table = self.scorer.table
        span = table.annotations(row)
        terms = table.ann_term[span].tolist()
        raw = table.ann_freq[span].tolist()
        present = {t: f for t, f, r in zip(terms, self.scorer.frequency[span].tolist(), raw) if r != 0}
        return _Profile(present, dict(zip(terms, raw)), {t for t, r in zip(terms, raw) if r == 0},
                        set(table.excluded(row).tolist()), {t: set(self.model.ancestors(t).tolist()) for t in present})

    def _observed(self, out: dict, q: int, ratio: float, profile: _Profile) -> None:
        ancestors = self.model.ancestors(q).tolist()
        known_absent = [t for t in ancestors if t in profile.nots] or ([q] if q in profile.absent else [])
        if known_absent:
            out["against"].append({"term": self.term(q), "disease_term": self.term(known_absent[0]),
                                   "reason": "observed, but the disease is known not to have it",
                                   "ratio": _round(ratio)})
            return
        match = _best_match(q, ancestors, profile, self.scorer.background)
        # the disease has the term itself (in some form): explained, however common the term;
        # sharing only an ancestor explains it only when that counts for the disease
        if match is None or (match[2] == "common ancestor" and ratio <= 1):
            nearest = {"nearest": self.term(match[1])} if match else {}
            out["unexplained"].append({"term": self.term(q), **nearest, "ratio": _round(ratio)})
            return
        disease_term, via, relation = match
        if relation == "common ancestor":  # a relative of the finding, not the finding: no frequency of its own
            out["related"].append({"term": self.term(q), "disease_term": self.term(disease_term),
                                   "via": self.term(via), "ratio": _round(ratio)})
            return
        out["matched"].append({"term": self.term(q), "disease_term": self.term(disease_term), "via": self.term(via),
                               "relation": relation, "frequency": profile.frequency(disease_term),
                               "ratio": _round(ratio)})

    def _excluded(self, out: dict, e: int, profile: _Profile, relevance: float) -> None:
        """Excluded terms the disease lists. Each gains ``relevance`` (someone looked for it, as one
        would if the disease were suspected) and loses ``1 - excluded_confidence * frequency`` (it is
        absent; see :mod:`.score`): listed under ``against`` when the product is below 1, else under
        ``looked_for`` (the exclusion raised the disease), with the published frequency."""
        p = self.scorer.params
        if e in profile.absent:
            out["looked_for"].append({"term": self.term(e), "frequency": 0.0, "ratio": _round(relevance)})
        if e not in profile.present:
            return
        ratio = relevance * (1 - p.excluded_confidence * profile.present[e])
        entry = {"term": self.term(e), "frequency": profile.frequency(e), "ratio": _round(ratio)}
        if ratio < 1:
            out["against"].append({**entry, "reason": "excluded, though the disease often has it"})
        else:
            out["looked_for"].append(entry)

    def _missing(self, profile: _Profile) -> list[dict]:
        """Features of known frequency ≥ 30% that the patient neither has (in any form) nor excludes."""
        expected = []
        for t, f in profile.present.items():
            published = profile.published[t]
            if np.isnan(published) or published < MISSING_FROM or t in self.covered:
                continue
            if any(q in profile.up[t] for q in self.observed) or any(e in profile.up[t] for e in self.excluded):
                continue  # the patient has a vaguer form of it, or it was looked for and is absent
            expected.append((-f, float(self.scorer.background[t]), t))
        return [{"term": self.term(t), "frequency": profile.frequency(t)} for _, _, t in sorted(expected)[:MISSING_LIMIT]]


def _best_match(q: int, ancestors: list[int], profile: _Profile, background: np.ndarray):
    """(disease term, the term it shares with ``q``, relation) for the most telling link, or None."""
    present, up = profile.present, profile.up
    if q in present:
        return q, q, "exact"
    below = [t for t in present if q in up[t]]
    if below:
        return max(below, key=lambda t: present[t]), q, "more specific in the disease"
    best = None
    for a in ancestors:
        if a == q:
            continue
        holders = [t for t in present if a in up[t]]
        if holders:
            t = max(holders, key=lambda t: present[t])
            value = present[t] / background[a]
            if best is None or value > best[0]:
                relation = "less specific in the disease" if t == a else "common ancestor"
                best = (value, t, a, relation)
    return best[1:] if best else None


def _round(value: float) -> float:
    return round(float(value), 3)
