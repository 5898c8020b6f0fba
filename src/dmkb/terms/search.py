"""Term search: exact names first, then names holding every query word, then names holding some.

Full-text matching (stemmed words, prefixes of the last word) comes from each source's FTS5
table; the ranking is ours, so results from different sources compare: how much of the query a
name covers, how much of the name the query covers, and whether it is the term's label.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import dataclass, replace

from dmkb.terms.index import TermIndex
from dmkb.terms.store import DEFINITION, normalize_name
from dmkb.typos import typos_allowed

STOP_WORDS = frozenset("a an and or of the in on with to for by at from as is are".split())
# everyday words and the clinical words ontologies use for them
LAY_WORDS = {
    "big": ("enlarged", "large", "increased"), "large": ("enlarged", "increased"), "enlarged": ("large", "increased"),
    "swollen": ("enlarged", "swelling"),
    "small": ("reduced", "decreased"), "low": ("decreased", "reduced"), "high": ("increased", "elevated"),
    "raised": ("elevated", "increased"), "kidney": ("renal",), "liver": ("hepatic",), "heart": ("cardiac",),
    "lung": ("pulmonary",), "skin": ("cutaneous",), "blood": ("hematologic",), "brain": ("cerebral",),
    "belly": ("abdominal",), "stomach": ("gastric",), "bone": ("skeletal",), "eye": ("ocular",),
}
_CANDIDATES = 60  # full-text matches per source and step: the shortest names that match
_EXACT_LABEL, _EXACT_SYNONYM, _BEST_PARTIAL = 1.0, 0.95, 0.9
_DEFINITION_WEIGHT = 0.8
_CORRECTED_WEIGHT = 0.9  # a hit for corrected words, against the same hit for words as written


@dataclass(frozen=True)
class Hit:
    id: str
    label: str
    matched: str
    score: float
    source: str

    def to_json(self) -> dict:
        return {"id": self.id, "label": self.label, "matched": self.matched, "score": self.score,
                "source": self.source}


def search(index: TermIndex, text: str, prefix: str | None = None, limit: int = 10,
           exact_only: bool = False) -> list[Hit]:
    """The ``limit`` best terms for ``text``, best first; ``prefix`` keeps one ontology's terms.

    Each step runs on every source and the next step only when the ones before found fewer than
    ``limit`` terms: exact names, names with every word, names with any word. When no name holds
    every word, words that no name holds are read as typing mistakes ("hepatosplenomegly") and
    the search runs on their corrections, a little below what was written would score.
    ``exact_only``: the first step alone (terms named exactly ``text``).
    """
    query = normalize_name(text)
    words = [w for w in query.split() if w not in STOP_WORDS] or query.split()
    if not words:
        return []
    sources = [s for s in index.sources if not prefix or s.serves(prefix)]
    steps = [lambda db: db.execute(_EXACT, (query,)).fetchall(), lambda db: _full_text(db, words, " AND ")]
    best = _run(steps[:1] if exact_only else steps, index, sources, prefix, text, words, limit)
    if exact_only:
        return sorted(best.values(), key=lambda h: (-h.score, len(h.label), h.label.lower()))[:limit]
    if not best:
        corrected = _corrected(index, sources, words)
        if corrected != words:
            hits = search(index, " ".join(corrected), prefix, limit)
            return [replace(h, score=round(h.score * _CORRECTED_WEIGHT, 3)) for h in hits]
    if len(best) < limit and len(words) > 1:  # names holding some of the words (definitions say too little)
        some = [None, None, lambda db: _full_text(db, words, " OR ", _NAMES_ONLY)]
        best = _run(some, index, sources, prefix, text, words, limit, best)
    ranked = sorted(best.values(), key=lambda h: (-h.score, len(h.label), h.label.lower()))
    return ranked[:limit]


def _run(steps: list, index: TermIndex, sources: list, prefix: str | None, text: str, words: list[str],
         limit: int, best: dict[str, Hit] | None = None) -> dict[str, Hit]:
    """The hits of each step (``None``: a step skipped) on every source, until ``limit`` are found."""
    best, query = dict(best or {}), normalize_name(text)
    for number, step in enumerate(steps):
        if step is None:
            continue
        for source in sources:
            if source.in_place:  # the taxonomy: exact names, then names starting with the text
                rows = _taxa(index, source, text, exact=number == 0) if number < 2 else []
            else:
                rows = step(index.connection(source))
            for term_id, label, name, norm, is_label in rows:
                if prefix and term_id.partition(":")[0].lower() != prefix.lower():
                    continue  # a KB's caches hold several ontologies in one source
                score = round(_score(query, words, norm, is_label), 3)
                if term_id not in best or score > best[term_id].score:
                    best[term_id] = Hit(term_id, label, name, score, source.title)
        if len(best) >= limit:
            break
    return best


def _corrected(index: TermIndex, sources: list, words: list[str]) -> list[str]:
    """``words`` with each word that no name of ``sources`` holds (nor begins with) replaced by the
    most frequent name word within its allowed typing mistakes, when there is one."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    vocabularies = [index.vocabulary(source) for source in sources if not source.in_place]
    out = []
    for word in words:
        if LAY_WORDS.get(word) or not typos_allowed(word) or any(v.begins(word) for v in vocabularies):
            out.append(word)
            continue
        allowed = typos_allowed(word)
        found = [process.extractOne(word, v.by_frequency, scorer=OSA.distance, score_cutoff=allowed)
                 for v in vocabularies]
        best = min((f for f in found if f), key=lambda f: f[1], default=None)  # fewest mistakes
        out.append(best[0] if best else word)
    return out


