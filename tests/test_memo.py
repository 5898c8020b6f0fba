"""Remembered findings: reused only while the file and everything it depends on are unchanged."""

from __future__ import annotations

import os

from conftest import ENTRY, TinyKb

from dmkb.validate import validate

OTHER = ENTRY.replace("name: Test Leukemia", "name: Other Leukemia")


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
    for memo in (isolated_home / "validate").iterdir():
        memo.write_text("{not json")
    assert validate([tiny_kb.root]).reused == 0
