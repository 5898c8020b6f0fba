"""The cache store: the dismech format read and written, entries ranked, never made worse;
identity checks and the offline verification of a whole cache."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import CORPUS

from dmkb.load.reference_files import parse_reference
from dmkb.references.cache import ReferenceCache
from dmkb.references.identity import cached_problems, record_problems
from dmkb.references.record import ABSTRACT, FULL_TEXT, LiteratureRecord
from dmkb.references.store import EmptyRecord, ReferenceStore, content_of, record_of
from dmkb.references.verify import verify_cache

ABSTRACT_RECORD = LiteratureRecord(
    reference_id="PMID:99000001",
    title="JAK-STAT activation drives STAT3-dependent survival of leukemic NK cells.",
    text="BACKGROUND: ANKL is rare.\n\nRESULTS: STAT3 was phosphorylated.",
    content_type=ABSTRACT,
    authors=("Nakamura A", "Okafor CE"),
    journal="J Hypothet Hematol",
    year="2024",
    doi="10.5555/dmkb.2024.001",
    pmid="99000001",
    pmcid="PMC99900001",
    source="pubmed",
)
FULL_RECORD = ABSTRACT_RECORD.with_changes(
    text=ABSTRACT_RECORD.text + "\n\n### Results\n\nSpleen size fell by 40%.", content_type=FULL_TEXT
)


def test_render_reads_back_as_the_same_record(tmp_path: Path) -> None:
    store = ReferenceStore(tmp_path)
    assert store.save(ABSTRACT_RECORD).status == "written"
    path = tmp_path / "PMID_99000001.md"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\nreference_id: PMID:99000001\n")
    assert "\n# JAK-STAT activation drives STAT3-dependent survival of leukemic NK cells.\n" in text
    assert "\n## Content\n\nBACKGROUND: ANKL is rare.\n\nRESULTS: STAT3 was phosphorylated.\n" in text
    cached = parse_reference(text)
    assert cached.problem is None
    assert cached.metadata["year"] == "2024" and cached.metadata["content_type"] == ABSTRACT
    entry = ReferenceStore(tmp_path).get("PMID:99000001")
    assert entry is not None and entry.problems == ()
    back = record_of(entry)
    assert (back.title, back.text, back.authors, back.doi, back.pmcid, back.year) == (
        ABSTRACT_RECORD.title, ABSTRACT_RECORD.text, ABSTRACT_RECORD.authors, ABSTRACT_RECORD.doi,
        ABSTRACT_RECORD.pmcid, ABSTRACT_RECORD.year)


@pytest.mark.parametrize(
    "text",
    [
        '---\nreference_id: "PMID:99000001"\ntitle: "T"\ncontent_type: abstract_only\nkeywords: [a]\n---\n\n# T\n\n## Content\n\nThe text.',
        "---\nreference_id: PMID:99000001\ntitle: T\ncontent_type: abstract_only\n---\n\n# T\n**Authors:** X\n\n## Content\n\nThe text.\n",
        "# T\n\nThe text.\n",  # no front matter at all
    ],
    ids=["quoted-id-extra-key-no-newline", "bare-id", "no-front-matter"],
)
def test_variants_of_the_format_are_read(tmp_path: Path, text: str) -> None:
    (tmp_path / "PMID_99000001.md").write_text(text, encoding="utf-8")
    entry = ReferenceStore(tmp_path).get("PMID:99000001")
    assert entry is not None
    assert entry.content == "The text."
    assert entry.cached.title == "T"
    assert entry.problems == ()


def test_corpus_entries_read_with_their_content(corpus_root: Path) -> None:
    store = ReferenceStore(corpus_root / "references_cache")
    for reference_id in ("PMID:16542468", "DOI:10.1155/crh/7796972", "clinicaltrials:NCT03623087"):
        entry = store.get(reference_id)
        assert entry is not None and entry.problems == (), reference_id
        assert entry.rank > 0 and not entry.content.startswith(("#", "**"))


@pytest.mark.parametrize(
    ("first", "second", "force", "status", "kept_type"),
    [
        (ABSTRACT_RECORD, FULL_RECORD, False, "replaced", FULL_TEXT),  # full text over abstract
        (FULL_RECORD, ABSTRACT_RECORD, False, "kept", FULL_TEXT),  # never worse
        (ABSTRACT_RECORD, ABSTRACT_RECORD.with_changes(title="Other"), False, "kept", ABSTRACT),  # not better
        (FULL_RECORD, ABSTRACT_RECORD, True, "replaced", ABSTRACT),  # unless forced
    ],
)
def test_an_entry_is_replaced_only_by_a_better_one_or_by_force(
    tmp_path: Path, first: LiteratureRecord, second: LiteratureRecord, force: bool, status: str, kept_type: str
) -> None:
    store = ReferenceStore(tmp_path)
    store.save(first)
    assert store.save(second, force=force).status == status
    assert ReferenceStore(tmp_path).get("PMID:99000001").content_type == kept_type


def test_an_empty_record_is_never_written_even_by_force(tmp_path: Path) -> None:
    store = ReferenceStore(tmp_path)
    with pytest.raises(EmptyRecord, match="PMID:99000002"):
        store.save(ABSTRACT_RECORD.with_changes(reference_id="PMID:99000002", pmid="99000002", text=" \n"))
    assert not (tmp_path / "PMID_99000002.md").exists()
    store.save(ABSTRACT_RECORD)
    before = (tmp_path / "PMID_99000001.md").read_bytes()
    with pytest.raises(EmptyRecord):
        store.save(ABSTRACT_RECORD.with_changes(text=""), force=True)
    assert (tmp_path / "PMID_99000001.md").read_bytes() == before


@pytest.mark.parametrize(
    "damage",
    [
        "---\nreference_id: PMID:99000001\ntitle: [unclosed\n---\n\n## Content\n\nOld text.\n",  # damaged front matter
        "---\nreference_id: PMID:99000001\ncontent_type: abstract_only\n---\n\n# T\n\n## Content\n\n",  # empty
        "---\nreference_id: PMID:99000777\ncontent_type: abstract_only\n---\n\n## Content\n\nWrong paper.\n",
    ],
    ids=["damaged", "empty", "wrong-paper"],
)
def test_damaged_empty_or_wrong_entries_are_replaced_by_any_good_record(tmp_path: Path, damage: str) -> None:
    (tmp_path / "PMID_99000001.md").write_text(damage, encoding="utf-8")
    store = ReferenceStore(tmp_path)
    assert store.get("PMID:99000001").rank == 0
    assert store.save(ABSTRACT_RECORD).status == "replaced"
    assert "STAT3 was phosphorylated" in (tmp_path / "PMID_99000001.md").read_text(encoding="utf-8")


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path: Path) -> None:
    store = ReferenceStore(tmp_path)
    store.save(ABSTRACT_RECORD)
    store.save(FULL_RECORD)
    assert sorted(os.listdir(tmp_path)) == ["PMID_99000001.md"]
    assert stat.S_IMODE((tmp_path / "PMID_99000001.md").stat().st_mode) == 0o644  # not the temp file's 0600


def test_the_existing_file_is_replaced_whatever_the_case_of_its_name(tmp_path: Path) -> None:
    record = ABSTRACT_RECORD.with_changes(reference_id="DOI:10.5555/DMKB.2024.001", doi="10.5555/DMKB.2024.001")
    (tmp_path / "DOI_10.5555_dmkb.2024.001.md").write_text(
        "---\nreference_id: DOI:10.5555/dmkb.2024.001\ncontent_type: abstract_only\n---\n\n## Content\n\n\n",
        encoding="utf-8")
    assert ReferenceStore(tmp_path).save(record).status == "replaced"
    assert os.listdir(tmp_path) == ["DOI_10.5555_dmkb.2024.001.md"]


def test_content_of_a_body_without_content_heading() -> None:
    assert content_of("# Title\n**Authors:** A\n\nFirst paragraph.\n\nSecond.") == "First paragraph.\n\nSecond."


@pytest.mark.parametrize(
    ("requested", "changes", "problem"),
    [
        ("PMID:99000001", {}, None),
        ("PMID:99000002", {}, "is PMID:99000001"),
        ("DOI:10.5555/DMKB.2024.001", {}, None),  # DOIs compare without case
        ("DOI:10.5555/other", {}, "is DOI:10.5555/dmkb.2024.001"),
        ("PMC:PMC99900001", {}, None),
        ("clinicaltrials:NCT09000001", {"nct_id": "NCT09000002"}, "is clinicaltrials:NCT09000002"),
    ],
)
def test_a_fetched_record_must_carry_the_requested_id(requested: str, changes: dict, problem: str | None) -> None:
    problems = record_problems(requested, ABSTRACT_RECORD.with_changes(**changes))
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0]


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("PMID_1.md", "---\nreference_id: PMID:1\n---\n\nText.\n\nPMID: 1 [Indexed for MEDLINE]\n", None),
        ("PMID_1.md", "---\nreference_id: PMID:2\n---\n\nText.\n", "belongs in PMID_2.md"),
        ("PMID_1.md", "---\nreference_id: PMID:1\n---\n\nText.\n\nPMID: 7 [Indexed for MEDLINE]\n", "names 7 as its pmid"),
        ("PMID_1.md", "---\nreference_id: PMID:1\ndoi: 10.1/a\n---\n\nDOI: 10.1/b\n", "names 10.1/b as its doi"),
        ("DOI_10.1000_a.md", "---\nreference_id: DOI:10.1000/a\ndoi: 10.1000/B\n---\n\nText.\n", "gives doi 10.1000/B"),
        ("DOI_10.1000_a.md", "---\nreference_id: DOI:10.1000/A\ndoi: https://doi.org/10.1000/a\n---\n\nText.\n", None),
        ("PMID_1.md", "---\nreference_id: MONDO\n---\n\nText.\n", "malformed"),
    ],
)
def test_cached_entries_that_contradict_their_id_are_flagged(name: str, text: str, problem: str | None) -> None:
    problems = cached_problems(name, parse_reference(text))
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


def _entry(reference_id: str, body: str = "Some text.", extra: str = "") -> str:
    return f"---\nreference_id: {reference_id}\ncontent_type: abstract_only\n{extra}---\n\n# T\n\n## Content\n\n{body}\n"


@pytest.mark.parametrize(("text", "problem"), [
    ("--\nreference_id: PMID:1\n---\n\nText.\n", "the front matter's opening line is '--', not '---'"),
    ("reference_id: PMID:1\n---\n\nText.\n", "the front matter has no opening '---' line"),
    ("---\nreference_id: PMID:1\n\nText.\n", "the front matter is not closed by a '---' line"),
])
def test_front_matter_with_a_damaged_fence_is_a_problem(text: str, problem: str) -> None:
    assert parse_reference(text).problem == problem


def test_front_matter_fences_with_trailing_spaces_or_nothing_between_are_read() -> None:
    assert parse_reference("---  \nreference_id: PMID:1\n---\nText.\n").metadata == {"reference_id": "PMID:1"}
    empty = parse_reference("---\n---\nText.\n")
    assert (empty.metadata, empty.problem, empty.text) == ({}, None, "Text.\n")


def test_a_doi_is_found_in_front_matter_whose_opening_fence_has_trailing_spaces(tmp_path: Path) -> None:
    (tmp_path / "PMID_7.md").write_text("---  \nreference_id: PMID:7\ndoi: 10.1000/Seven\n---\n\nText.\n")
    assert ReferenceCache(tmp_path).by_doi("10.1000/seven") == "PMID:7"


def test_verify_reports_contradictions_empty_damaged_and_uncited_entries(tmp_path: Path) -> None:
    files = {
        "PMID_1.md": _entry("PMID:1"),
        "PMID_2.md": _entry("PMID:3"),  # another paper under PMID 2's name
        "PMID_4.md": _entry("PMID:4", body=""),
        "PMID_5.md": "---\nreference_id: [PMID:5\n---\n\n## Content\n\nText.\n",
        "PMID_6.md": _entry("PMID:6"),  # cited nowhere
        "LOCAL_0123456789abcdef.md": _entry("LOCAL:0123456789abcdef", extra="imported_from: x.txt\n"),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = verify_cache(tmp_path, cited={"PMID:1", "PMID:2", "PMID:3", "PMID:4", "PMID:5"})
    found = {(f.file, f.kind, f.severity) for f in report.findings}
    assert found == {
        ("PMID_2.md", "identity", "error"),
        ("PMID_4.md", "empty", "error"),
        ("PMID_5.md", "damaged", "error"),
        ("PMID_6.md", "uncited", "warning"),
    }
    assert report.entries == 6 and not report.ok
    assert report.summary()["kinds"] == {"identity": 1, "damaged": 1, "empty": 1, "uncited": 1}
    [identity] = [f for f in report.findings if f.kind == "identity"]
    assert "PMID:3" in identity.message and "--force" in identity.hint


def test_verify_finds_the_shared_corpus_honest(corpus_root: Path) -> None:
    from dmkb.load.kb import open_kb
    from dmkb.references.citations import cited_ids

    report = verify_cache(corpus_root / "references_cache", cited_ids(open_kb([corpus_root])))
    assert report.entries == len(os.listdir(CORPUS / "references_cache"))
    assert report.findings == []


def test_validate_flags_a_cited_entry_that_holds_another_work(tiny_kb) -> None:
    from dmkb.validate import validate

    cached = tiny_kb.root / "references_cache" / "PMID_1000001.md"
    cached.write_text(cached.read_text(encoding="utf-8").replace("reference_id: PMID:1000001",
                                                                  "reference_id: PMID:1000001\ndoi: 10.5555/x")
                      + "\nDOI: 10.5555/another\n", encoding="utf-8")
    findings = [f for f in validate([tiny_kb.root], use_memo=False).findings if f.check == "reference"]
    # said once, at the first of its two citations
    assert {(f.severity, f.path) for f in findings} == {("error", "pathophysiology[0].evidence[0].reference")}
    assert "may hold another work: its text names 10.5555/another as its doi" in findings[0].message
    assert "--force" in findings[0].hint