def exact(index: TermIndex, text: str, prefixes: Collection[str]) -> list[Hit]:
    """Terms of the ontologies ``prefixes`` one of whose names (label or synonym) is ``text``, case,
    punctuation and spacing aside."""
    query = normalize_name(text)
    wanted = {p.lower() for p in prefixes}
    hits: dict[str, Hit] = {}
    for source in index.sources:
        if query and not source.in_place and any(source.serves(p) for p in wanted):
            for term_id, label, name, _norm, is_label in index.connection(source).execute(_EXACT, (query,)):
                if term_id.partition(":")[0].lower() in wanted:
                    hits.setdefault(term_id, Hit(term_id, label, name, _EXACT_LABEL if is_label else _EXACT_SYNONYM,
                                                 source.title))
    return list(hits.values())


def _taxa(index: TermIndex, source, text: str, *, exact: bool) -> list[tuple]:
    """Rows of the NCBI taxonomy, read in place: scientific names equal to or starting with the text."""
    rows = []
    for taxon, name, scientific in index.taxonomy(source).search(text.strip(), exact=exact):
        label = name if scientific else index.label(f"NCBITaxon:{taxon}")  # a common name: look the taxon up
        if label:
            rows.append((f"NCBITaxon:{taxon}", label, name, normalize_name(name), int(scientific)))
    return rows


def _full_text(db: sqlite3.Connection, words: list[str], operator: str, condition: str = "") -> list[tuple]:
    terms = [_alternatives(w) for w in words]
    if len(words[-1]) >= 3:
        terms[-1] = f'"{words[-1]}"*'  # the last word may still be being typed
    try:
        return db.execute(_MATCH + condition, (operator.join(terms), _CANDIDATES)).fetchall()
    except sqlite3.OperationalError:
        return []


def _alternatives(word: str) -> str:
    """A query word with the clinical words a lay reader means by it: ("big" OR "enlarged" …)."""
    words = [word, *LAY_WORDS.get(word, ())]
    return f'"{word}"' if len(words) == 1 else "(" + " OR ".join(f'"{w}"' for w in words) + ")"


def _score(query: str, words: list[str], norm: str, is_label: int) -> float:
    if is_label == DEFINITION:  # a term whose definition uses the words: after names that do
        return _DEFINITION_WEIGHT * _score(query, words, norm, 0)
    if norm == query:
        return _EXACT_LABEL if is_label else _EXACT_SYNONYM
    name_words = [w for w in norm.split() if w not in STOP_WORDS] or norm.split()
    meant = [(w, *LAY_WORDS.get(w, ())) for w in words]
    found = sum(1 for forms in meant if any(_same_word(f, n) for f in forms for n in name_words))
    covered = sum(1 for n in name_words if any(_same_word(f, n) for forms in meant for f in forms))
    score = 0.5 * found / len(words) + 0.3 * covered / max(len(name_words), 1)
    score += 0.05 * is_label + 0.05 * norm.startswith(query)
    return min(score, _BEST_PARTIAL)


def _same_word(query_word: str, name_word: str) -> bool:
    """Words agree when the query word starts the name word, or both share their first five
    letters ("enlarged" and "enlargement")."""
    if name_word.startswith(query_word):
        return True
    return min(len(query_word), len(name_word)) >= 5 and query_word[:5] == name_word[:5]


_EXACT = """
SELECT t.id, t.label, n.name, n.norm, n.is_label FROM names n JOIN terms t ON t.rowid = n.term
WHERE n.norm = ? AND n.is_label >= 0
"""
_NAMES_ONLY = f"WHERE n.is_label != {DEFINITION}"
_MATCH = """
SELECT t.id, t.label, n.name, n.norm, n.is_label
FROM (SELECT rowid FROM names_fts WHERE names_fts MATCH ? LIMIT ?) AS m
JOIN names n ON n.rowid = m.rowid JOIN terms t ON t.rowid = n.term
"""
