"""On the real dismech corpus: it validates cleanly where it should, fast, and planted defects
are each reported exactly once, at the right file and line, with nothing else new."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import REPO

from dmkb.validate import validate

sys.path.insert(0, str(REPO / "benchmarks"))
from snippets import possible_false_alarms, symbol_false_alarms  # noqa: E402 - the benchmark's own counts


def test_corpus_has_no_schema_or_yaml_errors(corpus_root: Path) -> None:
    report = validate([corpus_root], use_memo=False)
    assert report.files == 42
    assert [f for f in report.findings if f.check in ("yaml", "schema") and f.severity != "info"] == []


def test_corpus_known_defects_are_found(corpus_root: Path) -> None:
    found = {(f.check, f.file.split("/")[-1], f.path) for f in validate([corpus_root], use_memo=False).findings}
    # real defects of the corpus, checked by hand
    assert ("graph", "Alzheimers_Disease.yaml", "pathophysiology[2].downstream[1].target") in found
    assert ("reference", "Wilsons_Disease.yaml", "pathophysiology[2].evidence[3].reference") in found
    assert ("snippet", "Addisons_Disease.yaml", "pathophysiology[1].evidence[0].snippet") in found  # parts out of order


def test_corpus_snippet_errors_are_no_false_alarms(corpus_root: Path) -> None:
    report = validate([corpus_root], use_memo=False)
    errors = [f for f in report.findings if f.check == "snippet" and f.severity == "error"]
    assert len(errors) == 3  # each quotes parts out of their order in the source (checked by hand)
    assert possible_false_alarms(corpus_root, errors) == []


def test_symbols_in_the_cached_texts_cause_no_false_alarms(corpus_root: Path) -> None:
    texts, made, missed = symbol_false_alarms(corpus_root)
    assert texts == 1168 and {"\u2122", "\u2103", "\u00aa", "\u2162"} <= set(made)  # ™ ℃ ª Ⅲ
    assert missed == []


@pytest.fixture
def corpus_copy(corpus_root: Path, tmp_path: Path) -> Path:
    """Six corpus entries in a KB of our own; the caches are linked, never copied."""
    root = tmp_path / "kb_copy"
    (root / "kb" / "disorders").mkdir(parents=True)
    for name in ("Aggressive_NK-cell_Leukemia", "Addisons_Disease", "Graves_Disease", "Psoriasis",
                 "Cystic_Fibrosis", "Apert_Syndrome"):
        shutil.copy(corpus_root / "kb" / "disorders" / f"{name}.yaml", root / "kb" / "disorders")
    (root / "references_cache").symlink_to(corpus_root / "references_cache")
    (root / "cache").symlink_to(corpus_root / "cache")
    return root


def _plant(path: Path, pattern: str, replace) -> int:
    """Apply ``replace`` to the first line matching ``pattern``; return its 1-based line number."""
    raw = path.read_bytes()
    newline = b"\r\n" if b"\r\n" in raw else b"\n"
    lines = raw.decode("utf-8").split(newline.decode())
    for index, line in enumerate(lines):
        if re.search(pattern, line):
            lines[index : index + 1] = replace(line)
            path.write_bytes(newline.join(s.encode("utf-8") for s in lines))
            return index + 1
    raise AssertionError(f"no line matches {pattern}")


PLANTS = {
    "snippet": ("Addisons_Disease", r"^\s+snippet: [A-Z].{40,}[a-z]$",
                lambda line: [line.rsplit(" ", 1)[0] + " zebra"], "snippet", ".snippet"),
    "label": ("Graves_Disease", r"^\s+label: ", lambda line: [line.split(":")[0] + ": Wrong label"],
              "term", ".label"),
    "dangling": ("Aggressive_NK-cell_Leukemia", r"^\s+- target: ",
                 lambda line: [line + " Typo"], "graph", ".target"),
    "unknown": ("Psoriasis", r"^name: ", lambda line: [line, "mechanism_summry: planted"], "schema",
                "mechanism_summry"),
    "uncached": ("Cystic_Fibrosis", r"^\s+- reference: PMID:",
                 lambda line: [line.split("PMID:")[0] + "PMID:99999999"], "reference", ".reference"),
    "duplicate": ("Apert_Syndrome", r"^name: ", lambda line: [line, "name: Apert"], "yaml", "name"),
}


@pytest.mark.parametrize("kind", list(PLANTS))
def test_planted_defect_is_reported_once_and_nothing_else_is_new(corpus_copy: Path, kind: str) -> None:
    stem, pattern, replace, check, path_end = PLANTS[kind]
    before = {(f.check, f.file, f.path, f.message) for f in validate([corpus_copy], use_memo=False).findings}
    line = _plant(corpus_copy / "kb" / "disorders" / f"{stem}.yaml", pattern, replace)
    after = validate([corpus_copy], use_memo=False).findings
    new = [f for f in after if (f.check, f.file, f.path, f.message) not in before]
    assert len(new) == 1, new
    [finding] = new
    assert finding.check == check
    assert finding.file == f"kb/disorders/{stem}.yaml"
    assert finding.path.endswith(path_end)
    assert finding.line in (line, line + 1)  # a planted duplicate sits on the line after its original
    assert finding.severity == "error"


def test_broken_yaml_is_reported_at_its_line(corpus_copy: Path) -> None:
    path = corpus_copy / "kb" / "disorders" / "Psoriasis.yaml"
    line = _plant(path, r"^name: ", lambda line: [line, "  - broken: [unclosed"])
    findings = [f for f in validate([corpus_copy], use_memo=False).findings if f.file.endswith("Psoriasis.yaml")]
    assert [(f.check, f.severity) for f in findings] == [("yaml", "error")]
    assert abs(findings[0].line - (line + 1)) <= 1
