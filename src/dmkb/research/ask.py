"""Answer a research question from a KB's literature: the library (index, compiled KB, term
index), then retrieval, verification of every passage, and the report.

The literature index and a compiled copy of the KB live under ``DMKB_HOME/research/<key>/``
(one folder per KB root), built on first use and updated on each use: only what changed is
read again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from pathlib import Path

from dmkb.compile.incremental import compile_kb
from dmkb.errors import UsageError
from dmkb.fs import exclusive, remove_leftovers
from dmkb.references.cache import ReferenceCache
from dmkb.references.matching import SourceText
from dmkb.research.compose import compose_offline
from dmkb.research.query import MAX_QUESTION, KbDisorder, Query, analyse, read_kb_disorders
from dmkb.research.report import DOMAINS, Answer, Evidence, InferredDisorder, unique_keys
from dmkb.research.retrieve import Params, Scored, confirm_inferred, retrieve
from dmkb.research.sqlite_index import BuildReport, DamagedIndexError, SqliteIndex, update_index
from dmkb.research.writer import Writer
from dmkb.settings import kb_home_path
from dmkb.terms.index import TermIndex

INDEX_NAME = "literature.sqlite"
KB_NAME = "kb.sqlite"
REFERENCES = "references_cache"  # the folder of a KB root that holds its cached references


def library_dir(root: Path) -> Path:
    """Where the literature index of the KB at ``root`` is kept."""
    return kb_home_path("research", root)


@dataclass
class Library:
    """A KB's literature, ready to answer questions."""

    root: Path
    index: SqliteIndex
    references: ReferenceCache
    kb: list[KbDisorder]
    terms: TermIndex | None
    built: BuildReport
    notes: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.index.close()
        if self.terms is not None:
            self.terms.close()


def open_library(root: Path, *, kb_db: Path | None = None, force: bool = False,
                 on_progress: Callable[[int, int], None] | None = None,
                 on_wait: Callable[[], None] | None = None) -> Library:
    """Bring the literature index of the KB at ``root`` up to date and open it.

    :param kb_db: a compiled KB to take statements from (default: one compiled for the index).
    :param force: build the index again from scratch.
    :param on_wait: called before waiting for another process building the same index.
    :raises UsageError: when ``root`` is not a KB, or it has no cached references.
    """
    root = root.resolve()
    if not root.is_dir():
        raise UsageError(f"{root}: no such folder", "give the root folder of a KB (the one holding kb/disorders/)")
    folder = library_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    if kb_db is None:
        kb_db = folder / KB_NAME
        with exclusive(folder, f".{KB_NAME}.lock", on_wait):
            remove_leftovers(folder, (f".{KB_NAME}.*.tmp*",))  # of a compile killed mid-way
            root = compile_kb([root], kb_db).root
    references = root / REFERENCES
    if not ReferenceCache(references).file_names():
        raise UsageError(f"{root}: no cached references in {REFERENCES}/, so there is nothing to search",
                         "fetch them with dmkb refs fetch ROOT, or bring records in with dmkb refs import")
    path = folder / INDEX_NAME
    built = update_index(path, references, kb_db, force=force, on_progress=on_progress, on_wait=on_wait)
    try:
        index = SqliteIndex(path)
    except DamagedIndexError:
        built = update_index(path, references, kb_db, force=True, on_progress=on_progress)
        notes.append("the literature index was damaged and has been built again")
        index = SqliteIndex(path)
    terms = TermIndex()
    if not terms.built:
        terms = None
        notes.append("the term index is not built (dmkb terms build), so disorders are found only in the KB and "
                     "the question's words are not expanded with their synonyms")
    return Library(root, index, ReferenceCache(references), read_kb_disorders(kb_db), terms, built, notes)


def check_question(question: str) -> str:
    """The question, stripped. :raises UsageError: when it is empty or far too long."""
    text = question.strip()
    if not text:
        raise UsageError("the question is empty", 'ask in words, e.g. dmkb ask "What drives X in Y?"')
    if len(text) > MAX_QUESTION:
        raise UsageError(f"the question is {len(text):,} characters long; a question has at most {MAX_QUESTION:,}",
                         "ask one question in a sentence or two")
    return " ".join(text.split())


