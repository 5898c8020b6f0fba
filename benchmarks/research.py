"""Benchmark of dmkb ask on literature questions with known answers.

    python benchmarks/research.py [--questions FILE] [--corpus ROOT] [--scale 7700] [--entries-visible]

The corpus is every cached reference of ROOT (default ``../shared/corpus/dismech``). Each
question is answered with the entry it was built from hidden: that entry's curated statements,
names and synonyms are invisible to the engine (as in a KB without that entry), so the answer
key is never read (with ``--entries-visible``, every entry is in the KB, as when a KB's own
questions are asked). Printed, over the first five evidence passages of each answer:

- reference recall@5: a gold reference is among the first five distinct references;
- passage hit@5: one of the first five passages comes from a gold reference and shares at
  least 60% of the words of the shorter of it and a gold snippet;
- verified: the share of all returned passages found word for word (by the snippet matcher of
  ``dmkb validate``) in the cached text of their reference, checked here again from the files;
- seconds a question (median and 95th percentile; the index open, as in a server or a batch).

beside the reference point computed in the same run: SQLite FTS5 ``bm25`` with porter stemming
over the same single-sentence passages, the question's words OR-ed. Halves A and B split the
questions by a hash of their entry's file name; the scoring constants were tuned on half A.
It also times building the index (cold, nothing changed, 20 files changed) and, with
``--scale N``, a cold build over N cache files (the corpus's files copied under new ids).

Whole-disorder questions ("What causes X?", "How is X treated?", "How is X diagnosed?", "What
is known about X?", X an entry's name, no ``--disorder``) are asked of the whole KB for every
entry that cites cached references; printed: the share of the first five evidence passages
that come from references the entry cites (on topic), for each form.

Narrow questions about one disorder (``NARROW_QUESTIONS``: something asked about a disorder
named in the question, not the whole disorder) are asked of the whole KB; printed for each: the
share of the first five evidence passages from documents that name the disorder or that its
entry cites (on topic).

Questions naming no disorder (``--only unnamed``): the development questions with their
disorder's name taken out ("How does SCN1A contribute?"), asked of the whole KB with the entry
hidden and visible; printed as for the development questions, with how many were steered to
an inferred disorder (and how many to the right one), and the share of the first five passages
from documents naming the question's disorder or cited by its entry (on topic). Then the narrow
questions without their disorder's names, with the disorders inferred.

The term index (``dmkb terms build``) of ``DMKB_HOME`` is used when it is built.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from dmkb.compile.incremental import compile_kb  # noqa: E402
from dmkb.load.reference_files import parse_reference  # noqa: E402
from dmkb.load.text import decode  # noqa: E402
from dmkb.references.cache import ReferenceCache  # noqa: E402
from dmkb.references.matching import SourceText  # noqa: E402
from dmkb.research.ask import Library, ask  # noqa: E402
from dmkb.research.query import analyse, read_kb_disorders  # noqa: E402
from dmkb.research.sqlite_index import SqliteIndex, update_index  # noqa: E402
from dmkb.settings import dmkb_home  # noqa: E402
from dmkb.terms.index import TermIndex  # noqa: E402

DEFAULT_QUESTIONS = REPO.parent / "shared" / "benchmarks" / "research" / "dev.jsonl"
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "dismech"
_WORD = re.compile(r"[a-z0-9]+")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=10, help="evidence passages asked for")
    parser.add_argument("--scale", type=int, default=7700, help="cache files for the scale build (0: skip)")
    parser.add_argument("--scale-questions", type=int, default=100, help="questions timed on the scale index")
    parser.add_argument("--entries-visible", action="store_true", help="answer with every entry in the KB")
    parser.add_argument("--only", choices=["dev", "whole", "narrow", "unnamed", "scale"], action="append",
                        help="run only these parts (repeatable; default: all)")
    args = parser.parse_args()
    parts = set(args.only or ["dev", "whole", "narrow", "unnamed", "scale"])
    questions = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory(prefix="dmkb-research-bench-") as tmp:
        work = Path(tmp)
        library = _build(args.corpus, work)
        if "dev" in parts:
            rows = _answer_all(library, questions, args.limit, hide=not args.entries_visible)
            baseline = _baseline(library, questions)
            _print_results(_Verifier(library.references), rows, baseline, questions)
        if "whole" in parts:
            _whole_disorder(library, work / "kb.sqlite", args.limit)
        if "narrow" in parts:
            _narrow(library, args.limit)
        if "unnamed" in parts:
            _unnamed(library, questions, args.limit)
        if args.scale and "scale" in parts:
            _scale(args.corpus, work, args.scale, library, questions[: args.scale_questions], args.limit)


def _build(corpus: Path, work: Path) -> Library:
    """Compile the KB and build its index in ``work``, timing the build, a no-change update and an update."""
    cache = work / "references_cache"
    shutil.copytree(corpus / "references_cache", cache)
    kb_db = work / "kb.sqlite"
    compile_kb([corpus], kb_db)
    path = work / "literature.sqlite"
    cold = _timed(lambda: update_index(path, cache, kb_db, force=True), 3)
    same = _timed(lambda: update_index(path, cache, kb_db), 3)
    names = sorted(os.listdir(cache))[:20]

    def touch_and_update():
        for name in names:
            os.utime(cache / name, ns=(time.time_ns(), time.time_ns()))
        return update_index(path, cache, kb_db)

    changed = _timed(touch_and_update, 3)
    print(f"corpus: {len(os.listdir(cache)):,} cached references ({corpus})")
    print(f"index build, cold: {cold:.2f} s; nothing changed: {same:.3f} s; 20 files changed: {changed:.2f} s "
          "(medians of 3)")
    terms = TermIndex(dmkb_home() / "terms")
    if not terms.built:
        print("note: the term index is not built (dmkb terms build): disorders are not looked up in MONDO")
    index = SqliteIndex(path)
    report = update_index(path, cache, kb_db)
    return Library(corpus, index, ReferenceCache(cache), read_kb_disorders(kb_db), terms if terms.built else None,
                   report)


def _timed(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _answer_all(library: Library, questions: list[dict], limit: int, *, hide: bool = True) -> list[dict]:
    rows = []
    for q in questions:
        hidden = {q["file"].removesuffix(".yaml")} if hide and q.get("file") else set()
        started = time.perf_counter()
        answer = ask(library, q["question"], disorder=q.get("disorder"), limit=limit, hidden=hidden)
        seconds = time.perf_counter() - started
        passages = [(e.reference, e.quote) for e in answer.evidence]
        rows.append({"q": q, "passages": passages, "seconds": seconds})
    return rows


def _baseline(library: Library, questions: list[dict]) -> list[list[tuple[str, str]]]:
    """FTS5 bm25, porter stemming, over the same passages; the question's words OR-ed."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE s USING fts5(text, reference UNINDEXED, tokenize='porter unicode61')")
    rows = library.index.db.execute("SELECT p.text, d.reference FROM passages p JOIN docs d ON d.id = p.doc")
    db.executemany("INSERT INTO s(text, reference) VALUES (?, ?)", rows)
    out = []
    for q in questions:
        words = list(dict.fromkeys(_WORD.findall(q["question"].lower())))
        match = " OR ".join(f'"{w}"' for w in words)
        out.append([(ref, text) for text, ref in db.execute(
            "SELECT text, reference FROM s WHERE s MATCH ? ORDER BY rank LIMIT 50", (match,))])
    return out


