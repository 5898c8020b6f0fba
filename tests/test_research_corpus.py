"""`dmkb ask` over the shared corpus (42 entries, ~1,170 cached references): a question about a
disorder (the whole of it, or something narrower) answers from that disorder's literature, not
from its neighbours'."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CORPUS

from dmkb.research.ask import KB_NAME, Library, ask, open_library
from dmkb.research.text import stems

FORMS = ("What causes {}?", "How is {} treated?", "How is {} diagnosed?", "What is known about {}?")
# entries of different fields, each citing a handful to dozens of cached references
SAMPLE = ("Addisons_Disease", "Apert_Syndrome", "Epilepsy", "Cystic_Fibrosis", "Osteogenesis_Imperfecta_Type_I",
          "Gout", "Tuberculosis", "Lyme_Disease", "Psoriasis", "Aggressive_NK-cell_Leukemia")


@pytest.fixture(scope="module")
def corpus_library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    if not (CORPUS / "kb" / "disorders").is_dir():
        pytest.skip("the shared dismech corpus is not beside the repository")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DMKB_HOME", str(tmp_path_factory.mktemp("corpus_home")))
        library = open_library(CORPUS)
        yield library
        library.close()


def _cited(kb_db: Path) -> dict[str, set[str]]:
    with contextlib.closing(sqlite3.connect(kb_db)) as db:
        rows = db.execute("SELECT d.stem, s.id FROM disorder_sources ds JOIN disorders d ON d.id = ds.disorder_id "
                          "JOIN sources s ON s.id = ds.source_id WHERE s.cached").fetchall()
    out: dict[str, set[str]] = {}
    for stem, reference in rows:
        out.setdefault(stem, set()).add(reference.lower())
    return out


@pytest.mark.corpus
def test_whole_disorder_questions_answer_from_that_disorders_references(corpus_library: Library) -> None:
    cited = _cited(corpus_library.index.path.parent / KB_NAME)
    names = {d.stem: d.name for d in corpus_library.kb}
    shares: dict[str, list[float]] = {}
    for stem in SAMPLE:
        assert cited.get(stem), f"{stem} cites no cached reference"
        for form in FORMS:
            answer = ask(corpus_library, form.format(names[stem]))
            assert answer.stem == stem, (form, stem)
            top = [e.reference.lower() for e in answer.evidence[:5]]
            assert top, (form, stem)
            shares.setdefault(form, []).append(sum(r in cited[stem] for r in top) / len(top))
    for form, values in shares.items():
        assert sum(values) / len(values) >= 0.9, (form, values)


@pytest.mark.corpus
def test_what_causes_answers_with_causes_first(corpus_library: Library) -> None:
    answer = ask(corpus_library, "What causes cystic fibrosis?")
    first = " ".join(e.quote.lower() for e in answer.evidence[:5])
    assert "cftr" in first


@pytest.mark.corpus
@pytest.mark.parametrize(("question", "domain"), [("How is Wilson disease treated?", "Treatment"),
                                                  ("How is gout diagnosed?", "Diagnosis")])
def test_the_short_answer_to_one_side_of_a_disorder_speaks_of_that_side(corpus_library: Library, question: str,
                                                                        domain: str) -> None:
    report = ask(corpus_library, question).report
    assert report.table[0].domain == domain  # the side asked about comes first
    [short] = [s for s in report.sections if s.title == "Short answer"]
    [section] = [s for s in report.sections if s.title == domain]
    assert short.statements and set(short.statements) <= set(section.statements)


@pytest.mark.corpus
def test_a_narrow_question_about_a_disorder_quotes_that_disorders_literature(corpus_library: Library) -> None:
    # JAK inhibitors are studied in many diseases; the answer keeps to papers naming ANKL or cited by its entry
    answer = ask(corpus_library, "Which JAK inhibitors have shown activity against ANKL cells?")
    assert answer.stem == "Aggressive_NK-cell_Leukemia"
    [entry] = [d for d in corpus_library.kb if d.stem == answer.stem]
    index = corpus_library.index
    naming = index.documents(index.documents_mentioning([tuple(stems(n)) for n in entry.names], 10_000).keys())
    on_topic = {d.reference.lower() for d in naming.values()} | {r.lower() for r in entry.references}
    top = [e.reference for e in answer.evidence[:5]]
    assert len(top) == 5
    assert [r for r in top if r.lower() not in on_topic] == []
