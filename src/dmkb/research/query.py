"""Understand a research question: which disorder it is about, and what it asks about it.

The disorder comes from ``--disorder`` or from the question; its names (name, synonyms, MONDO
labels) come from the KB entry when there is one and from the term index otherwise, and a name
found nowhere is still searched as written. A question that names no disorder may still name
what a KB entry holds (a gene, a drug: "How does ivacaftor act on CFTR?"); the entries naming
those words, when few entries use them, are the disorders it is inferred to be about. The rest
of the question is its concepts, each expanded with the other names of the ontology terms it
names ("NK cell" and "natural killer cell"), at a lower weight than the words asked.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from dmkb.compile.read import connect_readonly
from dmkb.research.text import QUESTION_WORDS, STOP_WORDS, stem, stems, words
from dmkb.terms.index import TermIndex
from dmkb.terms.search import Hit, exact

MAX_QUESTION = 2_000  # characters; a question is a sentence or two, not a document
EXPANSION_WEIGHT = 0.5  # the weight of a word that only another name of a term brings in
_MAX_NGRAM = 5
_MAX_NAME_WORDS = 8  # longer synonyms are descriptions, not names
MAX_USERS = 3  # a word of the question used by more KB entries than this points to none of them
_ENTITY_PARTS = ("genetic", "treatments")  # the parts of an entry whose words name its genes and drugs
# words that name no concept of their own in a question about a disorder
_GENERIC = frozenset("disease diseases disorder disorders condition syndrome patient patients overview summary "
                     "general known current understanding".split())
# words that ask about one side of a whole disorder ("What causes X?"), by the report's domain
_ASPECTS = {stem(w): domain for domain, ws in (
    ("Cause and risk factors", "cause causes caused causing etiology aetiology origin"),
    ("Presentation", "symptom symptoms sign signs present presents presentation manifestation manifestations"),
    ("Diagnosis", "diagnose diagnosed diagnosing diagnosis diagnostic detect detected"),
    ("Genetics and mechanisms", "genetics inherited inheritance pathogenesis mechanism mechanisms"),
    ("Treatment", "treat treated treating treatment treatments therapy therapies manage managed management "
                  "cure cured"),
    ("Prognosis", "prognosis outcome outcomes survival"),
) for w in ws.split()}
# ontologies whose names make useful expansions of a question's words
_EXPANDING = ("HP", "MONDO", "GO", "CL", "UBERON", "CHEBI", "HGNC", "MAXO", "NCIT")


@dataclass(frozen=True)
class KbDisorder:
    """A disorder of the compiled KB, as retrieval knows it."""

    stem: str
    name: str
    mondo_id: str | None
    names: tuple[str, ...]  # name, synonyms, MONDO label
    references: frozenset[str] = frozenset()  # what the entry cites
    entities: frozenset[str] = frozenset()  # the words (stemmed) naming its genes, treatments and drugs
    vocabulary: frozenset[str] = frozenset()  # every word (stemmed) of the entry


@dataclass(frozen=True)
class Disorder:
    name: str
    names: tuple[str, ...]  # every name it is searched by
    mondo_id: str | None = None
    stem: str | None = None  # its KB entry, when it has one
    source: str = "as written"  # kb | term index | as written
    references: frozenset[str] = frozenset()  # what its KB entry cites


@dataclass(frozen=True)
class Inferred:
    """A disorder that a question naming none is taken to be about: its KB entry names words of the question."""

    disorder: Disorder
    words: tuple[str, ...]  # the question's words its entry names (genes, drugs, …)
    strength: float  # 1 when those words are the entry's own; 1/n for a word n entries use


@dataclass
class Query:
    question: str
    disorder: Disorder | None
    terms: dict[str, float]  # concept stems and their weights
    phrases: list[tuple[str, ...]]  # runs of two or three of the question's concept words, as stems
    synonyms: list[tuple[str, ...]]  # other names of several words of the terms asked about
    disorder_stems: frozenset[str]
    disorder_phrases: list[tuple[str, ...]]
    whole_disorder: bool  # nothing is asked but the disorder itself (or one side of it: its causes, …)
    notes: list[str] = field(default_factory=list)
    aspect: str | None = None  # the side of a whole disorder asked about: a domain of the report
    inferred: tuple[Inferred, ...] = ()  # for a question naming no disorder: those it is about, by its words


def read_kb_disorders(kb_db: Path | None) -> list[KbDisorder]:
    """The disorders of a compiled KB (none when there is none)."""
    if kb_db is None or not kb_db.exists():
        return []
    with contextlib.closing(connect_readonly(kb_db)) as conn:
        rows = conn.execute("SELECT id, stem, name, mondo_id, mondo_label, synonyms, data FROM disorders").fetchall()
        cited: dict[int, set[str]] = {}
        for disorder_id, source_id in conn.execute("SELECT disorder_id, source_id FROM disorder_sources"):
            cited.setdefault(disorder_id, set()).add(source_id)
        genes: dict[int, set[str]] = {}
        for disorder_id, label in conn.execute("SELECT disorder_id, label FROM mechanism_terms "
                                               "WHERE term_id LIKE 'HGNC:%'"):
            genes.setdefault(disorder_id, set()).add(label)
    out = []
    for disorder_id, stem_, name, mondo_id, mondo_label, synonyms, data in rows:
        names = [name, *[s for s in json.loads(synonyms) if isinstance(s, str)], mondo_label]
        entry = json.loads(data)
        entities = [*genes.get(disorder_id, ()), *(t for part in _ENTITY_PARTS for t in _texts(entry.get(part)))]
        out.append(KbDisorder(stem_, name, mondo_id, tuple(dict.fromkeys(n for n in names if n)),
                              frozenset(cited.get(disorder_id, ())), _word_stems(entities),
                              _word_stems(_texts(entry))))
    return out


def _texts(value: object) -> list[str]:
    """Every text in a part of an entry, its evidence (quotes of the literature) aside."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for item in value for t in _texts(item)]
    if isinstance(value, dict):
        return [t for key, item in value.items() if key != "evidence" for t in _texts(item)]
    return []


