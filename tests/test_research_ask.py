"""`dmkb ask` on the bundled example: retrieval, the verification rule of the report, the JSON
shape, text and markdown, --save, batch mode and bad input."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml
from conftest import run_dmkb
from research_helpers import JAK_STAT, copy_example, dmkb_in_process

from dmkb.load.reference_files import parse_reference
from dmkb.references.cache import ReferenceCache
from dmkb.references.matching import SourceText
from dmkb.research import batch
from dmkb.research.ask import ask, library_dir, open_library
from dmkb.research.retrieve import Params

DUFVA = "DOI:10.1038/s41467-018-03987-2"  # "… highlight JAK-STAT signaling as therapeutic target"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_example(tmp_path)


@pytest.fixture
def library(root: Path):
    opened = open_library(root)
    yield opened
    opened.close()


def _squash(text: str) -> str:
    """Text without whitespace: error messages are wrapped to the terminal's width."""
    return "".join(text.split())


def _source(root: Path, reference: str) -> SourceText:
    path = ReferenceCache(root / "references_cache").path_of(reference)
    assert path is not None, reference
    return SourceText(parse_reference(path.read_text(encoding="utf-8")).text)


def test_jak_stat_question_finds_the_jak_stat_paper_first(library) -> None:
    answer = ask(library, JAK_STAT)
    assert answer.disorder == "Aggressive NK-cell Leukemia" and answer.stem == "Aggressive_NK-cell_Leukemia"
    references = list(dict.fromkeys(e.reference for e in answer.evidence))
    assert DUFVA in references[:2]
    assert any("JAK" in e.quote and "STAT" in e.quote for e in answer.evidence[:3])
    scores = [e.score for e in answer.evidence]
    assert len(set(references[:3])) == 3, "several references come before a second passage of one"
    # the best passage of each reference, best first; passages far weaker than the best after all others
    strong = list(dict.fromkeys(e.reference for e in answer.evidence if e.score >= Params().floor * scores[0]))
    assert scores[: len(strong)] == sorted(scores[: len(strong)], reverse=True)


def test_every_statement_is_a_verified_quote_of_a_reference_it_cites(root: Path, library) -> None:
    for question in (JAK_STAT, "What is known about aggressive NK-cell leukemia?",
                     "How is aggressive NK-cell leukemia treated with asparaginase?"):
        answer = ask(library, question)
        report = answer.report
        keys = {r.key: r.id for r in report.references}
        assert report.statements(), question
        for evidence in answer.evidence:
            assert _source(root, evidence.reference).contains(evidence.quote)
        for statement in report.statements():
            assert statement.citations and all(k in keys for k in statement.citations)
            for key in statement.citations:
                assert _source(root, keys[key]).contains(statement.text), (key, statement.text)
        for row in report.table:
            assert all(k in keys for k in row.citations)
            assert any(_source(root, keys[k]).contains(row.key_points) for k in row.citations)


def test_a_question_about_the_whole_disorder_gets_the_domain_table(library) -> None:
    whole = ask(library, "What is known about aggressive NK-cell leukemia?")
    domains = [row.domain for row in whole.report.table]
    assert {"Treatment", "Prognosis", "Diagnosis"} <= set(domains)
    specific = ask(library, JAK_STAT)
    assert specific.report.table == []


def test_json_answer_has_the_documented_shape(capsys, root: Path) -> None:
    result = dmkb_in_process(capsys, "ask", JAK_STAT, "--kb", root, "--format", "json", "--limit", "5")
    assert result.code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) >= {"id", "question", "disorder", "evidence", "report", "engine"}
    assert len(answer["evidence"]) == 5
    assert set(answer["evidence"][0]) == {"reference", "quote", "score", "key", "section"}
    report = answer["report"]
    assert set(report) == {"title", "table", "sections", "references"}
    assert set(report["sections"][0]) == {"title", "statements"}
    assert set(report["sections"][0]["statements"][0]) == {"text", "citations"}
    assert set(report["references"][0]) == {"key", "id", "title", "authors", "year", "journal", "url"}
    assert answer["engine"]["mode"] == "offline" and answer["engine"]["seconds"] < 5


def test_text_and_markdown_read_like_a_report(capsys, root: Path) -> None:
    text = dmkb_in_process(capsys, "ask", JAK_STAT, "--kb", root)
    assert text.code == 0, text.stderr
    assert "Short answer" in text.stdout and "References" in text.stdout
    assert "(dufva2018aggressivenaturalkillercell)" in text.stdout
    markdown = dmkb_in_process(capsys, "ask", JAK_STAT, "--kb", root, "--format", "markdown")
    assert markdown.stdout.startswith("# ") and "## References" in markdown.stdout
    assert "[DOI:10.1038/s41467-018-03987-2](https://doi.org/10.1038/s41467-018-03987-2)" in markdown.stdout


