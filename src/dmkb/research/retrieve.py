"""Find the passages that answer a query: documents first, then their passages, scored together.

1. Candidate documents: those naming the disorder that best match the question's concepts,
   those that best match concepts and disorder together, the documents of the best matching
   passages, and those whose passages curated KB statements quote (statements of hidden
   entries left out). A question about a whole disorder (or one side of it: "What causes X?")
   keeps only the documents that name the disorder, and adds those its KB entry cites. Another
   question naming a disorder adds the documents its KB entry cites and keeps the others.
2. Every passage of those documents is scored by what it says and by what its document is
   about: BM25 of the question's concepts in the passage (other names of the terms asked about
   count when they appear whole, single words at a lower weight), the share of the question
   it covers, runs of the question's words found together, the disorder named in it, its best
   neighbour; the concepts in the whole document, the disorder in the document's title and in
   its passages; and a curated statement that quotes it. For a question naming a disorder,
   documents that neither name it nor are cited by its KB entry keep a share of their score, so
   that they come first only when clearly better or when the disorder's own literature says
   too little; a smaller share when there is a KB entry (its references then complete the
   disorder's literature; without one, its literature may call it by a wider name). A question
   naming no disorder but inferred to be about some (by the genes and drugs it names, see
   :mod:`dmkb.research.query`; kept when the literature agrees) is treated alike, more mildly
   when the inference is weaker.
3. Evidence is ranked best first with several references preferred over many passages of one:
   the best passage of each document first, in the order of their documents; then the next.
   A passage far weaker than the best one comes after all the stronger ones, whatever its
   reference. Passages with the same words are given once.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from dmkb.research.index import Document, LiteratureIndex, Passage
from dmkb.research.query import Query
from dmkb.research.text import stems as stems_of


@dataclass(frozen=True)
class Params:
    """The constants of the scoring, tuned on one half of the development questions."""

    documents: int = 40  # candidate documents from whole-document search (each of two searches)
    passages: int = 50  # candidate passages from passage search (their documents join the candidates)
    statements: int = 30
    k1: float = 1.2
    b: float = 0.5
    coverage: float = 2.0  # times the share of the question's concept weight the passage holds
    phrase: float = 1.0  # per run of the question's words found together
    synonym: float = 1.5  # per other name of an asked term found whole
    disorder_in_passage: float = 1.0
    neighbour: float = 0.3  # share of the best neighbouring passage's concept score
    document: float = 3.0  # times the document's concept score relative to the best document's
    full_text: float = 20.0  # times the document's full-text score relative to the best document's
    disorder_in_title: float = 4.0
    disorder_in_text: float = 1.0  # times the share of the document's passages naming the disorder (capped)
    statement: float = 1.0  # a curated statement quotes this passage (times its relative score)
    cited: float = 10.0  # the KB entry of a whole disorder asked about cites the document
    mentioning: int = 1000  # documents naming a disorder asked about, at most
    off_topic: float = 0.8  # times the score of a document not naming the disorder asked about (no KB entry)
    off_topic_entry: float = 0.1  # the same for a disorder with a KB entry, when the entry does not cite the document
    off_topic_inferred: float = 0.1  # the same for disorders inferred from the question's words (at full strength)
    agreement: float = 0.9  # share of the documents best matching those words that must be the disorders' own
    per_reference: int = 2  # passages of one reference before any other reference's next
    floor: float = 0.7  # a passage scoring under this share of the best one takes no place for its reference alone


@dataclass(frozen=True)
class Scored:
    passage: Passage
    document: Document
    score: float
    also: tuple[Document, ...] = ()  # other documents holding a passage with the same words


def retrieve(index: LiteratureIndex, query: Query, limit: int, *, hidden: Collection[str] = (),
             params: Params = Params()) -> list[Scored]:
    """The ``limit`` best passages for ``query``, best first (see the module docstring)."""
    concept = list(query.terms)
    named = sorted(query.disorder_stems)
    if not concept and not named:
        return []
    candidates: set[int] = set()
    if query.disorder_phrases and concept:
        candidates.update(h.doc for h in index.search_documents(concept, params.documents, query.disorder_phrases))
    doc_hits = index.search_documents(concept + named, params.documents)
    candidates.update(h.doc for h in doc_hits)
    best_hit = max((h.score for h in doc_hits), default=1.0) or 1.0
    full_text = {h.doc: h.score / best_hit for h in doc_hits}
    candidates.update(h.doc for h in index.search_passages(concept or named, params.passages))
    statements = index.search_statements(concept + named, hidden, params.statements)
    candidates.update(s.doc for s in statements if s.doc is not None)
    cited: set[int] = set()  # preferred: cited by the KB entry of a whole disorder asked about
    off_topic: Collection[int] = ()
    share = 1.0  # of the score an off-topic document keeps
    if query.disorder is not None:
        own = index.documents_of(query.disorder.references)
        on_topic = index.documents_mentioning(query.disorder_phrases, params.mentioning).keys() | own
        if query.whole_disorder:
            candidates, cited = (candidates & on_topic) | own, own
        else:
            candidates |= own
            off_topic = candidates - on_topic
        share = params.off_topic_entry if query.disorder.references else params.off_topic
    elif query.inferred:
        own = index.documents_of({r for i in query.inferred for r in i.disorder.references})
        candidates |= own
        off_topic = candidates - _literature(index, query, params)
        share = 1 - query.inferred[0].strength * (1 - params.off_topic_inferred)
    best_statement = max((s.score for s in statements), default=1.0) or 1.0
    quoted: dict[int, float] = {}
    for statement in statements:
        if statement.passage is not None:
            quoted[statement.passage] = max(quoted.get(statement.passage, 0.0), statement.score / best_statement)
    passages = index.passages_of(candidates)
    documents = index.documents({p.doc for p in passages})
    scores = _Scorer(index, query, params).score(passages, documents, full_text, cited)
    scored = [Scored(p, documents[p.doc], (share if p.doc in off_topic else 1.0)
                     * (score + params.statement * quoted.get(p.id, 0.0))) for p, score in zip(passages, scores)]
    return diversify(scored, limit, params.per_reference, params.floor)


def confirm_inferred(index: LiteratureIndex, query: Query, params: Params = Params()) -> Query:
    """The query without its inferred disorders when the literature disagrees: fewer than
    ``params.agreement`` of the documents best matching the words they were inferred from
    ("ivacaftor", "CFTR") name them or are cited by their entries."""
    if not query.inferred:
        return query
    said = [tuple(stems_of(w)) for i in query.inferred for w in i.words]
    hits = index.search_documents([s for p in said for s in p], _AGREEMENT_DOCUMENTS, said)
    on_topic = _literature(index, query, params)
    if sum(h.doc in on_topic for h in hits) >= params.agreement * len(hits):  # no document: nothing against
        return query
    return replace(query, inferred=())


_AGREEMENT_DOCUMENTS = 10


def _literature(index: LiteratureIndex, query: Query, params: Params) -> set[int]:
    """The documents of the disorders inferred: those naming them, and those their entries cite."""
    names = [tuple(stems_of(n)) for i in query.inferred for n in i.disorder.names]
    own = index.documents_of({r for i in query.inferred for r in i.disorder.references})
    return set(index.documents_mentioning(names, params.mentioning)) | set(own)


class _Scorer:
    def __init__(self, index: LiteratureIndex, query: Query, params: Params) -> None:
        self.query = query
        self.params = params
        total, self.average = index.passage_count()
        frequencies = index.passage_frequencies(set(query.terms))
        self.idf = {s: math.log(1 + (total - frequencies.get(s, 0) + 0.5) / (frequencies.get(s, 0) + 0.5))
                    for s in query.terms}
        self.weight_sum = sum(w * self.idf[s] for s, w in query.terms.items()) or 1.0
        self.phrases = [_joined(p) for p in query.phrases]
        self.synonyms = [_joined(p) for p in query.synonyms]
        self.disorder = [_joined(p) for p in query.disorder_phrases]
        # a passage holding none of these stems scores nothing of its own
        self.wanted = frozenset(query.terms) | {p[0] for p in (*query.synonyms, *query.disorder_phrases)}

    def score(self, passages: list[Passage], documents: dict[int, Document], full_text: dict[int, float],
              cited: Collection[int]) -> list[float]:
        p = self.params
        own, concept, names_disorder = [], [], []
        doc_counts: dict[int, Counter[str]] = defaultdict(Counter)
        for passage in passages:
            c, text_score, mentions, counts = self._passage(passage)
            concept.append(c)
            own.append(text_score)
            names_disorder.append(mentions)
            doc_counts[passage.doc].update(counts)
        by_doc: dict[int, list[int]] = defaultdict(list)
        for i, passage in enumerate(passages):
            by_doc[passage.doc].append(i)
        # the concepts in the whole document: saturated counts, so long texts do not win by length
        doc_concept = {doc: sum(self.query.terms[s] * self.idf[s] * tf / (tf + 2.0) for s, tf in counts.items())
                       for doc, counts in doc_counts.items()}
        best_doc = max(doc_concept.values(), default=1.0) or 1.0
        doc_bonus = {}
        for doc, members in by_doc.items():
            share = sum(names_disorder[i] for i in members) / len(members)
            title = _count(_joined(stems_of(documents[doc].title or "")), self.disorder) > 0
            doc_bonus[doc] = (p.document * doc_concept.get(doc, 0.0) / best_doc + p.full_text * full_text.get(doc, 0.0)
                              + p.disorder_in_title * title
                              + p.disorder_in_text * min(1.0, 4 * share) + p.cited * (doc in cited))
        out = []
        for i, passage in enumerate(passages):
            neighbours = [concept[j] for j in (i - 1, i + 1) if 0 <= j < len(passages) and passages[j].doc == passage.doc]
            out.append(own[i] + p.neighbour * max(neighbours, default=0.0) + doc_bonus[passage.doc])
        return out

    def _passage(self, passage: Passage) -> tuple[float, float, bool, dict[str, int]]:
        """The passage's concept score (BM25), its whole score, whether it names the disorder, and
        how often each concept stem occurs in it."""
        present = self.wanted.intersection(passage.stems)
        if not present:
            return 0.0, 0.0, False, {}
        p, query = self.params, self.query
        counts = {s: passage.stems.count(s) for s in present if s in query.terms}
        norm = p.k1 * (1 - p.b + p.b * len(passage.stems) / (self.average or 1))
        concept = covered = 0.0
        for s, tf in counts.items():
            weight = query.terms[s] * self.idf[s]
            concept += weight * tf * (p.k1 + 1) / (tf + norm)
            covered += weight
        text = _joined(passage.stems)
        mentions = _count(text, self.disorder) > 0
        phrases = _count(text, self.phrases) if len(counts) > 1 else 0
        whole = (concept + p.coverage * covered / self.weight_sum + p.phrase * phrases
                 + p.synonym * _count(text, self.synonyms) + p.disorder_in_passage * mentions)
        return concept, whole, mentions, counts


def _joined(stems: Sequence[str]) -> str:
    return f" {' '.join(stems)} "


def _count(text: str, phrases: list[str]) -> int:
    """How many of ``phrases`` (joined stems) occur in ``text`` (joined stems)."""
    return sum(1 for phrase in phrases if phrase in text)


def diversify(scored: list[Scored], limit: int, per_reference: int, floor: float = 0.0) -> list[Scored]:
    """Best first, the best passage of each reference before any reference's next one; same words once.

    Passages scoring under ``floor`` times the best score come after all the others: a weak
    passage takes no place just for coming from another reference.
    """
    ordered = _round_robin(scored, per_reference)
    least = floor * max((s.score for s in scored), default=0.0)
    out: list[Scored] = []
    first: dict[tuple[str, ...], int] = {}
    for item in [s for s in ordered if s.score >= least] + [s for s in ordered if s.score < least]:
        if item.passage.stems in first:  # the same words again: another reference is cited with it
            at = first[item.passage.stems]
            if item.document not in (out[at].document, *out[at].also):
                out[at] = replace(out[at], also=(*out[at].also, item.document))
        else:
            first[item.passage.stems] = len(out)
            out.append(item)
    return out[:limit]


def _round_robin(scored: list[Scored], per_reference: int) -> list[Scored]:
    """The best passage of each reference, in the order of their references, then the second of each, …"""
    by_doc: dict[int, list[Scored]] = defaultdict(list)
    for item in sorted(scored, key=lambda s: -s.score):
        by_doc[item.passage.doc].append(item)
    order = sorted(by_doc, key=lambda d: -by_doc[d][0].score)
    return [by_doc[doc][round_] for round_ in range(per_reference) for doc in order if len(by_doc[doc]) > round_]
