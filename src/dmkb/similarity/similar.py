"""Similar conditions for a KB disorder: the closest other KB disorders and HPO-annotated
diseases, with what they share and what tells them apart.

Closeness is the diagnostic score of the disorder's phenotypes (as if they were a patient's)
against each candidate; between KB disorders, each shared mechanism term (GO term, cell type,
gene) adds its information content among the KB's disorders, ``log(N / n)``, so that two
disorders driven by the same rare process rank close even when they look different.
"""

from __future__ import annotations

import difflib
import math
from collections import Counter, defaultdict

import numpy as np

from dmkb.errors import UsageError
from dmkb.similarity.candidates import KB
from dmkb.similarity.engine import Engine, top_rows
from dmkb.similarity.explain import Explainer
from dmkb.similarity.kb import KbDisorder

DIFFERENCES_LIMIT = 10
SCANNED = 5  # candidates looked at per condition listed: the best-scored that share nothing are passed over


def similar_conditions(engine: Engine, stem: str, limit: int = 10) -> dict:
    """JSON-ready similar conditions of the KB disorder in file ``stem``.yaml.

    ``{"stem", "id", "name", "same_as": [ids of HPO diseases naming the same MONDO term],
    "kb": [...], "hpo": [...]}``; each item ``{"id", "name", "score", "shared_phenotypes",
    "only_here", "only_there", "shared_mechanisms", "mechanisms_only_here",
    "mechanisms_only_there"}`` (phenotypes and terms as ``{"id", "label"}``). Only conditions that
    share a phenotype or a mechanism term with the disorder are listed.

    :raises UsageError: when the KB has no disorder ``stem``.
    """
    return Similarities(engine).of(stem, limit)


class Similarities:
    """Similar conditions of any KB disorder, with what all of them need computed once (for a whole site)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        table = engine.table
        self.rows = {d.stem: r for r, d in enumerate(table.kb) if d is not None}
        self.is_kb = np.array([kind == KB for kind in table.kinds], dtype=bool)
        self.hpo_by_mondo: dict[str, list[int]] = defaultdict(list)
        for r, mondo in enumerate(table.mondo):
            if mondo and not self.is_kb[r]:
                self.hpo_by_mondo[mondo].append(r)
        self.mechanism_ids = {r: {t.id for t in table.kb[r].mechanisms} for r in self.rows.values()}
        self.counts = Counter(term for ids in self.mechanism_ids.values() for term in ids)

    def of(self, stem: str, limit: int = 10) -> dict:
        """See :func:`similar_conditions`."""
        engine, table = self.engine, self.engine.table
        row = self._row_of(stem)
        disorder = table.kb[row]
        query = engine.query([curie for curie, _ in disorder.phenotypes], strict=False)
        ratios = [engine.scorer.likelihood_ratios(q) for q in query.observed]
        scores = engine.scorer.combine(ratios, query.observed, []) if query.observed else np.zeros(len(table))
        same = set(self.hpo_by_mondo.get(table.mondo[row], ())) if table.mondo[row] else set()
        explainer = Explainer(engine.scorer, query.observed, [], ratios)
        kb_scores = scores + self._mechanism_evidence(row)
        scanned = limit * SCANNED
        kb_rows = top_rows(np.where(self.is_kb & (np.arange(len(table)) != row), kb_scores, -np.inf), scanned)
        hpo_rows = []
        if query.observed:
            hidden = self.is_kb.copy()
            hidden[list(same)] = True
            hpo_rows = top_rows(np.where(hidden, -np.inf, scores), scanned)
        return {
            "stem": stem, "id": disorder.id, "name": disorder.name,
            "same_as": [table.ids[r] for r in sorted(same)],
            "kb": self._closest(explainer, disorder, kb_rows, kb_scores, limit),
            "hpo": self._closest(explainer, disorder, hpo_rows, scores, limit),
        }

    def _row_of(self, stem: str) -> int:
        if stem not in self.rows:
            rows = self.rows
            close = [s for s in rows if stem.lower() in s.lower()][:3] or difflib.get_close_matches(stem, list(rows), n=3)
            count = f"{len(rows)} disorder{'' if len(rows) == 1 else 's'}"
            hint = f"did you mean {' or '.join(close)}?" if close else f"the KB has {count}"
            raise UsageError(f"no disorder {stem!r} in the KB", hint)
        return self.rows[stem]

    def _mechanism_evidence(self, row: int) -> np.ndarray:
        mine = self.mechanism_ids[row]
        out = np.zeros(len(self.engine.table))
        n = len(self.rows)
        for r, ids in self.mechanism_ids.items():
            shared = mine & ids
            out[r] = sum(math.log(n / self.counts[t]) for t in shared)
        return out

    def _closest(self, explainer: Explainer, disorder: KbDisorder, rows: list[int], scores: np.ndarray,
                 limit: int) -> list[dict]:
        """The ``limit`` best-scored of ``rows`` that share something that matters with the disorder: a
        phenotype (itself, or a more or less specific form of it) or a mechanism term. A condition
        that only shares broad ancestors of phenotypes is no differential."""
        found = []
        for row in rows:
            item = _item(self.engine, explainer, disorder, row, scores[row])
            if item is not None:
                found.append(item)
                if len(found) == limit:
                    break
        return found
def _item(engine: Engine, explainer: Explainer, disorder: KbDisorder, row: int, score: float) -> dict | None:
    """What the disorder and the condition in ``row`` share and what tells them apart; ``None`` when
    they share nothing that matters."""
    table = engine.table
    why = explainer.explain(row)
    here, there = _mechanisms(disorder), _mechanisms_of(engine, row)
    if not why["matched"] and not here.keys() & there.keys():
        return None
    return {
        "id": table.ids[row], "name": table.names[row], "score": round(float(score), 3),
        "shared_phenotypes": [m["term"] for m in why["matched"]],
        "only_here": [u["term"] for u in why["unexplained"]] + [a["term"] for a in why["against"]],
        "only_there": [m["term"] for m in why["missing"]],
        "shared_mechanisms": [t for key, t in here.items() if key in there],
        "mechanisms_only_here": [t for key, t in here.items() if key not in there][:DIFFERENCES_LIMIT],
        "mechanisms_only_there": [t for key, t in there.items() if key not in here][:DIFFERENCES_LIMIT],
    }


def _mechanisms(disorder: KbDisorder) -> dict[str, dict]:
    """Mechanism terms keyed for comparison: genes by symbol (HPO diseases only name symbols)."""
    out = {}
    for term in disorder.mechanisms:
        key = f"gene:{term.label}" if term.id.startswith("HGNC:") else term.id
        out[key] = term.to_json()
    return out


def _mechanisms_of(engine: Engine, row: int) -> dict[str, dict]:
    disorder = engine.table.kb[row]
    if disorder is not None:
        return _mechanisms(disorder)
    return {f"gene:{symbol}": {"id": None, "label": symbol} for symbol in engine.table.genes[row]}