def _overlap(a: str, b: str) -> float:
    wa, wb = Counter(_WORD.findall(a.lower())), Counter(_WORD.findall(b.lower()))
    shorter = min(sum(wa.values()), sum(wb.values()))
    return sum((wa & wb).values()) / shorter if shorter else 0.0


def _score(q: dict, passages: list[tuple[str, str]]) -> tuple[bool, bool]:
    gold = {g.lower() for g in q["gold"]}
    refs = list(dict.fromkeys(ref.lower() for ref, _ in passages))[:5]
    recall = any(ref in gold for ref in refs)
    hit = any(ref.lower() in gold and any(s["reference"].lower() == ref.lower() and _overlap(text, s["snippet"]) >= 0.6
                                          for s in q["gold_snippets"]) for ref, text in passages[:5])
    return recall, hit


class _Verifier:
    def __init__(self, cache: ReferenceCache) -> None:
        self.cache = cache
        self.sources: dict[str, SourceText | None] = {}

    def __call__(self, reference: str, quote: str) -> bool:
        if reference not in self.sources:
            path = self.cache.path_of(reference)
            self.sources[reference] = SourceText(parse_reference(decode(path.read_bytes())[0]).text) if path else None
        source = self.sources[reference]
        return source is not None and source.contains(quote)


