"""Remembered findings: reused only while the file and everything it depends on are unchanged."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import ENTRY, TinyKb, edit_keeping_size_and_mtime

from dmkb import fs
from dmkb import validate as validate_module
from dmkb.load.kb import KbFiles
from dmkb.validate import Validator, validate

OTHER = ENTRY.replace("name: Test Leukemia", "name: Other Leukemia")
FEVER = ENTRY.replace("label: Hepatosplenomegaly", "label: Fever")


def test_unchanged_files_are_remembered_with_the_same_findings(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(ENTRY.replace("label: Hepatosplenomegaly", "label: Fever"))
    tiny_kb.write_entry(OTHER, "Other.yaml")
    first = validate([tiny_kb.root])
    second = validate([tiny_kb.root])
    assert (first.reused, second.reused) == (0, 2)
    assert second.findings == first.findings == validate([tiny_kb.root], use_memo=False).findings


def test_a_changed_file_is_checked_again(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(OTHER, "Other.yaml")
    validate([tiny_kb.root])
    tiny_kb.write_entry(ENTRY.replace("label: Hepatosplenomegaly", "label: Fever"))
    report = validate([tiny_kb.root])
    assert report.reused == 1
    assert [f.check for f in report.findings] == ["term"]


def test_a_changed_reference_text_invalidates_the_files_citing_it(tiny_kb: TinyKb) -> None:
    assert validate([tiny_kb.root]).findings == []
    source = tiny_kb.root / "references_cache" / "PMID_1000001.md"
    source.write_text(source.read_text().replace("Malignant NK cells expanded", "Malignant cells grew"))
    os.utime(source, ns=(1, 1))  # a different modification time, whatever the clock's resolution
    report = validate([tiny_kb.root])
    assert report.reused == 0
    assert [f.check for f in report.findings] == ["snippet"]


def test_a_changed_term_cache_invalidates_everything(tiny_kb: TinyKb) -> None:
    validate([tiny_kb.root])
    terms = tiny_kb.root / "cache" / "hp" / "terms.csv"
    terms.write_text(terms.read_text().replace("HP:0001433,Hepatosplenomegaly", "HP:0001433,Enlarged liver and spleen"))
    report = validate([tiny_kb.root])
    assert report.reused == 0
    assert [f.check for f in report.findings] == ["term"]


def test_a_damaged_memo_is_ignored(tiny_kb: TinyKb, isolated_home) -> None:
    validate([tiny_kb.root])
    for saved in (isolated_home / "validate").iterdir():
        saved.write_text("{not json")
    assert validate([tiny_kb.root]).reused == 0


def test_a_file_untouched_since_it_was_checked_is_not_read_again(tiny_kb: TinyKb, monkeypatch) -> None:
    monkeypatch.setattr(fs, "RACY_NS", -1)  # times taken now count as settled
    tiny_kb.write_entry(FEVER)
    first = validate([tiny_kb.root])
    monkeypatch.setattr(KbFiles, "read_disorder", _must_not_read)
    second = validate([tiny_kb.root])
    assert (second.reused, second.findings) == (1, first.findings)


def test_an_edit_that_keeps_the_size_and_the_modification_time_is_seen(tiny_kb: TinyKb, monkeypatch) -> None:
    monkeypatch.setattr(fs, "RACY_NS", -1)
    path = tiny_kb.write_entry(ENTRY)
    assert validate([tiny_kb.root]).findings == []
    before = path.stat()
    path.write_text(ENTRY.replace("label: Hepatosplenomegaly", "label: Hepatosplenomegalx"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as a tool restoring times would
    assert path.stat().st_size == before.st_size
    report = validate([tiny_kb.root])
    assert report.reused == 0
    assert [f.check for f in report.findings] == ["term"]


def test_a_file_written_just_now_is_read_again_however_its_times_look(tiny_kb: TinyKb, monkeypatch) -> None:
    path = tiny_kb.root / "kb" / "disorders" / "Test_Leukemia.yaml"
    future = time.time_ns() + 3600 * 10**9  # however late validate starts, its times are less than RACY_NS old
    os.utime(path, ns=(future, future))
    validate([tiny_kb.root])  # a write in the same clock tick could keep its times: they are not remembered
    reads = []
    monkeypatch.setattr(KbFiles, "read_disorder", lambda self, path: reads.append(path) or READ(self, path))
    assert validate([tiny_kb.root]).reused == 1
    assert len(reads) == 1


READ = KbFiles.read_disorder


def _must_not_read(self: KbFiles, path: Path) -> None:
    raise AssertionError(f"{path} was read although it did not change")


def test_files_not_read_again_are_still_checked_again_when_a_cited_text_or_a_term_cache_changes(
        tiny_kb: TinyKb, monkeypatch) -> None:
    monkeypatch.setattr(fs, "RACY_NS", -1)
    validate([tiny_kb.root])
    source = tiny_kb.root / "references_cache" / "PMID_1000001.md"
    source.write_text(source.read_text().replace("Malignant NK cells expanded", "Malignant cells grew"))
    assert [f.check for f in validate([tiny_kb.root]).findings] == ["snippet"]
    terms = tiny_kb.root / "cache" / "hp" / "terms.csv"
    terms.write_text(terms.read_text().replace("HP:0001433,Hepatosplenomegaly", "HP:0001433,Enlarged liver"))
    assert sorted(f.check for f in validate([tiny_kb.root]).findings) == ["snippet", "term"]


def test_the_time_a_file_was_looked_at_decides_whether_its_times_are_remembered(tiny_kb: TinyKb, monkeypatch) -> None:
    path = tiny_kb.root / "kb" / "disorders" / "Test_Leukemia.yaml"
    written = time.time_ns() + 10 * fs.RACY_NS  # however late validate starts, too recent when looked at
    os.utime(path, ns=(written, written))
    offset = [0]
    real_time_ns = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real_time_ns() + offset[0])

    def read_then_wait(self: KbFiles, path: Path):
        offset[0] = 100 * fs.RACY_NS  # the findings are saved long after the file was looked at
        return READ(self, path)

    monkeypatch.setattr(KbFiles, "read_disorder", read_then_wait)
    validate([tiny_kb.root])
    reads = []
    monkeypatch.setattr(KbFiles, "read_disorder", lambda self, path: reads.append(path) or READ(self, path))
    assert validate([tiny_kb.root]).reused == 1
    assert len(reads) == 1


def test_a_term_cache_and_an_entry_changed_together_leave_no_stale_findings_in_the_memo(tiny_kb: TinyKb) -> None:
    validator = Validator([tiny_kb.root])  # as `dmkb validate --watch` keeps it
    validator.run()
    validator.save()
    # as `git checkout` would: a term cache and an entry change together
    terms = tiny_kb.root / "cache" / "hp" / "terms.csv"
    terms.write_text(terms.read_text().replace("HP:0001433,Hepatosplenomegaly", "HP:0001433,Enlarged liver"))
    entry = tiny_kb.root / "kb" / "disorders" / "Test_Leukemia.yaml"
    entry.write_text(entry.read_text() + "# a comment\n")
    validator.run(caches_changed=False)  # the watch saw the entry first: the term caches it holds are the old ones
    validator.save()
    fresh = validate([tiny_kb.root], use_memo=False).findings
    assert [f.check for f in fresh] == ["term"]
    assert validate([tiny_kb.root]).findings == fresh  # the next command
    assert validator.run(caches_changed=True).findings == fresh  # the watch, once it saw the term cache


@pytest.mark.parametrize(("cached", "old", "new", "check"), [
    ("references_cache/PMID_1000001.md", "NK cells expanded", "NK cells exploded", "snippet"),
    ("cache/hp/terms.csv", "HP:0001433,Hepatosplenomegaly", "HP:0001433,Hepatosplenomegalx", "term"),
])
def test_a_cache_file_edited_keeping_its_size_and_modification_time_is_seen(
        tiny_kb: TinyKb, cached: str, old: str, new: str, check: str) -> None:
    assert validate([tiny_kb.root]).findings == []
    edit_keeping_size_and_mtime(tiny_kb.root / cached, old, new)
    assert [f.check for f in validate([tiny_kb.root]).findings] == [check]


def test_a_file_unreadable_when_a_text_it_cites_changed_is_checked_again_once_readable(tiny_kb: TinyKb) -> None:
    path = tiny_kb.root / "kb" / "disorders" / "Test_Leukemia.yaml"
    content = path.read_bytes()
    assert validate([tiny_kb.root]).findings == []
    source = tiny_kb.root / "references_cache" / "PMID_1000001.md"
    source.write_text(source.read_text().replace("Malignant NK cells expanded", "Malignant cells grew"))
    path.unlink()
    os.mkfifo(path)
    assert [f.check for f in validate([tiny_kb.root]).findings] == ["yaml"]
    path.unlink()
    path.write_bytes(content)  # the same bytes as when it was last checked, against the old text
    assert [f.check for f in validate([tiny_kb.root]).findings] == ["snippet"]


def test_a_cited_text_changed_while_a_file_is_checked_is_seen_by_the_next_run(tiny_kb: TinyKb, monkeypatch) -> None:
    source = tiny_kb.root / "references_cache" / "PMID_1000001.md"

    def check_while_the_text_changes(entry, kb):
        findings = CHECK_FILE(entry, kb)
        source.write_text(source.read_text().replace("Malignant NK cells expanded", "Malignant cells grew"))
        return findings

    monkeypatch.setattr(validate_module, "check_file", check_while_the_text_changes)
    assert validate([tiny_kb.root]).findings == []  # checked against the text as it was read
    monkeypatch.setattr(validate_module, "check_file", CHECK_FILE)
    assert [f.check for f in validate([tiny_kb.root]).findings] == ["snippet"]


CHECK_FILE = validate_module.check_file