def test_a_disorder_outside_the_kb_is_searched_as_written_with_a_note(library) -> None:
    answer = ask(library, "Which drugs inhibit JAK signaling?", disorder="Extranodal NK/T-cell lymphoma")
    assert answer.disorder == "Extranodal NK/T-cell lymphoma" and answer.stem is None
    assert any("searched as written" in note for note in answer.notes)
    assert answer.evidence


def test_save_writes_a_stored_report_beside_the_kb(capsys, root: Path) -> None:
    result = dmkb_in_process(capsys, "ask", JAK_STAT, "--kb", root, "--save")
    assert result.code == 0, result.stderr
    saved = root / "research" / "Aggressive_NK-cell_Leukemia-deep-research-dmkb.md"
    text = saved.read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["provider"] == "dmkb" and front["template_variables"]["disease_name"] == "Aggressive NK-cell Leukemia"
    assert front["citation_count"] >= 3 and front["duration_seconds"] >= 0
    assert {"start_time", "end_time", "model"} <= set(front)
    assert "\n## Question\n\n" + JAK_STAT in text and "\n## Output\n\n# " in text


def test_batch_answers_one_json_line_per_question(capsys, root: Path, tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        json.dumps({"id": "q1", "question": JAK_STAT}) + "\n\n"
        + json.dumps({"id": 2, "question": "How is it treated?", "disorder": "Aggressive NK-cell Leukemia"}) + "\n",
        encoding="utf-8")
    result = dmkb_in_process(capsys, "ask", "--batch", questions, "--kb", root, "--format", "json")
    assert result.code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["q1", "2"]
    assert all(line["evidence"] and line["report"]["references"] for line in lines)


@pytest.mark.parametrize(("line", "message"), [
    ('{"id": "q1"}', "questions.jsonl:1: 'question' is missing"),
    ("not json", "questions.jsonl:1: not JSON"),
    ('["a list"]', "questions.jsonl:1: a JSON object was expected"),
])
def test_a_bad_batch_line_is_named_with_its_line(capsys, root: Path, tmp_path: Path, line: str, message: str) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text(line + "\n", encoding="utf-8")
    result = dmkb_in_process(capsys, "ask", "--batch", questions, "--kb", root)
    assert result.code == 2 and _squash(message) in _squash(result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize(("args", "message"), [
    (["--batch", "QUESTIONS", JAK_STAT], "give either a question or --batch"),
    (["--batch", "QUESTIONS", "--save"], "--save is for one question"),
    (["--batch", "QUESTIONS", "--format", "text"], "--batch writes one JSON line a question"),
    (["--batch", "QUESTIONS", "--disorder", "Gout"], "give the disorder on each line"),
    ([JAK_STAT, "--limit", "0"], "0 is not between 1 and 50"),
    ([JAK_STAT, "--limit", "-3"], "-3 is not between 1 and 50"),
    ([JAK_STAT, "--format", "yaml"], "'yaml' is not one of"),
])
def test_bad_options_are_refused_at_once(capsys, root: Path, tmp_path: Path, args: list[str], message: str) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"id": "q1", "question": JAK_STAT}) + "\n", encoding="utf-8")
    args = [str(questions) if a == "QUESTIONS" else a for a in args]
    result = dmkb_in_process(capsys, "ask", *args, "--kb", root)
    assert result.code == 2 and _squash(message) in _squash(result.stderr), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not library_dir(root).exists(), "refused before the index was built"


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: None, "questions.jsonl: cannot read (No such file or directory)"),
    (lambda p: p.mkdir(), "questions.jsonl: cannot read (a folder)"),
    (lambda p: os.mkfifo(p), "questions.jsonl: cannot read (not a regular file)"),
    (lambda p: p.write_bytes(b"x" * (batch.MAX_BATCH + 1)), "questions.jsonl: cannot read (larger than"),
    (lambda p: p.write_text("", encoding="utf-8"), "questions.jsonl: no questions"),
])
def test_a_batch_file_that_cannot_be_read_is_refused_at_once(root: Path, tmp_path: Path, make, message) -> None:
    questions = tmp_path / "questions.jsonl"
    make(questions)
    result = run_dmkb("ask", "--batch", questions, "--kb", root, "--format", "json")  # a process: a FIFO must not hang it
    assert result.code == 2 and _squash(message) in _squash(result.stderr), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not library_dir(root).exists()