def half(q: dict) -> str:
    return "A" if int(hashlib.sha256(q["file"].encode()).hexdigest(), 16) % 2 == 0 else "B"


def _print_results(verify: _Verifier, rows: list[dict], baseline: list[list[tuple[str, str]]],
                   questions: list[dict]) -> None:
    print()
    print("| engine | questions | reference recall@5 | passage hit@5 | verified | words a passage | seconds a question |")
    print("|---|---|---|---|---|---|---|")
    groups = [("all", lambda q: True), ("half A (tuned on)", lambda q: half(q) == "A"),
              ("half B (held out)", lambda q: half(q) == "B")]
    for name, keep in groups:
        picked = [r for r in rows if keep(r["q"])]
        base = [b for b, q in zip(baseline, questions) if keep(q)]
        print(_line(verify, f"dmkb ask, {name}", [(r["q"], r["passages"]) for r in picked],
                    [r["seconds"] for r in picked]))
        print(_line(verify, f"sentence BM25 (FTS5, porter), {name}",
                    list(zip([q for q in questions if keep(q)], base)), None))


def _line(verify: _Verifier, name: str, answered: list[tuple[dict, list[tuple[str, str]]]],
          seconds: list[float] | None) -> str:
    scores = [_score(q, passages) for q, passages in answered]
    returned = [p for _, passages in answered for p in passages]
    verified = sum(verify(ref, text) for ref, text in returned)
    words = statistics.mean(len(_WORD.findall(text.lower())) for _, text in returned) if returned else 0
    timing = "—"
    if seconds:
        p95 = sorted(seconds)[int(0.95 * (len(seconds) - 1))]
        timing = f"{statistics.median(seconds):.3f} (p95 {p95:.3f})"
    n = len(scores) or 1
    return (f"| {name} | {len(scores)} | {100 * sum(r for r, _ in scores) / n:.1f}% | "
            f"{100 * sum(h for _, h in scores) / n:.1f}% | {100 * verified / (len(returned) or 1):.1f}% | "
            f"{words:.0f} | {timing} |")


WHOLE_DISORDER_FORMS = ("What causes {}?", "How is {} treated?", "How is {} diagnosed?", "What is known about {}?")


def cited_references(kb_db: Path) -> dict[str, set[str]]:
    """The references each entry of a compiled KB cites that are cached: stem -> lower-cased ids."""
    with contextlib.closing(sqlite3.connect(kb_db)) as db:
        rows = db.execute("SELECT d.stem, s.id FROM disorder_sources ds JOIN disorders d ON d.id = ds.disorder_id "
                          "JOIN sources s ON s.id = ds.source_id WHERE s.cached")
        out: dict[str, set[str]] = {}
        for stem, reference in rows:
            out.setdefault(stem, set()).add(reference.lower())
    return out