def _word_stems(texts: Collection[str]) -> frozenset[str]:
    """Whole words, stemmed: gene symbols such as "ATP7B" stay one word."""
    return frozenset(stem(w) for text in texts for w in words(text))


def analyse(question: str, disorder_name: str | None, kb: list[KbDisorder], terms: TermIndex | None,
            hidden: Collection[str] = ()) -> Query:
    """Read ``question`` (about ``disorder_name``, or the disorder it names) into a :class:`Query`.

    :param hidden: KB entries (stems) to act as if absent.
    """
    visible = [d for d in kb if d.stem not in hidden]
    notes: list[str] = []
    disorder = _resolve(disorder_name, question, visible, terms, notes)
    asked = _without_names(question, disorder.names if disorder else ())
    asked_words = [w for w in words(asked) if w not in STOP_WORDS]
    concept_words = [w for w in asked_words if w not in QUESTION_WORDS]
    weights: dict[str, float] = {}
    asked_stems = [s for w in concept_words if w not in _GENERIC for s in stems(w)]
    aspects = {_ASPECTS[s] for w in asked_words for s in stems(w) if s in _ASPECTS}
    if disorder and all(s in _ASPECTS for s in asked_stems):  # "What is the treatment of X?": a side of X
        concept_words, asked_stems = [], []
    for s in asked_stems:
        weights[s] = 1.0
    phrases = _question_phrases(asked_stems)
    # other names of the terms asked about count only when they appear whole
    expansions = [tuple(stems(name)) for name in _expansions(concept_words, terms)]
    for name_stems in expansions:
        if len(name_stems) == 1:
            weights.setdefault(name_stems[0], EXPANSION_WEIGHT)
    disorder_phrases = [tuple(stems(n)) for n in (disorder.names if disorder else ())]
    disorder_stems = frozenset(s for p in disorder_phrases if len(p) <= 4 for s in p if s not in _GENERIC_STEMS)
    return Query(question, disorder, weights, list(dict.fromkeys(phrases)),
                 [p for p in dict.fromkeys(expansions) if len(p) > 1], disorder_stems,
                 [p for p in dict.fromkeys(disorder_phrases) if p], whole_disorder=not weights, notes=notes,
                 aspect=aspects.pop() if not weights and len(aspects) == 1 else None,
                 inferred=() if disorder else _infer(concept_words, visible, terms, question))


_GENERIC_STEMS = frozenset(stem(w) for w in _GENERIC) | frozenset(stem(w) for w in STOP_WORDS)


def _resolve(name: str | None, question: str, kb: list[KbDisorder], terms: TermIndex | None,
             notes: list[str]) -> Disorder | None:
    if name and name.strip():
        name = " ".join(name.split())
        found = _kb_disorder(name, kb)
        if found:
            return _from_kb(found, terms)
        term = _mondo(name, terms)
        if term:
            return term
        notes.append(f"'{name}' is neither a disorder of the KB nor a MONDO name: it is searched as written")
        return Disorder(name, (name,))
    return _named_in(question, kb, terms)


def _infer(concept_words: list[str], kb: list[KbDisorder], terms: TermIndex | None,
           question: str) -> tuple[Inferred, ...]:
    """The KB disorders a question naming none is about: those whose genes and treatments its words
    name. A word used by n entries (anywhere in them) counts 1/n for each; one used by more than
    ``MAX_USERS`` counts for none. The disorders with the most are inferred."""
    spelled = {w.lower(): w for w in re.findall(r"\w+", question)}  # each word as the question writes it
    votes: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}
    for word in dict.fromkeys(w for w in concept_words if len(w) > 2 and not w.isdigit() and w not in _GENERIC):
        s = stem(word)
        users = sum(s in d.vocabulary for d in kb)
        if not 0 < users <= MAX_USERS:
            continue
        for d in kb:
            if s in d.entities:
                votes[d.stem] = votes.get(d.stem, 0.0) + 1 / users
                reasons.setdefault(d.stem, []).append(spelled.get(word, word))
    if not votes:
        return ()
    top = max(votes.values())
    return tuple(Inferred(_from_kb(d, terms), tuple(reasons[d.stem]), min(1.0, top))
                 for d in kb if votes.get(d.stem) == top)


