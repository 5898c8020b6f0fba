"""Each check on a tiny KB: one planted defect in a clean entry gives exactly the expected finding."""

from __future__ import annotations

import pytest
from conftest import ENTRY, TinyKb

from dmkb.checks.finding import Finding
from dmkb.validate import validate


def findings_of(kb: TinyKb) -> set[tuple[str, str, str]]:
    return {(f.check, f.severity, f.path) for f in validate([kb.root], use_memo=False).findings}


def only_finding(kb: TinyKb) -> Finding:
    [finding] = validate([kb.root], use_memo=False).findings
    return finding


def test_the_tiny_entry_is_clean(tiny_kb: TinyKb) -> None:
    assert findings_of(tiny_kb) == set()


PLANTED = [
    # (what is replaced, by what, the one expected finding)
    ("  downstream:\n", "  downstrem:\n", ("schema", "error", "pathophysiology[0].downstrem")),
    ("supports: SUPPORT\n    evidence_source", "supports: SUPORT\n    evidence_source",
     ("schema", "error", "pathophysiology[0].evidence[0].supports")),
    ("- name: NK-Cell Expansion\n", "- name: NK-Cell Expansion\n  genes: TP53\n",
     ("schema", "error", "pathophysiology[0].genes")),
    ("category: Hematologic Malignancy\n", "category: Hematologic Malignancy\nphenotypes_extra: 1\n",
     ("schema", "error", "phenotypes_extra")),
    ("  - target: Hepatosplenomegaly\n", "  - target: Hepatosplenomegally\n",
     ("graph", "error", "pathophysiology[0].downstream[0].target")),
    ("  - target: NK-Cell Expansion\n", "  - target: NK Cell Expansion\n",
     ("graph", "error", "treatments[0].target_mechanisms[0].target")),
    ("  - reference: PMID:1000001\n    reference_title", "  - reference: MONDO\n    reference_title",
     ("reference", "error", "pathophysiology[0].evidence[0].reference")),
    ("  - reference: PMID:1000001\n    reference_title", "  - reference: PMID:1000002\n    reference_title",
     ("reference", "error", "pathophysiology[0].evidence[0].reference")),
    ("reference_title: Interleukin-6 drives", "reference_title: Interleukin-1 drives",
     ("reference", "error", "pathophysiology[0].evidence[0].reference_title")),
    ("snippet: Malignant NK cells expanded in the bone marrow",
     "snippet: Malignant T cells expanded in the bone marrow",
     ("snippet", "error", "pathophysiology[0].evidence[0].snippet")),
    ("snippet: TGF-beta1 signalling was increased", "snippet: ''",
     ("snippet", "warning", "phenotypes[0].evidence[0].snippet")),
    ("      id: HP:0001433\n      label: Hepatosplenomegaly", "      id: HP:0001433\n      label: Splenomegaly",
     ("term", "error", "phenotypes[0].phenotype_term.term.label")),
    ("      id: HP:0001433\n", "      id: HP:00014\n", ("term", "error", "phenotypes[0].phenotype_term.term.id")),
    ("      id: HP:0001433\n", "      id: HP:0009999\n", ("term", "warning", "phenotypes[0].phenotype_term.term.id")),
    ("  downstream:\n  - target: Hepatosplenomegaly\n", "", ("graph", "info", "phenotypes[0]")),
]


@pytest.mark.parametrize(("old", "new", "expected"), PLANTED, ids=[p[2][0] + ":" + p[2][2] for p in PLANTED])
def test_a_planted_defect_is_the_only_new_finding(tiny_kb: TinyKb, old: str, new: str, expected: tuple) -> None:
    assert old in ENTRY
    tiny_kb.write_entry(ENTRY.replace(old, new, 1))
    assert findings_of(tiny_kb) == {expected}


