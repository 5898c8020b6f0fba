"""Files no KB should hold, met as findings and never as the end of a run: special files (a FIFO,
a link to /dev/zero, a folder where a file belongs), oversized files, integers too long to
convert, CSV fields beyond the csv module's limit, unclosed quotes, undecodable file names, and
two entries for one disorder."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ENTRY, SOURCE_TEXT, TinyKb

from dmkb.pipeline.build import build_site
from dmkb.validate import validate

HUGE_INT = "9" * 5000


def within(seconds: float, work: Callable[[], Any]) -> Any:
    """``work()``'s result, failing the test when it takes longer than ``seconds`` (a hang)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def findings_of(root: Path, name: str) -> list:
    report = within(30, lambda: validate([root], use_memo=False))
    return [f for f in report.findings if f.file == name]


DISORDERS = "kb/disorders"


@pytest.mark.parametrize("make", ["fifo", "dev_zero", "folder"])
def test_special_files_under_disorders_are_findings(tiny_kb: TinyKb, tmp_path: Path, make: str) -> None:
    path = tiny_kb.root / DISORDERS / "x.yaml"
    if make == "fifo":
        os.mkfifo(path)
    elif make == "dev_zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    [finding] = findings_of(tiny_kb.root, f"{DISORDERS}/x.yaml")
    assert finding.severity == "error" and "cannot read" in finding.message
    assert ("folder" if make == "folder" else "not a regular file") in finding.message
    assert finding.hint
    report = within(60, lambda: build_site([tiny_kb.root], tmp_path / "site"))
    assert report.pages == 1 and [s.file for s in report.compile.skipped] == [f"{DISORDERS}/x.yaml"]
    assert "x.yaml" not in (report.similar_problem or "")


