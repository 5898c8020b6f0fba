"""`dmkb validate --workers`: files checked in forked workers give the report of one process."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import orjson
import pytest
from conftest import ENTRY, HUGE_INT_ENTRY, TinyKb, run_dmkb_process

from dmkb import validate as validate_module
from dmkb.checks.finding import Finding
from dmkb.forked import workers_allowed
from dmkb.report.json_report import render_json
from dmkb.validate import validate

FILES = 60  # enough for two workers (PER_WORKER files each)


@pytest.fixture
def many_kb(tiny_kb: TinyKb) -> TinyKb:
    """A KB of 60 entries with findings of every kind, a duplicate name and a FIFO among them."""
    for i in range(FILES):
        text = ENTRY.replace("name: Test Leukemia", f"name: Leukemia {i}")
        if i % 3 == 0:
            text = text.replace("label: Hepatosplenomegaly", "label: Fever")  # a term error (line 25)
        if i % 5 == 0:
            text = text.replace("target: Hepatosplenomegaly", "target: Hepatomegaly")  # a graph error
        if i % 7 == 0:
            text = text.replace("in the bone marrow", "in the liver")  # a snippet not found
        tiny_kb.write_entry(text, f"E{i:03}.yaml")
    tiny_kb.write_entry(ENTRY.replace("name: Test Leukemia", "name: Leukemia 7"), "E999_twin.yaml")
    tiny_kb.write_entry(HUGE_INT_ENTRY, "E500_huge.yaml")
    os.mkfifo(tiny_kb.root / "kb" / "disorders" / "E501_fifo.yaml")  # cannot be read: never a regular file
    return tiny_kb


def test_two_workers_print_the_report_of_one_byte_for_byte(many_kb: TinyKb) -> None:
    one = run_dmkb_process("validate", "--no-cache", "--format", "json", "--workers", "1", many_kb.root)
    two = run_dmkb_process("validate", "--no-cache", "--format", "json", "--workers", "2", many_kb.root)
    assert (one.code, two.code) == (1, 1), one.stderr + two.stderr
    assert two.stdout == one.stdout
    checks = one.json()["summary"]["checks"]
    assert checks["term"] >= 20 and checks["graph"] >= 12 and checks["snippet"] >= 9 and checks["schema"] >= 1


def test_files_are_checked_by_workers_with_their_file_line_and_path(many_kb: TinyKb, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    checked_by = tmp_path / "pids"
    real = validate_module.check_file

    def noting_the_process(entry, kb):
        with checked_by.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return real(entry, kb)

    monkeypatch.setattr(validate_module, "check_file", noting_the_process)
    with workers_allowed():
        report = validate([many_kb.root], use_memo=False, workers=2)
    pids = set(checked_by.read_text().split())
    assert len(pids) == 2 and str(os.getpid()) not in pids
    term = [f for f in report.findings if f.file == "kb/disorders/E057.yaml" and f.check == "term"]
    assert [(f.line, f.path, f.severity) for f in term] == [(25, "phenotypes[0].phenotype_term.term.label", "error")]
    fifo = [f for f in report.findings if f.file == "kb/disorders/E501_fifo.yaml"]
    assert [(f.check, f.line, f.severity) for f in fifo] == [("yaml", 1, "error")]
    twin = [f for f in report.findings if f.file == "kb/disorders/E999_twin.yaml"]
    assert [(f.line, f.path) for f in twin] == [(1, "name")] and "E007.yaml" in twin[0].message
    assert render_json(report) == render_json(validate([many_kb.root], use_memo=False, workers=1))


def test_a_file_that_breaks_a_worker_is_a_finding_and_the_run_goes_on(many_kb: TinyKb,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    real = validate_module.check_file

    def breaking_on_one(entry, kb):
        if entry.name.endswith("E030.yaml"):
            raise RecursionError("maximum recursion depth exceeded")
        return real(entry, kb)

    monkeypatch.setattr(validate_module, "check_file", breaking_on_one)
    with workers_allowed():
        report = validate([many_kb.root], workers=2)
    broken = [f for f in report.findings if f.file == "kb/disorders/E030.yaml"]
    assert [(f.severity, f.line) for f in broken] == [("error", 1)]
    assert "could not check this file" in broken[0].message and "RecursionError" in broken[0].message
    assert {f.file for f in report.findings} >= {"kb/disorders/E027.yaml", "kb/disorders/E033.yaml"}
    # what could not be checked is not remembered: the next run checks it again
    monkeypatch.setattr(validate_module, "check_file", real)
    again = validate([many_kb.root], workers=2)
    assert again.reused == report.files - 2  # all but the broken file and the FIFO
    assert [f.check for f in again.findings if f.file == "kb/disorders/E030.yaml"] == ["graph", "term"]


@pytest.mark.parametrize("count", [0, 1, 2500])
def test_the_json_report_written_in_parts_reads_as_one_dump(tiny_kb: TinyKb, count: int) -> None:
    report = validate([tiny_kb.root])
    report.findings = [Finding(f"kb/disorders/F{i}.yaml", i, "name", "schema", "error", f"a \"message\"\n{i}", None)
                       for i in range(count)]
    whole = {"summary": report.summary(), "findings": [f.to_json() for f in report.findings]}
    assert render_json(report) == orjson.dumps(whole, option=orjson.OPT_INDENT_2).decode()


def test_a_file_that_kills_its_worker_is_a_finding_and_the_others_are_checked(many_kb: TinyKb,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    real = validate_module.check_file

    def dying_on_one(entry, kb):
        if entry.name.endswith("E030.yaml"):
            os.kill(os.getpid(), signal.SIGKILL)  # a crash no Python code can catch
        return real(entry, kb)

    monkeypatch.setattr(validate_module, "check_file", dying_on_one)
    with workers_allowed():
        report = validate([many_kb.root], use_memo=False, workers=2)
    broken = [f for f in report.findings if f.file == "kb/disorders/E030.yaml"]
    assert [(f.severity, f.line) for f in broken] == [("error", 1)]
    assert broken[0].message == "dmkb could not check this file (its process ended with signal SIGKILL)"
    monkeypatch.setattr(validate_module, "check_file", real)
    whole = validate([many_kb.root], use_memo=False)
    assert [f for f in report.findings if f.file != broken[0].file] == [f for f in whole.findings
                                                                         if f.file != broken[0].file]