def _whole_disorder(library: Library, kb_db: Path, limit: int) -> None:
    """The share of the first five passages from references the asked-about entry cites, with the
    entry in the KB, and hidden (the disorder then known from the term index, or as written)."""
    cited = cited_references(kb_db)
    names = {d.stem: d.name for d in library.kb}
    print("\n| whole-disorder question | entries | on topic in the first five | seconds a question "
          "| on topic, entry hidden |")
    print("|---|---|---|---|---|")
    every: dict[bool, list[float]] = {False: [], True: []}
    for form in WHOLE_DISORDER_FORMS:
        shares: dict[bool, list[float]] = {False: [], True: []}
        seconds = []
        for stem in sorted(cited):
            for hide in (False, True):
                started = time.perf_counter()
                answer = ask(library, form.format(names[stem]), limit=limit, hidden={stem} if hide else ())
                if not hide:
                    seconds.append(time.perf_counter() - started)
                top = [e.reference.lower() for e in answer.evidence[:5]]
                shares[hide].append(sum(r in cited[stem] for r in top) / len(top) if top else 0.0)
        for hide in (False, True):
            every[hide] += shares[hide]
        print(f"| {form.format('X')} | {len(seconds)} | {100 * statistics.mean(shares[False]):.1f}% | "
              f"{statistics.median(seconds):.3f} | {100 * statistics.mean(shares[True]):.1f}% |")
    print(f"| all four | {len(every[False])} | {100 * statistics.mean(every[False]):.1f}% | | "
          f"{100 * statistics.mean(every[True]):.1f}% |")


NARROW_QUESTIONS = (
    "Which JAK inhibitors have shown activity against ANKL cells?",
    "How does ivacaftor act on CFTR gating mutations in cystic fibrosis?",
    "Which HLA alleles raise the risk of narcolepsy?",
    "How does ATP7B dysfunction lead to copper accumulation in Wilson disease?",
    "How do urate crystals activate the NLRP3 inflammasome in gout?",
    "What resistance mutations arise to crizotinib in ALK-rearranged non-small cell lung cancer?",
    "How does loss of VHL stabilise HIF in von Hippel-Lindau disease?",
    "How does IL-17 drive keratinocyte proliferation in psoriasis?",
    "How does tetanus toxin block inhibitory neurotransmission in tetanus?",
    "How does FGFR2 mutation cause craniosynostosis in Apert syndrome?",
    "Which anti-TNF drugs induce remission in ulcerative colitis?",
)


def on_topic_share(library: Library, question: str, evidence: list) -> float | None:
    """The share of the first five passages of ``evidence`` from documents naming the disorder ``question``
    names (by every name it is searched by) or cited by its entry; None when it names none or nothing is found."""
    query = analyse(question, None, library.kb, library.terms)
    top = [e.reference.lower() for e in evidence[:5]]
    if query.disorder is None or not top:
        return None
    naming = library.index.documents(library.index.documents_mentioning(query.disorder_phrases, 100_000).keys())
    wanted = {d.reference.lower() for d in naming.values()} | {r.lower() for r in query.disorder.references}
    return sum(r in wanted for r in top) / len(top)


def _narrow(library: Library, limit: int) -> None:
    print("\n| narrow question | disorder | on topic in the first five |")
    print("|---|---|---|")
    shares = []
    for question in NARROW_QUESTIONS:
        answer = ask(library, question, limit=limit)
        share = on_topic_share(library, question, answer.evidence)
        if share is not None:
            shares.append(share)
        print(f"| {question} | {answer.disorder} | {'—' if share is None else f'{100 * share:.0f}%'} |")
    print(f"| all | | {100 * statistics.mean(shares):.1f}% |")


def without_disorder(q: dict) -> str:
    """The question with its disorder's name (and the preposition before it) taken out."""
    name = r"[\s_]+".join(re.escape(w) for w in re.split(r"[\s_]+", q["disorder"]))
    text = re.sub(rf"(\b(in|to|of|with|for)\s+)?\b{name}\b", "", q["question"], flags=re.IGNORECASE)
    return " ".join(text.split()).replace(" ?", "?").replace(" ,", ",")


