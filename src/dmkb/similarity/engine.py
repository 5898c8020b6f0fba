"""The engine: load once, then rank every disease for a patient's phenotypes, from any thread.

::

    engine = Engine.load(kb_db)                           # < 3 s; builds the model once (~5 s)
    engine.diagnose(["HP:0001166", "HP:0001083"], excluded=["HP:0000501"], limit=10)
    # → [{"id": "OMIM:154700", "name": "Marfan syndrome", "score": 12.3, "explanation": {…}}, …]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dmkb.errors import DmkbError
from dmkb.similarity.build import build_model
from dmkb.similarity.candidates import Candidates, candidates
from dmkb.similarity.explain import Explainer
from dmkb.similarity.genes import gene_symbols
from dmkb.similarity.kb import KbDisorder, read_kb_disorders
from dmkb.similarity.model import PHENOTYPIC_ABNORMALITY, Model, load_cached, model_path
from dmkb.similarity.prepared import load_prepared
from dmkb.similarity.score import Params, Prepared, Scorer
from dmkb.similarity.sources import find_inputs

_HPO_ID = re.compile(r"^\s*HP[:_](\d{7})\s*$", re.IGNORECASE)


class UnknownTermError(DmkbError):
    """Query ids that are not HPO terms of this release."""

    def __init__(self, unknown: Sequence[str], release: str) -> None:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        super().__init__(f"not HPO terms of release {release}: {shown}",
                         "give phenotypes as HP:0000000 ids; `dmkb terms search WORDS --prefix HP` finds them")
        self.unknown = list(unknown)


class ContradictoryTermsError(DmkbError):
    """Query ids given both as observed and as excluded."""

    def __init__(self, both: Sequence[str]) -> None:
        super().__init__(f"given both as observed and as excluded: {', '.join(both)}",
                         "a phenotype is either observed or excluded: remove it from one of the two")


class NotPhenotypeError(DmkbError):
    """Query terms outside Phenotypic abnormality (modes of inheritance, onsets, frequencies …)."""

    def __init__(self, terms: Sequence[dict]) -> None:
        shown = ", ".join(f"{t['id']} {t['label']}" for t in terms)
        super().__init__(f"not a phenotypic abnormality (not under HP:{PHENOTYPIC_ABNORMALITY:07d}): {shown}",
                         "give phenotypes only: inheritance, onset and other modifiers are not scored")


@dataclass(frozen=True)
class Query:
    """Phenotypes as term indices, the ids that could not be resolved, the excluded ids that are
    also observed (they count as observed), the causal genes given (approved symbols), and the
    terms left out for not being phenotypic abnormalities (inheritance, onset …)."""

    observed: list[int]
    excluded: list[int]
    unknown: list[str] = field(default_factory=list)
    contradictory: list[str] = field(default_factory=list)
    genes: list[str] = field(default_factory=list)
    not_phenotypes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str
    score: float
    kind: str  # OMIM, ORPHA or KB
    same_as: list[str]
    explanation: dict | None = None

    def to_json(self, explanation: bool = True) -> dict:
        out = {"id": self.id, "name": self.name, "score": round(self.score, 3)}
        if explanation and self.explanation is not None:
            out["explanation"] = {"same_as": self.same_as, **self.explanation} if self.same_as else self.explanation
        return out


class Engine:
    """A loaded model, the KB's disorders and the scorer. Immutable after loading: ``rank`` and
    ``diagnose`` may be called from many threads at once."""

    def __init__(self, model: Model, disorders: Sequence[KbDisorder] = (), params: Params | None = None,
                 prepared: Prepared | None = None) -> None:
        """:param prepared: what the scorer derives from ``model`` alone, when it was kept."""
        self.model = model
        self._index = {int(n): i for i, n in enumerate(model.term_ids)}
        self._replaced = {int(k): int(v) for k, v in model.meta["replaced"].items()}
        self.disorders = list(disorders)
        self.table: Candidates = candidates(model, self.disorders, self.resolve)
        self.scorer = Scorer(model, self.table, params or Params(), prepared)
        self._same_as = self.table.same_as()
        self._phenotypes = _phenotype_terms(model)

    @classmethod
    def load(cls, kb_db: Path | None = None, *, params: Params | None = None,
             on_build: Callable[[], None] | None = None) -> Engine:
        """The engine with the saved model (built first when missing or out of date; ``on_build``
        is called before that) and the disorders of the compiled KB ``kb_db`` (a ``kb.sqlite``), if given."""
        model, params = load_model(on_build), params or Params()
        return cls(model, read_kb_disorders(kb_db) if kb_db else [], params, load_prepared(model, params))

    def with_kb(self, kb_db: Path | None) -> Engine:
        """A new engine on the same model with the disorders of the compiled KB ``kb_db`` (for a
        server whose KB changed; well under a second). This engine is left as it was."""
        return Engine(self.model, read_kb_disorders(kb_db) if kb_db else [], self.scorer.params,
                      self.scorer.prepared)

    @property
    def release(self) -> str:
        return self.model.meta["hpo_release"]

    def info(self) -> dict:
        kinds = self.table.kinds
        return {"hpo_release": self.release, "annotation_frequencies": self.model.meta["hpoa_release"] or None,
                "diseases": {k: kinds.count(k) for k in ("OMIM", "ORPHA", "KB")},
                "folded": len(self.table.fold_from)}

    def resolve(self, curie: str) -> int | None:
        """The index of an HPO term (obsolete and merged ids lead to the current term)."""
        match = _HPO_ID.match(curie)
        number = int(match[1]) if match else None
        for _ in range(5):  # replacements may chain
            if number is None or number in self._index:
                break
            number = self._replaced.get(number)
        return self._index.get(number) if number is not None else None

    def query(self, observed: Sequence[str], excluded: Sequence[str] = (), *, strict: bool = True,
              genes: Sequence[str] = ()) -> Query:
        """Resolve ids and genes (symbols or HGNC ids); an id both observed and excluded counts as
        observed when not ``strict``.

        :raises UnknownTermError: when ``strict`` and an id is not a current or obsolete HPO term.
        :raises ContradictoryTermsError: when ``strict`` and a term is both observed and excluded.
        :raises NotPhenotypeError: when ``strict`` and a term is not under Phenotypic abnormality.
        :raises UnknownGeneError: when a gene is neither a symbol nor an HGNC id.
        """
        unknown: list[str] = []
        seen: dict[int, None] = {}
        for curie in observed:
            self._add(curie, seen, unknown)
        out: dict[int, None] = {}
        for curie in excluded:
            self._add(curie, out, unknown)
        if unknown and strict:
            raise UnknownTermError(unknown, self.release)
        both = [curie for curie in excluded if self.resolve(curie) in seen]
        if both and strict:
            raise ContradictoryTermsError(both)
        outside = [t for t in [*seen, *out] if t not in self._phenotypes]
        if outside and strict:
            raise NotPhenotypeError([self.term(t) for t in outside])
        symbols = gene_symbols(genes, set(self.scorer.gene_rows)) if genes else []
        observed = [t for t in seen if t in self._phenotypes]
        excluded = [t for t in out if t not in seen and t in self._phenotypes]
        return Query(observed, excluded, unknown, both, symbols, [self.term(t)["id"] for t in outside])

    def linked_to(self, gene: str) -> int:
        """How many candidates the annotations (and the KB) link to this approved symbol."""
        rows = self.scorer.gene_rows.get(gene)
        return 0 if rows is None else len(rows)

    def _add(self, curie: str, into: dict[int, None], unknown: list[str]) -> None:
        index = self.resolve(curie)
        if index is None:
            unknown.append(curie)
        else:
            into[index] = None

    def scores(self, query: Query) -> np.ndarray:
        """The score of every row of :attr:`table` (``-inf`` for rows folded into others)."""
        return self.scorer.score(query.observed, query.excluded, genes=query.genes)

    def rank(self, query: Query, limit: int = 20, *, explain: bool = True) -> list[Candidate]:
        """The best ``limit`` candidates, highest score first (ties in a fixed order)."""
        ratios = [self.scorer.likelihood_ratios(q) for q in query.observed]
        scores = self.scorer.combine(ratios, query.observed, query.excluded, genes=query.genes)
        top = top_rows(scores, limit)
        explainer = Explainer(self.scorer, query.observed, query.excluded, ratios, query.genes) if explain else None
        return [self._candidate(int(row), float(scores[row]), explainer) for row in top]

    def diagnose(self, observed: Sequence[str], excluded: Sequence[str] = (), limit: int = 20,
                 genes: Sequence[str] = ()) -> list[dict]:
        """JSON-ready ranking with explanations.

        :raises UnknownTermError: on unknown ids. :raises UnknownGeneError: on unknown genes."""
        return [c.to_json() for c in self.rank(self.query(observed, excluded, genes=genes), limit)]

    def _candidate(self, row: int, score: float, explainer: Explainer | None) -> Candidate:
        table = self.table
        return Candidate(table.ids[row], table.names[row], score, table.kinds[row], self._same_as.get(row, []),
                         explainer.explain(row) if explainer else None)

    def term(self, index: int) -> dict:
        return {"id": f"HP:{int(self.model.term_ids[index]):07d}", "label": self.model.term_names[index]}


def _phenotype_terms(model: Model) -> frozenset[int]:
    """The indices of the terms under Phenotypic abnormality (all, when the model lacks it)."""
    root = np.flatnonzero(model.term_ids == PHENOTYPIC_ABNORMALITY)
    counts = np.diff(model.anc_ptr)
    if not len(root):
        return frozenset(range(len(counts)))
    owners = np.repeat(np.arange(len(counts)), counts)
    return frozenset(owners[model.anc_idx == root[0]].tolist())


def top_rows(scores: np.ndarray, limit: int) -> list[int]:
    """The rows of the ``limit`` best finite scores, highest first, ties by row."""
    finite = np.flatnonzero(np.isfinite(scores))
    if limit < len(finite):
        # everything scoring at least the limit-th best, so that ties are cut in a fixed order
        cut = np.partition(scores[finite], len(finite) - limit)[len(finite) - limit]
        finite = finite[scores[finite] >= cut]
    order = np.lexsort((finite, -scores[finite]))
    return finite[order][:limit].tolist()


def load_model(on_build: Callable[[], None] | None = None) -> Model:
    """The saved model, or a new one built and saved when it is missing or its inputs changed."""
    inputs = find_inputs()
    model = load_cached(inputs.fingerprint)
    if model is None:
        if on_build:
            on_build()
        model = build_model(inputs)
        model.save(model_path())
    return model