def ask(library: Library, question: str, *, disorder: str | None = None, limit: int = 10,
        question_id: str | None = None, hidden: Collection[str] = (), writer: Writer | None = None,
        params: Params = Params()) -> Answer:
    """Answer ``question`` (about ``disorder``, or the disorder it names) from the library.

    :param hidden: KB entries (stems) whose statements, names and synonyms must not be used.
    :raises UsageError: when the question is empty, too long, or holds nothing to search for.
    """
    started = time.perf_counter()
    question = check_question(question)
    query = confirm_inferred(library.index, analyse(question, disorder, library.kb, library.terms, hidden), params)
    if not query.terms and query.disorder is None:
        raise UsageError(f"nothing to search for in {question!r}: it names no disorder and no concept",
                         "name what you ask about, or give --disorder")
    notes = list(library.notes) + query.notes
    found = retrieve(library.index, query, limit * 2, hidden=hidden, params=params)
    if query.whole_disorder:
        found = _by_domain(library, query, limit, hidden, params) or found
    keys = unique_keys(list({d.id: d for s in found for d in (s.document, *s.also)}.values()))
    evidence, documents, dropped = [], {}, 0
    sources = _Sources(library.references.directory)
    for item in found:
        if not sources.verified(item.document.reference, item.passage.text):
            dropped += 1
            continue
        also = [d for d in item.also if sources.verified(d.reference, item.passage.text)]
        for document in (item.document, *also):
            documents[keys[document.id]] = document
        evidence.append(Evidence(item.document.reference, item.passage.text, item.score, keys[item.document.id],
                                 item.passage.section, tuple(keys[d.id] for d in also)))
    if dropped:
        notes.append(f"{dropped} passage(s) left out: their cached text changed since the index was built "
                     "(dmkb research index updates it)")
    report = compose_offline(query, evidence, documents, limit)
    engine = {"mode": "offline", "index": str(library.index.path), "seconds": 0.0}
    if writer is not None and report.sections:
        report, engine, writer_notes = writer.rewrite(question, query, report, evidence[: limit * 2], engine)
        notes += writer_notes
    shown = evidence[: limit if not query.whole_disorder else limit * 2]
    engine["seconds"] = round(time.perf_counter() - started, 3)
    if not evidence:
        notes.append("no passage of the cached references answers this question")
    d = query.disorder
    inferred = [InferredDisorder(i.disorder.name, i.disorder.mondo_id, i.disorder.stem, i.words, i.strength)
                for i in query.inferred]
    return Answer(question_id, question, d.name if d else None, d.mondo_id if d else None, d.stem if d else None,
                  shown, report, engine, notes, inferred)


def _by_domain(library: Library, query: Query, limit: int, hidden: Collection[str], params: Params) -> list[Scored]:
    """A question about a whole disorder is asked again for each domain (cause, treatment, …); one
    about a side of it ("What causes X?") for that side's domain only."""
    found: list[Scored] = []
    seen: set[int] = set()
    # passages that name it; and no floor: only the disorder's own literature is searched, so no weak
    # passage of another disorder's can come in
    params = replace(params, disorder_in_passage=params.disorder_in_passage + 6, floor=0.0)
    domains = [(n, m) for n, m in DOMAINS if n == query.aspect] if query.aspect else DOMAINS
    for _name, marks in domains:
        asked = replace(query, terms=dict.fromkeys(marks, 1.0), phrases=[], synonyms=[])
        for item in retrieve(library.index, asked, limit if query.aspect else max(2, limit // 4), hidden=hidden,
                             params=params):
            if item.passage.id not in seen:
                seen.add(item.passage.id)
                found.append(item)
    return found


class _Sources:
    """The cached texts as they are now (read again for each question), to verify quotes in by the
    matcher of ``dmkb validate``."""

    def __init__(self, directory: Path) -> None:
        self.cache = ReferenceCache(directory)
        self.texts: dict[str, SourceText | None] = {}

    def verified(self, reference: str, quote: str) -> bool:
        """Whether ``quote`` is in the cached text of ``reference``."""
        if reference not in self.texts:
            cached = self.cache.get(reference)
            self.texts[reference] = SourceText(cached.text) if cached is not None and cached.text else None
        source = self.texts[reference]
        return source is not None and source.contains(quote)