def test_a_file_beyond_the_size_cap_is_a_finding(tiny_kb: TinyKb, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMKB_MAX_FILE_MB", "0.01")
    tiny_kb.write_entry(ENTRY + "# " + "x" * 20_000 + "\n", "Big.yaml")
    [finding] = findings_of(tiny_kb.root, f"{DISORDERS}/Big.yaml")
    assert "larger than" in finding.message
    assert findings_of(tiny_kb.root, f"{DISORDERS}/Test_Leukemia.yaml") == []


def test_special_cached_reference_and_term_cache_do_not_hang(tiny_kb: TinyKb) -> None:
    cached = tiny_kb.root / "references_cache" / "PMID_1000001.md"
    cached.unlink()
    os.mkfifo(cached)
    terms = tiny_kb.root / "cache" / "hp" / "terms.csv"
    terms.unlink()
    terms.symlink_to("/dev/zero")
    report = within(30, lambda: validate([tiny_kb.root], use_memo=False))
    messages = [f.message for f in report.findings]
    assert any("not a regular file" in m for m in messages if "terms" not in m), messages
    assert any(f.file == "cache/hp/terms.csv" and "not a regular file" in f.message for f in report.findings)


def test_a_folder_named_terms_csv_is_a_finding(tiny_kb: TinyKb) -> None:
    terms = tiny_kb.root / "cache" / "hp" / "terms.csv"
    terms.unlink()
    terms.mkdir()
    [finding] = findings_of(tiny_kb.root, "cache/hp/terms.csv")
    assert finding.check == "term" and "folder" in finding.message


def test_a_huge_integer_in_an_entry_is_a_finding(tiny_kb: TinyKb, tmp_path: Path) -> None:
    tiny_kb.write_entry(ENTRY.replace("name: Test Leukemia", f"name: Test Leukemia\nprevalence: {HUGE_INT}"),
                        "Huge.yaml")
    findings = findings_of(tiny_kb.root, f"{DISORDERS}/Huge.yaml")
    [yaml_finding] = [f for f in findings if f.check == "yaml"]
    assert yaml_finding.line == 2 and "digits" in yaml_finding.message and yaml_finding.path == "prevalence"
    assert not any("check failed" in f.message for f in findings)
    report = build_site([tiny_kb.root], tmp_path / "site")
    assert report.pages == 2 and not report.failed


def test_a_huge_integer_in_a_cached_reference_is_a_finding(tiny_kb: TinyKb, tmp_path: Path) -> None:
    cached = tiny_kb.root / "references_cache" / "PMID_1000001.md"
    cached.write_text(SOURCE_TEXT.replace("year: '2024'", f"year: {HUGE_INT}"), encoding="utf-8")
    report = validate([tiny_kb.root], use_memo=False)
    assert not any("check failed" in f.message for f in report.findings)
    assert build_site([tiny_kb.root], tmp_path / "site").pages == 1
    from dmkb.references.cache import ReferenceCache

    read = ReferenceCache(cached.parent).read(cached.name)
    assert read.problem and "digits" in read.problem and "Malignant NK cells" in read.text


@pytest.mark.parametrize(("body", "line"), [
    ("HP:0001945,Fever\nHP:0001433,\"" + "a" * 200_000 + "\nHP:1,x\n", 3),  # beyond the csv field limit
    ("HP:0001945,\"Fever\nHP:0001433,Hepatosplenomegaly\n", 2),  # a quote never closed
])
def test_unreadable_csv_rows_are_findings(tiny_kb: TinyKb, body: str, line: int) -> None:
    (tiny_kb.root / "cache" / "hp" / "terms.csv").write_text("curie,label\n" + body, encoding="utf-8")
    [finding] = findings_of(tiny_kb.root, "cache/hp/terms.csv")
    assert finding.line == line and "quote" in finding.message


def test_an_undecodable_file_name_is_skipped_by_build(tiny_kb: TinyKb, tmp_path: Path) -> None:
    folder = os.fsencode(tiny_kb.root / DISORDERS)
    with open(os.path.join(folder, b"Caf\xe9.yaml"), "wb") as handle:
        handle.write(ENTRY.replace("Test Leukemia", "Cafe Leukemia").encode())
    report = build_site([tiny_kb.root], tmp_path / "site")
    assert report.pages == 1 and not report.failed
    [skipped] = report.compile.skipped
    assert "not valid UTF-8" in skipped.message and skipped.hint


def test_two_entries_of_one_disorder_are_a_finding(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(ENTRY, "Test_Leukemia_copy.yaml")
    findings = [f for f in validate([tiny_kb.root]).findings if f.check == "schema"]
    assert [(f.file, f.line, f.path) for f in findings] == [(f"{DISORDERS}/Test_Leukemia_copy.yaml", 1, "name")]
    assert "Test_Leukemia.yaml" in findings[0].message and "MONDO:0019470" in findings[0].message
    again = [f for f in validate([tiny_kb.root]).findings if f.check == "schema"]  # remembered findings
    assert again == findings


@pytest.mark.parametrize("damage", ["no header", "semicolons", "binary", "folder", "huge field"])
def test_terms_sync_refuses_unreadable_caches_before_writing(tiny_kb: TinyKb, with_term_index: Path,
                                                             damage: str) -> None:
    from dmkb.errors import DmkbError
    from dmkb.terms.index import TermIndex
    from dmkb.terms.sync import apply_plan, plan_sync

    hp, mondo = (tiny_kb.root / "cache" / prefix / "terms.csv" for prefix in ("hp", "mondo"))
    hp.write_text("curie,label\nHP:0001945,Pyrexia\n", encoding="utf-8")  # a label to rename
    broken = {"no header": b"MONDO:0019470,aggressive NK-cell leukemia\n",
              "semicolons": b"curie;label\nMONDO:0019470;aggressive NK-cell leukemia\n",
              "binary": bytes(range(256)) * 4,
              "huge field": b'curie,label\nMONDO:1,"' + b"a" * 200_000 + b"\n"}.get(damage)
    if broken is None:
        mondo.unlink()
        mondo.mkdir()
    else:
        mondo.write_bytes(broken)
    before = {path: path.read_bytes() for path in tiny_kb.root.rglob("*") if path.is_file()}
    plan = plan_sync(tiny_kb.root, TermIndex())
    assert plan.renamed and any("mondo/terms.csv" in problem for problem in plan.unreadable)
    with pytest.raises(DmkbError, match="not updated"):
        apply_plan(plan)
    assert {path: path.read_bytes() for path in tiny_kb.root.rglob("*") if path.is_file()} == before


def test_many_broken_links_are_checked_in_bounded_time(tiny_kb: TinyKb) -> None:
    steps = "".join(f"- name: Step {i} of the cascade\n  downstream:\n  - target: Step {i} of the cascad\n"
                    for i in range(4000))
    tiny_kb.write_entry(f"name: Broken Links\npathophysiology:\n{steps}", "Broken.yaml")
    started = time.monotonic()
    findings = [f for f in findings_of(tiny_kb.root, f"{DISORDERS}/Broken.yaml") if f.check == "graph"]
    assert time.monotonic() - started < 15
    assert len(findings) == 4000 and all("names no mechanism step" in f.message for f in findings)
    assert findings[0].hint == "did you mean 'Step 0 of the cascade'?"  # the first ones still get a suggestion