def test_an_edge_without_target_is_reported_and_leaves_its_phenotype_unlinked(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(ENTRY.replace("  - target: Hepatosplenomegaly\n", "  - description: no target\n"))
    assert findings_of(tiny_kb) == {("schema", "error", "pathophysiology[0].downstream[0]"),
                                    ("graph", "info", "phenotypes[0]")}


def test_duplicate_key_is_reported_at_its_line(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(ENTRY.replace("category: Hematologic Malignancy\n",
                                      "category: Hematologic Malignancy\ncategory: Rare Cancer\n"))
    finding = only_finding(tiny_kb)
    assert (finding.check, finding.path, finding.line) == ("yaml", "category", 3)
    assert "first at line 2" in finding.message


def test_broken_yaml_gives_one_finding_with_line_and_column(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(ENTRY.replace("  description: Malignant NK cells expand.\n",
                                      "  description: Malignant NK cells expand.\n   bad: indent\n"))
    finding = only_finding(tiny_kb)
    assert finding.check == "yaml" and finding.severity == "error"
    assert finding.line == 11 and finding.column is not None
    assert finding.hint


def test_hints_name_the_nearest_fix(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(ENTRY.replace("  downstream:\n  - target: Hepatosplenomegaly\n",
                                      "  downstream:\n  - target: Hepatosplenomegally\n").replace(
        "      label: Hepatosplenomegaly", "      label: Splenomegaly").replace("  downstream:\n", "  downstrem:\n"))
    hints = {f.check: f.hint for f in validate([tiny_kb.root], use_memo=False).findings}
    assert hints["schema"] == "did you mean 'downstream'?"
    assert hints["term"] == "write label: Hepatosplenomegaly"


def test_snippet_miss_shows_the_closest_passage(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(ENTRY.replace("TGF-beta1 signalling was increased", "TGF-beta1 signalling was decreased"))
    finding = only_finding(tiny_kb)
    assert "TGF-β1 signalling was increased" in finding.hint
    assert "% similar" in finding.hint
    assert "the quote has 'decreased' where the source has 'increased'" in finding.hint


def test_the_words_a_gap_stands_for_are_not_called_a_difference(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(ENTRY.replace("snippet: Malignant NK cells expanded in the bone marrow and spleen.",
                                      "snippet: Malignant NK cells ... bone marrow and liver."))
    finding = only_finding(tiny_kb)
    assert "the quote has 'liver' where the source has 'spleen'" in finding.hint
    assert "mark omissions" not in finding.hint


def test_a_quote_one_spelling_away_is_never_called_100_percent_similar(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(ENTRY.replace("snippet: Malignant NK cells expanded in the bone marrow and spleen.",
                                      "snippet: Malignant NK cells expanded in the bone marrow and the spleen of "
                                      "every treated animal, as Serum IL-6 levels rose sharply, and TGF-β1 "
                                      "signaling was increased in all treated animals."))
    finding = only_finding(tiny_kb)
    assert "100% similar" not in finding.hint and "% similar" in finding.hint


def test_a_damaged_cached_entry_is_reported_once_per_entry_however_often_cited(tiny_kb: TinyKb) -> None:
    source = tiny_kb.root / "references_cache" / "PMID_1000001.md"
    source.write_text("--" + source.read_text(encoding="utf-8")[3:], encoding="utf-8")  # the opening fence
    report = validate([tiny_kb.root], use_memo=False)
    damaged = [f for f in report.findings if "is damaged" in f.message]
    assert len(damaged) == 1 and "opening line is '--'" in damaged[0].message  # cited twice in ENTRY


def test_refuting_evidence_may_quote_absent_text(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(ENTRY.replace("    supports: SUPPORT\n    snippet: TGF", "    supports: REFUTE\n    snippet: TGF")
                        .replace("signalling was increased", "signalling was unchanged"))
    finding = only_finding(tiny_kb)
    assert (finding.check, finding.severity) == ("snippet", "info")


def test_every_file_is_checked_even_after_a_bad_one(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry("name: [unclosed\n", "A_Broken.yaml")
    tiny_kb.write_entry(b"\xff\xfe".decode("latin-1") + "name: x\n", "B_Latin.yaml")
    tiny_kb.write_entry("", "C_Empty.yaml")
    report = validate([tiny_kb.root], use_memo=False)
    assert report.files == 4
    assert {f.file for f in report.findings} == {
        "kb/disorders/A_Broken.yaml", "kb/disorders/B_Latin.yaml", "kb/disorders/C_Empty.yaml"}


def test_single_files_are_reported_relative_to_their_kb_root(tiny_kb: TinyKb) -> None:
    path = tiny_kb.write_entry(ENTRY.replace("label: Hepatosplenomegaly", "label: Fever"))
    report = validate([path], use_memo=False)
    assert report.root == tiny_kb.root
    assert [f.file for f in report.findings] == ["kb/disorders/Test_Leukemia.yaml"]


def test_history_files_are_skipped(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry("not: [valid", "Test_Leukemia.history.yaml")
    assert validate([tiny_kb.root], use_memo=False).files == 1


def test_ids_listed_in_an_enum_cache_count_as_cached(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(ENTRY.replace("      id: HP:0001433\n", "      id: HP:0009999\n"))
    assert findings_of(tiny_kb) == {("term", "warning", "phenotypes[0].phenotype_term.term.id")}
    enums = tiny_kb.root / "cache" / "enums"
    enums.mkdir()
    (enums / "phenotypeterm_0123.csv").write_text("curie\nHP:0009999\n", encoding="utf-8")
    assert findings_of(tiny_kb) == set()


def test_parts_out_of_order_are_named_as_such(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(ENTRY.replace("snippet: TGF-beta1 signalling was increased",
                                      "snippet: Ruxolitinib inhibited JAK-STAT signalling ... Serum IL-6 levels rose"))
    finding = only_finding(tiny_kb)
    assert finding.check == "snippet" and "not in this order" in finding.hint


def test_a_term_cache_without_labels_is_reported(tiny_kb: TinyKb) -> None:
    (tiny_kb.root / "cache" / "hp" / "terms.csv").write_text("curie\nHP:0001433\n", encoding="utf-8")
    finding = only_finding(tiny_kb)
    assert (finding.check, finding.severity, finding.file, finding.line) == ("term", "error", "cache/hp/terms.csv", 1)
    assert "'label'" in finding.message


def test_a_term_cache_without_ids_is_reported_and_its_terms_count_as_uncached(tiny_kb: TinyKb) -> None:
    (tiny_kb.root / "cache" / "hp" / "terms.csv").write_text("id,name\nHP:0001433,x\n", encoding="utf-8")
    assert findings_of(tiny_kb) == {("term", "error", ""), ("term", "warning", "phenotypes[0].phenotype_term.term.id")}


def test_check_names_are_those_of_the_check_modules_in_their_order() -> None:
    from dmkb.checks import CHECK_NAMES, caches, file_checks, research

    assert tuple(dict.fromkeys(m.NAME for m in (*file_checks(), caches, research))) == CHECK_NAMES