def test_a_bad_batch_line_is_reported_in_its_output_line_and_the_batch_goes_on(capsys, root: Path,
                                                                                tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join([json.dumps({"id": "q1", "question": JAK_STAT}), '{"id": "q2"}', "not json",
                                    json.dumps({"id": "q4", "question": "How is aggressive NK-cell leukemia treated?"})])
                         + "\n", encoding="utf-8")
    result = dmkb_in_process(capsys, "ask", "--batch", questions, "--kb", root, "--format", "json")
    assert result.code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["q1", "q2", "3", "q4"]
    assert lines[0]["evidence"] and lines[3]["evidence"]
    assert lines[1] == {"id": "q2", "line": 2, "error": f"{questions}:2: 'question' is missing or not text"}
    assert lines[2]["line"] == 3 and lines[2]["error"].startswith(f"{questions}:3: not JSON")
    assert _squash(f"{questions}:2:") in _squash(result.stderr) and _squash(f"{questions}:3:") in _squash(result.stderr)


@pytest.mark.parametrize(("question", "message"), [
    ("   ", "the question is empty"),
    ("why " * 24_999 + "why?", "the question is 100,000 characters long"),
    ("what and why?", "nothing to search for"),
])
def test_bad_questions_get_a_clear_error(capsys, root: Path, question: str, message: str) -> None:
    result = dmkb_in_process(capsys, "ask", question, "--kb", root)
    assert result.code == 2, result.stdout
    assert _squash(message) in _squash(result.stderr) and "Traceback" not in result.stderr


def test_a_kb_without_cached_references_exits_2(capsys, tmp_path: Path) -> None:
    root = tmp_path / "bare"
    (root / "kb" / "disorders").mkdir(parents=True)
    result = dmkb_in_process(capsys, "ask", JAK_STAT, "--kb", root)
    assert result.code == 2 and "nocachedreferences" in _squash(result.stderr)


def test_a_changed_cache_file_never_yields_an_unverified_quote(root: Path, library) -> None:
    """The index still holds the old text; the answer checks each quote against the file as it is now."""
    before = ask(library, JAK_STAT)
    first = before.evidence[0]
    path = ReferenceCache(root / "references_cache").path_of(first.reference)
    loose = r"\s+".join(re.escape(word) for word in first.quote.split())
    text, replaced = re.subn(loose, "(removed)", path.read_text(encoding="utf-8"))
    assert replaced
    path.write_text(text, encoding="utf-8")
    after = ask(library, JAK_STAT)
    assert first.quote not in [e.quote for e in after.evidence]
    assert any("left out" in note for note in after.notes)


def test_research_index_command_reports_what_it_did(capsys, root: Path, monkeypatch) -> None:
    from dmkb import fs

    monkeypatch.setattr(fs, "RACY_NS", -1)  # the KB was copied just now: its files count as settled
    first = dmkb_in_process(capsys, "research", "index", root)
    assert first.code == 0 and "11 added" in first.stdout
    again = dmkb_in_process(capsys, "research", "index", root)
    assert again.code == 0 and "11 unchanged" in again.stdout


def test_the_term_index_names_disorders_and_expands_concepts(with_term_index: Path) -> None:
    from dmkb.research.query import analyse
    from dmkb.research.text import stems
    from dmkb.terms.index import TermIndex

    terms = TermIndex()
    query = analyse("What is the role of natural killer cells in Hodgkin lymphoma?", None, [], terms)
    assert query.disorder is not None and query.disorder.source == "term index"
    assert query.disorder.mondo_id and query.disorder.mondo_id.startswith("MONDO:")
    assert tuple(stems("NK cell")) in query.synonyms  # CL's synonym of "natural killer cell"
    assert not set(stems("Hodgkin lymphoma")) & set(query.terms)  # the disorder is not a concept
    hidden = analyse(JAK_STAT, None, [], terms, hidden={"Aggressive_NK-cell_Leukemia"})
    assert hidden.disorder is not None and hidden.disorder.stem is None  # found in MONDO, not in the KB


def test_a_question_no_passage_answers_exits_2_and_says_so(capsys, root: Path) -> None:
    result = dmkb_in_process(capsys, "ask", "What is the xyzzyq?", "--kb", root, "--save")
    assert result.code == 2
    assert "no passage of the cached references answers this question" in result.stdout
    assert not list((root / "research").glob("*-dmkb.md"))  # an empty answer is not kept as a report
