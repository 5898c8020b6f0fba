"""Importing literature records from files: the seed's aggregator record and bare abstract,
PubMed and PMC XML, and files that cannot be imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from replay import FIXTURES

from dmkb.errors import DmkbError
from dmkb.references.importers import import_file, local_id

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
SEED_ABSTRACT = SEEDS / "001_2bb3f59d30a29d59.txt"
SEED_AGGREGATOR = SEEDS / "002_33c7895a941327db.txt"


def test_aggregator_record_gives_the_doi_english_title_and_clean_abstract() -> None:
    [record] = import_file(SEED_AGGREGATOR)
    assert record.reference_id == "DOI:10.1007/s10238-025-01559-5"
    assert record.title == "Adoptive NK cell therapy in AML: progress and challenges."  # not the translated title
    assert record.journal == "Clinical and Experimental Medicine" and record.year == "2025"
    assert record.authors == ("Mona Rady", "Maha Mostafa", "Gabriel Dida", "Fatima Sabet", "Khaled Abou-Aisha",
                              "Carsten Watzl")
    assert record.pmcid == "PMC11748472"  # from the record's open-access link
    assert record.text.startswith("Adoptive cell therapy (ACT) using natural killer (NK) cells has emerged")
    assert record.text.endswith("must be overcome to enhance their efficacy and safety.")
    assert "<" not in record.text and "期刊" not in record.text  # no HTML, no journal blurb
    assert record.extra["imported_from"] == SEED_AGGREGATOR.name


def test_bare_abstract_is_kept_whole_with_an_id_from_its_words() -> None:
    [record] = import_file(SEED_ABSTRACT)
    assert record.text == SEED_ABSTRACT.read_text(encoding="utf-8").strip()
    assert record.title is None
    assert record.reference_id == local_id(record.text)
    assert record.reference_id.startswith("LOCAL:") and len(record.reference_id) == len("LOCAL:") + 16


def test_the_derived_id_ignores_spacing_and_case(tmp_path: Path) -> None:
    retyped = tmp_path / "retyped.txt"
    retyped.write_text("  OBJECTIVE   to investigate\n\nclinical characteristic ", encoding="utf-8")
    assert import_file(retyped)[0].reference_id == local_id("Objective to investigate clinical characteristic")


def test_a_known_id_can_be_given(tmp_path: Path) -> None:
    [record] = import_file(SEED_ABSTRACT, "pmid:99000123")
    assert record.reference_id == "PMID:99000123" and record.pmid == "99000123"


def test_a_given_id_that_contradicts_the_file_is_refused() -> None:
    with pytest.raises(DmkbError, match=r"the record in the file is DOI:10\.1007/s10238-025-01559-5, not DOI:10\.1000/other"):
        import_file(SEED_AGGREGATOR, "DOI:10.1000/other")


def test_pubmed_xml_gives_every_article() -> None:
    records = import_file(FIXTURES / "pubmed_99000001_99000002.xml")
    assert [r.reference_id for r in records] == ["PMID:99000001", "PMID:99000002"]
    assert records[0].text.startswith("BACKGROUND: ")


def test_pmc_xml_is_filed_under_its_pmid() -> None:
    [record] = import_file(FIXTURES / "pmc_99900001.xml")
    assert record.reference_id == "PMID:99000001" and record.content_type == "full_text_xml"


def test_xml_in_another_encoding(tmp_path: Path) -> None:
    xml = (FIXTURES / "pubmed_99000003.xml").read_text(encoding="utf-8").replace(
        '<?xml version="1.0" ?>', '<?xml version="1.0" encoding="ISO-8859-1"?>').replace("Haddad", "Hadd\u00e9")
    path = tmp_path / "latin1.xml"
    path.write_bytes(xml.encode("latin-1"))
    [record] = import_file(path)
    assert record.authors == ("Hadd\u00e9 R",)


def test_json_list_of_records(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_text(json.dumps([
        {"title": "<b>First</b> paper", "doi": "10.5555/a.1", "abstract": "<p>Alpha &amp; beta.</p>",
         "authors": [{"name": "A One"}], "journal": "J One", "year": 2020},
        {"title": "Second paper", "pmid": "99000444", "abstract": "Gamma."},
    ]), encoding="utf-8")
    first, second = import_file(path)
    assert (first.reference_id, first.title, first.text, first.authors, first.year) == (
        "DOI:10.5555/a.1", "First paper", "Alpha & beta.", ("A One",), "2020")
    assert second.reference_id == "PMID:99000444"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\xff\xfe broken", "not valid UTF-8"),
        (b"<html><body>x</body></html>", "neither PubMed nor PMC XML"),
        (b"<PubmedArticleSet><PubmedArticle>", "not well-formed XML"),
        (b"<PubmedArticleSet></PubmedArticleSet>", "holds no article"),
        (b'{"title": "x", "abstract": ', "looks like JSON but is not"),
    ],
)
def test_bad_files_are_named_in_a_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad_record.txt"
    path.write_bytes(content)
    with pytest.raises(DmkbError, match=message) as caught:
        import_file(path)
    assert "bad_record.txt" in caught.value.message
    assert caught.value.hint


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DmkbError, match="cannot read"):
        import_file(tmp_path / "nope.txt")


@pytest.mark.parametrize(("text", "reason"), [
    ("word " * 5000, "24,999 characters, far more than an abstract holds"),
    ("\n".join(f"key_{i}: value {i}" for i in range(30)), "30 of its 30 lines are 'key: value' lines"),
    ("\n".join(["Home", "About us", "Search", "Log in", "Share"] * 5), "25 of its 25 lines are short"),
])
def test_texts_that_are_no_abstract_are_refused(tmp_path: Path, text: str, reason: str) -> None:
    page = tmp_path / "page.txt"
    page.write_text(text, encoding="utf-8")
    with pytest.raises(DmkbError, match=f"does not read as an abstract \\({reason}") as raised:
        import_file(page)
    assert "--whole-text" in raised.value.hint
    assert import_file(page, whole_text=True)[0].text == text.strip()


def test_a_structured_abstract_reads_as_one() -> None:
    from dmkb.references.importers import not_an_abstract

    text = "\n".join(f"{label}: {'words of the section ' * 8}" for label in
                     ("BACKGROUND", "OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS"))
    assert not_an_abstract(text) is None
    assert not_an_abstract(SEED_ABSTRACT.read_text(encoding="utf-8")) is None
