"""The ``term`` check with the term index: wrong ontology, wrong branch, unknown, obsolete and
outdated labels, each at the right path; the fall-back to the KB's caches; ``dmkb terms sync``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import ENTRY, TinyKb, run_dmkb

from dmkb.validate import NO_TERM_INDEX, validate

PHENOTYPE_ID = "      id: HP:0001433\n      label: Hepatosplenomegaly"
PHENOTYPE_PATH = "phenotypes[0].phenotype_term.term"


def term_findings(kb: TinyKb, entry: str) -> list:
    kb.write_entry(entry)
    return [f for f in validate([kb.root], use_memo=False).findings if f.check == "term"]


def test_the_tiny_entry_is_clean_against_the_index(tiny_kb: TinyKb, with_term_index: Path) -> None:
    report = validate([tiny_kb.root], use_memo=False)
    assert report.findings == [] and report.notes == []


@pytest.mark.parametrize(("replacement", "path", "severity", "message"), [
    ("      id: GO:0007259\n      label: receptor signaling pathway via JAK-STAT", ".id", "error",
     "GO:0007259 is a GO term, but phenotype terms come from HP or MONDO"),
    ("      id: HP:0000735\n      label: obsolete Impaired social interactions", ".id", "error",
     "HP:0000735 (obsolete Impaired social interactions) is obsolete in HP 2025-11-24"),
    ("      id: HP:0001433\n      label: Liver and spleen grown", ".label", "error",
     "label 'Liver and spleen grown' differs from the current label of HP:0001433 in HP 2025-11-24: "
     "'Hepatosplenomegaly'"),
    ("      id: HP:0000006\n      label: Autosomal dominant inheritance", ".id", "error",
     "HP:0000006 (Autosomal dominant inheritance) is not under HP:0000118 (Phenotypic abnormality), "
     "where phenotype terms belong"),
    ("      id: HP:9999999\n      label: Made up", ".id", "error", "HP:9999999 does not exist in HP 2025-11-24"),
])
def test_term_defects_are_found_at_the_right_path(tiny_kb: TinyKb, with_term_index: Path, replacement: str,
                                                  path: str, severity: str, message: str) -> None:
    [finding] = term_findings(tiny_kb, ENTRY.replace(PHENOTYPE_ID, replacement))
    assert (finding.path, finding.severity) == (PHENOTYPE_PATH + path, severity)
    assert finding.message == message
    assert finding.line == ENTRY.splitlines().index("      id: HP:0001433") + 1 + (path == ".label")


STEP_LINE = "  description: Malignant NK cells expand.\n"


def _step_term(slot: str, curie: str, label: str) -> str:
    """The tiny entry with one more term on its mechanism step."""
    return ENTRY.replace(STEP_LINE, f"{STEP_LINE}  {slot}:\n  - preferred_term: x\n    term:\n"
                                    f"      id: {curie}\n      label: {label}\n")


def _phenotype(preferred: str, label: str) -> str:
    """The tiny entry with HP:0001433 (Hepatosplenomegaly) written under this preferred term and label."""
    return ENTRY.replace("    preferred_term: Hepatosplenomegaly\n", f"    preferred_term: {preferred}\n").replace(
        PHENOTYPE_ID, f"      id: HP:0001433\n      label: {label}")


@pytest.mark.parametrize(("entry", "path", "message", "hint"), [
    # the label is right and the id is another term's: the hint names the id that fits, not a label to copy
    (_phenotype("Fever", "Fever"), PHENOTYPE_PATH + ".id",
     "HP:0001433 is 'Hepatosplenomegaly', but the label 'Fever' is the name of HP:0001945 in HP 2025-11-24: "
     "the id is probably wrong", "write id: HP:0001945 (Fever)"),
    (_step_term("genes", "hgnc:936", "BACH2"), "pathophysiology[0].genes[0].term.id",
     "hgnc:936 is 'BAD', but the label 'BACH2' is the name of HGNC:14078 in HGNC",
     "write id: HGNC:14078 (BACH2)"),
    (_step_term("locations", "UBERON:0002104", "zona glomerulosa of adrenal gland"),
     "pathophysiology[0].locations[0].term.id", "the id is probably wrong", "write id: UBERON:0002053 "
     "(zona glomerulosa of adrenal gland)"),
    # a synonym of another term counts as its name
    (_phenotype("Pyrexia", "Pyrexia"), PHENOTYPE_PATH + ".id",
     "the label 'Pyrexia' is the name of HP:0001945", "write id: HP:0001945 (Fever)"),
    # the preferred term sides with the id: the label is the odd one out
    (_phenotype("Hepatosplenomegaly", "Fever"), PHENOTYPE_PATH + ".label",
     "label 'Fever' differs from the current label of HP:0001433",
     "write label: Hepatosplenomegaly (the preferred_term names it too)"),
    # a label that names no term: only then is the label what to change
    (_phenotype("Liver and spleen too large", "Liver and spleen too large"),
     PHENOTYPE_PATH + ".label", "differs from the current label of HP:0001433",
     "if HP:0001433 is meant, write label: Hepatosplenomegaly; if not, find the id: "
     "dmkb terms search 'Liver and spleen too large' --prefix HP"),
])
def test_a_right_label_on_a_wrong_id_names_the_id_that_fits(tiny_kb: TinyKb, with_term_index: Path, entry: str,
                                                             path: str, message: str, hint: str) -> None:
    [finding] = term_findings(tiny_kb, entry)
    assert (finding.path, finding.severity, finding.hint) == (path, "error", hint)
    assert message in finding.message


def test_obsolete_finding_names_the_replacement(tiny_kb: TinyKb, with_term_index: Path) -> None:
    [finding] = term_findings(tiny_kb, ENTRY.replace(PHENOTYPE_ID, "      id: HP:0000735\n      label: x"))
    assert finding.hint == "replace it with HP:0012760 (Reduced social responsiveness)"


def test_a_label_the_cache_still_holds_is_called_out(tiny_kb: TinyKb, with_term_index: Path) -> None:
    cache = tiny_kb.root / "cache" / "hp" / "terms.csv"
    cache.write_text(cache.read_text().replace("HP:0001945,Fever", "HP:0001945,Pyrexia"))
    entry = ENTRY.replace(PHENOTYPE_ID, "      id: HP:0001945\n      label: Pyrexia")
    [finding] = term_findings(tiny_kb, entry)
    assert "(the KB's term cache still holds this older label)" in finding.message
    assert finding.hint == "write label: Fever; refresh the cache with: dmkb terms sync --write"


def test_the_wrong_ontology_is_found_without_an_index(tiny_kb: TinyKb) -> None:
    entry = ENTRY.replace(PHENOTYPE_ID, "      id: CL:0000623\n      label: natural killer cell")
    [finding] = term_findings(tiny_kb, entry)
    assert finding.message == "CL:0000623 is a CL term, but phenotype terms come from HP or MONDO"


def test_without_an_index_the_caches_decide_and_the_report_says_what_was_skipped(tiny_kb: TinyKb) -> None:
    # obsolete, but the cache cannot tell: only "not cached" can be said
    entry = ENTRY.replace(PHENOTYPE_ID, "      id: HP:0000735\n      label: obsolete Impaired social interactions")
    [finding] = term_findings(tiny_kb, entry)
    assert (finding.severity, finding.message) == ("warning", "HP:0000735 is not in the KB's term cache (hp)")
    result = run_dmkb("validate", tiny_kb.root, "--format", "json")
    assert result.json()["summary"]["notes"] == [NO_TERM_INDEX]
    assert "dmkb terms build" in run_dmkb("validate", tiny_kb.root).stdout


def test_prefixes_the_index_lacks_fall_back_to_the_cache(tiny_kb: TinyKb, with_term_index: Path) -> None:
    maxo = tiny_kb.root / "cache" / "maxo"
    maxo.mkdir()
    (maxo / "terms.csv").write_text("curie,label\nMAXO:0000058,pharmacotherapy\n")
    entry = ENTRY + "  treatment_term:\n    preferred_term: drug\n    term:\n      id: MAXO:0000058\n" \
                    "      label: drug therapy\n"
    [finding] = term_findings(tiny_kb, entry)
    assert finding.message == "label 'drug therapy' differs from the label of MAXO:0000058: 'pharmacotherapy'"
    assert finding.path == "treatments[0].treatment_term.term.label"


def test_remembered_findings_are_dropped_when_the_index_changes(tiny_kb: TinyKb, term_home: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    entry = ENTRY.replace(PHENOTYPE_ID, "      id: HP:0000735\n      label: obsolete Impaired social interactions")
    tiny_kb.write_entry(entry)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("DMKB_HOME", str(home))
    assert validate([tiny_kb.root]).counts()["error"] == 0  # no index: a cache warning only
    (home / "terms").symlink_to(term_home / "terms")
    assert validate([tiny_kb.root]).counts()["error"] == 1  # the index is new: checked again


@pytest.fixture
def corpus_copy(corpus_root: Path, tmp_path: Path) -> Path:
    root = tmp_path / "kb_copy"
    (root / "kb" / "disorders").mkdir(parents=True)
    for name in ("Aggressive_NK-cell_Leukemia", "Psoriasis", "Gout"):
        shutil.copy(corpus_root / "kb" / "disorders" / f"{name}.yaml", root / "kb" / "disorders")
    (root / "references_cache").symlink_to(corpus_root / "references_cache")
    shutil.copytree(corpus_root / "cache", root / "cache")
    return root


def _replace_first(path: Path, pattern: str, replacement: str) -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    for index, line in enumerate(lines):
        if re.search(pattern, line):
            lines[index] = re.sub(pattern, replacement, line)
            path.write_text("\n".join(lines), encoding="utf-8")
            return index + 1
    raise AssertionError(f"no line matches {pattern}")


PLANTS = {
    # a GO process where a phenotype belongs
    "go-as-phenotype": ("Psoriasis", r"id: HP:\d{7}", "id: GO:0006954", ".id", "is a GO term, but phenotype terms"),
    # a phenotype made obsolete in HP
    "obsolete": ("Gout", r"id: HP:\d{7}", "id: HP:0000735", ".id", "is obsolete in HP 2025-11-24"),
    "label": ("Aggressive_NK-cell_Leukemia", r"label: Fever$", "label: Pyrexial state", ".label",
              "differs from the current label of HP:0001945 in HP 2025-11-24: 'Fever'"),
}


@pytest.mark.parametrize("kind", list(PLANTS))
def test_planted_term_defect_in_a_real_entry_is_the_only_new_finding(corpus_copy: Path, with_term_index: Path,
                                                                    kind: str) -> None:
    stem, pattern, replacement, path_end, message = PLANTS[kind]
    before = {(f.path, f.message) for f in validate([corpus_copy], use_memo=False).findings}
    line = _replace_first(corpus_copy / "kb" / "disorders" / f"{stem}.yaml", pattern, replacement)
    new = [f for f in validate([corpus_copy], use_memo=False).findings if (f.path, f.message) not in before]
    assert len(new) == 1, new
    [finding] = new
    assert (finding.check, finding.file, finding.line) == ("term", f"kb/disorders/{stem}.yaml", line)
    assert finding.path.endswith(path_end) and message in finding.message


def test_sync_adds_renames_and_reports_obsolete_without_touching_entries(tiny_kb: TinyKb,
                                                                         with_term_index: Path) -> None:
    cache = tiny_kb.root / "cache" / "hp" / "terms.csv"
    cache.write_text(cache.read_text().replace("HP:0001945,Fever", "HP:0001945,Pyrexia"))
    entry = ENTRY + ("- name: Odd\n  phenotype_term:\n    preferred_term: odd\n    term:\n      id: HP:0000735\n"
                     "      label: obsolete Impaired social interactions\n")
    entry_path = tiny_kb.write_entry(entry)
    dry = run_dmkb("terms", "sync", tiny_kb.root, "--format", "json")
    assert dry.code == 0, dry.stderr
    plan = dry.json()
    changes = {(c["kind"], c["id"]) for c in plan["changes"]}
    assert changes == {("rename", "HP:0001945"), ("obsolete", "HP:0000735")}
    assert plan["written"] == [] and "Pyrexia" in cache.read_text()
    obsolete = next(c for c in plan["changes"] if c["kind"] == "obsolete")
    assert obsolete["replaced_by"] == "HP:0012760"

    # an entry using a term the cache lacks
    entry_path.write_text(entry.replace(
        "- name: Odd", "- name: Fever\n  phenotype_term:\n    preferred_term: fever\n    term:\n"
        "      id: HP:0002240\n      label: Hepatomegaly\n- name: Odd"), encoding="utf-8")
    entry_bytes = entry_path.read_bytes()
    written = run_dmkb("terms", "sync", tiny_kb.root, "--write", "--format", "json").json()
    assert written["written"] == [str(cache)]
    rows = cache.read_text().splitlines()
    assert rows[0] == "curie,label,retrieved_at"
    assert any(r.startswith("HP:0001945,Fever,") for r in rows)
    assert any(r.startswith("HP:0002240,Hepatomegaly,") for r in rows)
    assert entry_path.read_bytes() == entry_bytes
    assert {c["kind"] for c in run_dmkb("terms", "sync", tiny_kb.root, "--format", "json").json()["changes"]} \
        == {"obsolete"}
