"""``dmkb validate --watch``: a real process that validates again after each change of the KB,
prints what is new and what is fixed, survives any file and ends cleanly on Ctrl-C."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import ENTRY, HUGE_INT_ENTRY, TinyKb, edit_keeping_size_and_mtime, start_dmkb_process

from dmkb.checks.finding import Finding
from dmkb.pipeline.watch import FolderPoller
from dmkb.report.changes import compare, text_lines
from dmkb.validate import ValidationReport

FEVER = ENTRY.replace("label: Hepatosplenomegaly", "label: Fever")
WAIT = 30  # seconds for one re-validation on a loaded machine


class Watching:
    """A running ``dmkb validate --watch`` whose output lines are read as they come."""

    def __init__(self, *args: str | Path) -> None:
        self.proc = start_dmkb_process("validate", "--watch", *args)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def next_line(self) -> str:
        try:
            return self.lines.get(timeout=WAIT)
        except queue.Empty:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"no output within {WAIT} s; stderr: {self.proc.stderr.read()}")

    def next_json(self) -> dict:
        return json.loads(self.next_line())

    def interrupt(self) -> tuple[int, str]:
        """Ctrl-C: the exit code and what was written to stderr."""
        self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"the watch did not end on Ctrl-C; stderr: {self.proc.stderr.read()}")
        return code, self.proc.stderr.read()


@pytest.fixture
def watching():
    started: list[Watching] = []

    def start(*args: str | Path) -> Watching:
        started.append(Watching(*args))
        return started[-1]

    yield start
    for watch in started:
        if watch.proc.poll() is None:
            watch.proc.kill()
            watch.proc.wait()


def test_a_new_finding_is_reported_then_its_fix_and_ctrl_c_ends_the_watch(tiny_kb: TinyKb, watching) -> None:
    watch = watching("--format", "json", tiny_kb.root)
    first = watch.next_json()
    assert (first["changed"], first["new"], first["summary"]["errors"]) == ([], [], 0)

    tiny_kb.write_entry(FEVER)
    broken = watch.next_json()
    assert broken["changed"] == ["kb/disorders/Test_Leukemia.yaml"]
    assert [(f["check"], f["path"]) for f in broken["new"]] == [("term", "phenotypes[0].phenotype_term.term.label")]
    assert (broken["fixed"], broken["summary"]["errors"]) == ([], 1)
    assert 0 <= broken["seconds"] < WAIT

    tiny_kb.write_entry(ENTRY)
    fixed = watch.next_json()
    assert (fixed["new"], fixed["fixed"], fixed["summary"]["errors"]) == ([], broken["new"], 0)

    code, err = watch.interrupt()
    assert code == 0
    assert "Traceback" not in err


def test_bad_files_are_findings_and_the_watch_goes_on(tiny_kb: TinyKb, watching) -> None:
    watch = watching("--format", "json", tiny_kb.root)
    watch.next_json()
    disorders = tiny_kb.root / "kb" / "disorders"
    os.mkfifo(disorders / "Fifo.yaml")
    assert _new_of(watch, "kb/disorders/Fifo.yaml") == [("yaml", "error")]
    (disorders / "Latin1.yaml").write_bytes(b"name: Caf\xe9 Disease\n")
    assert ("yaml", "error") in _new_of(watch, "kb/disorders/Latin1.yaml")
    tiny_kb.write_entry(HUGE_INT_ENTRY, "Huge.yaml")
    assert ("yaml", "error") in _new_of(watch, "kb/disorders/Huge.yaml")

    tiny_kb.write_entry(FEVER)  # later edits are still checked
    assert _new_of(watch, "kb/disorders/Test_Leukemia.yaml") == [("term", "error")]
    assert watch.interrupt()[0] == 0


def test_a_changed_reference_text_is_checked_again(tiny_kb: TinyKb, watching) -> None:
    watch = watching("--format", "json", tiny_kb.root)
    watch.next_json()
    source = tiny_kb.root / "references_cache" / "PMID_1000001.md"
    source.write_text(source.read_text().replace("Malignant NK cells expanded", "Malignant cells grew"))
    change = watch.next_json()
    assert change["changed"] == ["references_cache/PMID_1000001.md"]
    assert [f["check"] for f in change["new"]] == ["snippet"]
    assert watch.interrupt()[0] == 0


def test_text_output_shows_the_whole_report_then_each_change(tiny_kb: TinyKb, watching) -> None:
    watch = watching(tiny_kb.root)
    report = [watch.next_line()]
    while not report[-1].startswith("watching"):
        report.append(watch.next_line())
    assert "1 file checked: 0 errors" in report[0]
    tiny_kb.write_entry(FEVER)
    head, finding = watch.next_line(), watch.next_line()
    assert "kb/disorders/Test_Leukemia.yaml changed: 1 new, 0 fixed; now 1 error" in head
    assert finding.startswith("  + kb/disorders/Test_Leukemia.yaml:25: error term phenotypes[0]")
    assert watch.interrupt()[0] == 0


def test_an_edit_that_keeps_the_size_and_the_modification_time_is_noticed(tiny_kb: TinyKb) -> None:
    disorders = tiny_kb.root / "kb" / "disorders"
    poller = FolderPoller([disorders], recursive=False)
    edit_keeping_size_and_mtime(disorders / "Test_Leukemia.yaml", "label: Hepatosplenomegaly", "label: Hepatosplenomegalx")
    assert poller.poll() == [str(disorders / "Test_Leukemia.yaml")]
    assert poller.poll() == []


def test_a_finding_that_only_moved_is_neither_new_nor_fixed() -> None:
    before = [Finding("a.yaml", 3, "name", "schema", "error", "bad"), Finding("a.yaml", 9, "x", "graph", "info", "i")]
    moved = [before[0]._replace(line=5), Finding("a.yaml", 7, "y", "term", "warning", "w")]
    change = compare(before, ValidationReport(Path("."), 1, moved), ["a.yaml"], 0.01)
    assert (change.new, change.fixed) == ([moved[1]], [before[1]])
    assert text_lines(change, show_info=False)[1:] == ["  + a.yaml:7: warning term y: w"]


def _new_of(watch: Watching, name: str) -> list[tuple[str, str]]:
    """Check and severity of the new findings of file ``name``, from the first run that has some."""
    while True:
        change = watch.next_json()
        new = [(f["check"], f["severity"]) for f in change.get("new", []) if f["file"] == name]
        if name in change.get("changed", []) and new:
            return new