def _variants(name: str) -> set[str]:
    """A name and its spellings without possessives: "Addison's disease" -> "addison disease", "addisons disease"."""
    base = " ".join(words(name))
    return {base, re.sub(r"\b(\w+) s\b", r"\1", base), re.sub(r"\b(\w+) s\b", r"\1s", base)}


def _kb_disorder(name: str, kb: list[KbDisorder]) -> KbDisorder | None:
    wanted = _variants(name)
    for disorder in kb:
        if disorder.stem.lower() == name.replace(" ", "_").lower():
            return disorder
        if any(_variants(n) & wanted for n in disorder.names):
            return disorder
    return None


def _from_kb(found: KbDisorder, terms: TermIndex | None) -> Disorder:
    names = list(found.names)
    if found.mondo_id and terms is not None:
        term = terms.get(found.mondo_id)
        if term:
            names += [term.label, *_names(term.synonyms)]
    return Disorder(found.name, tuple(dict.fromkeys(names)), found.mondo_id, found.stem, "kb", found.references)


def _mondo(name: str, terms: TermIndex | None) -> Disorder | None:
    if terms is None:
        return None
    for variant in sorted(_variants(name), key=len, reverse=True):
        for hit in exact(terms, variant, ("MONDO",)):
            term = terms.get(hit.id)
            if term and not term.obsolete:
                names = dict.fromkeys([name, term.label, *_names(term.synonyms)])
                return Disorder(name, tuple(names), term.id, None, "term index")
    return None


def _names(synonyms: Collection[str]) -> list[str]:
    return [s for s in synonyms if len(s.split()) <= _MAX_NAME_WORDS]


def _named_in(question: str, kb: list[KbDisorder], terms: TermIndex | None) -> Disorder | None:
    """The disorder the question names: a KB disorder first, else the longest MONDO name in it."""
    text = f" {' '.join(words(question))} "
    best: tuple[int, KbDisorder] | None = None
    for disorder in kb:
        for name in disorder.names:
            for variant in _variants(name):
                if variant and f" {variant} " in text and (best is None or len(variant) > best[0]):
                    best = (len(variant), disorder)
    if best:
        return _from_kb(best[1], terms)
    if terms is None:
        return None
    tokens = text.split()
    for size in range(min(_MAX_NGRAM, len(tokens)), 0, -1):
        for i in range(len(tokens) - size + 1):
            gram = tokens[i : i + size]
            if size == 1 and (gram[0] in STOP_WORDS or gram[0] in QUESTION_WORDS or len(gram[0]) < 4):
                continue
            found = _mondo(" ".join(gram), terms)
            if found:
                return found
    return None


def _without_names(question: str, names: Collection[str]) -> str:
    """The question with the disorder's names taken out, so its words are not read as concepts."""
    text = f" {' '.join(words(question))} "
    for name in sorted({v for n in names for v in _variants(n) if v}, key=len, reverse=True):
        text = text.replace(f" {name} ", " ")
    return text


def _question_phrases(stems: list[str]) -> list[tuple[str, ...]]:
    """Runs of two and three of the question's words: found together, they are good evidence."""
    return [tuple(stems[i : i + n]) for n in (2, 3) for i in range(len(stems) - n + 1)]


def _packaged(terms: TermIndex, term_id: str) -> bool:
    """Whether a packaged ontology holds the term (a KB's own term caches name no synonyms)."""
    prefix = term_id.partition(":")[0]
    return prefix.upper() in _EXPANDING and terms.authority(prefix) is not None


def _named(terms: TermIndex, gram: str) -> list[Hit]:
    """Terms of packaged ontologies named ``gram``, or its singular ("natural killer cells")."""
    hits = [h for h in exact(terms, gram, _EXPANDING) if _packaged(terms, h.id)]
    if not hits and gram.endswith("s") and not gram.endswith("ss") and len(gram) > 4:
        hits = [h for h in exact(terms, gram[:-1], _EXPANDING) if _packaged(terms, h.id)]
    return hits


def _expansions(tokens: list[str], terms: TermIndex | None) -> list[str]:
    """Other names of the ontology terms the question names: the longest names first, not overlapping."""
    if terms is None or not tokens:
        return []
    out: list[str] = []
    taken = [False] * len(tokens)
    for size in range(min(_MAX_NGRAM, len(tokens)), 0, -1):
        for i in range(len(tokens) - size + 1):
            if any(taken[i : i + size]):
                continue
            gram = " ".join(tokens[i : i + size])
            if size == 1 and len(gram) < 3:
                continue
            hits = _named(terms, gram)
            if size == 1:  # a single word names a term only as its label, not as one of its synonyms
                hits = [h for h in hits if h.matched.casefold() == h.label.casefold()]
            if not hits:
                continue
            taken[i : i + size] = [True] * size
            for hit in hits[:3]:
                term = terms.get(hit.id)
                if term and not term.obsolete:
                    out += [n for n in (term.label, *_names(term.synonyms)) if " ".join(words(n)) != gram]
    return list(dict.fromkeys(out))