def _unnamed(library: Library, questions: list[dict], limit: int) -> None:
    print("\n| question naming no disorder | entry | questions | reference recall@5 | passage hit@5 | steered "
          "| to its disorder | on topic in the first five |")
    print("|---|---|---|---|---|---|---|---|")
    for hide in (True, False):
        rows: dict[str, list[tuple[bool, bool, bool, bool, float | None]]] = {"A": [], "B": []}
        for q in questions:
            stem = q["file"].removesuffix(".yaml")
            answer = ask(library, without_disorder(q), limit=limit, hidden={stem} if hide else ())
            recall, hit = _score(q, [(e.reference, e.quote) for e in answer.evidence])
            share = on_topic_share(library, q["disorder"], answer.evidence)
            rows[half(q)].append((recall, hit, bool(answer.inferred), any(i.stem == stem for i in answer.inferred),
                                  share))
        for name, picked in (("all", rows["A"] + rows["B"]), ("half A", rows["A"]), ("half B", rows["B"])):
            n = len(picked)
            shares = [r[4] for r in picked if r[4] is not None]
            print(f"| {name} | {'hidden' if hide else 'visible'} | {n} | {100 * sum(r[0] for r in picked) / n:.1f}% | "
                  f"{100 * sum(r[1] for r in picked) / n:.1f}% | {sum(r[2] for r in picked)} | "
                  f"{sum(r[3] for r in picked)} | {100 * statistics.mean(shares):.1f}% |")
    print("\n| narrow question, disorder taken out | inferred from | on topic in the first five |")
    print("|---|---|---|")
    for question in NARROW_QUESTIONS:
        analysed = analyse(question, None, library.kb, library.terms)
        assert analysed.disorder is not None
        asked = without_disorder({"question": question, "disorder": analysed.disorder.name})
        for other in analysed.disorder.names:
            asked = without_disorder({"question": asked, "disorder": other})
        answer = ask(library, asked, limit=limit)
        share = on_topic_share(library, question, answer.evidence)
        inferred = "; ".join(f"{i.name} ({', '.join(i.words)})" for i in answer.inferred) or "—"
        print(f"| {asked} | {inferred} | {'—' if share is None else f'{100 * share:.0f}%'} |")


def _scale(corpus: Path, work: Path, size: int, library: Library, questions: list[dict], limit: int) -> None:
    """Time a cold build over ``size`` cache files (the corpus's files again and again under new
    ids), then questions answered from it."""
    cache = work / "scale_cache"
    cache.mkdir()
    originals = sorted((corpus / "references_cache").glob("*.md"))
    copied = 0
    round_ = 0
    while copied < size:
        for path in originals:
            if copied >= size:
                break
            prefix, _, local = path.stem.partition("_")
            text = path.read_text(encoding="utf-8", errors="replace")
            new_id = f"{prefix}:{round_}{local}"
            text = re.sub(r"^reference_id:.*$", f'reference_id: "{new_id}"', text, count=1, flags=re.MULTILINE)
            (cache / f"{prefix}_{round_}{local}.md").write_text(text, encoding="utf-8")
            copied += 1
        round_ += 1
    path = work / "scale.sqlite"
    started = time.perf_counter()
    update_index(path, cache, None, force=True)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    update_index(path, cache, None)
    same = time.perf_counter() - started
    with contextlib.closing(sqlite3.connect(path)) as db:
        passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    print(f"\nscale: {copied:,} cache files ({passages:,} passages, {path.stat().st_size / 1e6:.0f} MB): "
          f"cold build {cold:.1f} s, nothing changed {same:.2f} s (one run each)")
    scaled = Library(corpus, SqliteIndex(path), ReferenceCache(cache), library.kb, library.terms, library.built)
    seconds = []
    for q in questions:
        started = time.perf_counter()
        ask(scaled, q["question"], disorder=q.get("disorder"), limit=limit, hidden={q["file"].removesuffix(".yaml")})
        seconds.append(time.perf_counter() - started)
    p95 = sorted(seconds)[int(0.95 * (len(seconds) - 1))]
    print(f"scale: {len(seconds)} questions answered from it: {statistics.median(seconds):.3f} s a question "
          f"(p95 {p95:.3f})")


if __name__ == "__main__":
    main()
