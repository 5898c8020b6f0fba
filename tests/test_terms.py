"""The term index: built from packaged ontologies and files, looked up, searched, rebuilt only
where something changed, never left half-written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import run_dmkb
from terms_index import FIXTURES

from dmkb.errors import DmkbError
from dmkb.terms.build import build
from dmkb.terms.index import TermIndex
from dmkb.terms.records import Term, TermSource
from dmkb.terms.search import search
from dmkb.terms.sources import file_source
from dmkb.terms.sources.kb_caches import sources as kb_sources
from dmkb.terms.store import read_meta

CURRENT_LABELS = {
    "HP:0001945": "Fever",
    "MONDO:0019470": "aggressive NK-cell leukemia",
    "CL:0000623": "natural killer cell",
    "UBERON:0002371": "bone marrow",
    "hgnc:11364": "STAT3",
}


def test_lookup_gives_current_labels_with_any_case_of_prefix(with_term_index: Path) -> None:
    result = run_dmkb("terms", "lookup", *CURRENT_LABELS, "HGNC:11364", "GO:0007259", "--format", "json")
    assert result.code == 0, result.stderr
    found = {r["id"]: r for r in result.json()}
    assert {curie: found[curie.upper() if curie.startswith("hgnc") else curie]["label"]
            for curie in CURRENT_LABELS} == CURRENT_LABELS
    fever = found["HP:0001945"]
    assert fever["parents"] == {"is_a": ["HP:0004370"]}
    assert fever["source"] == "Human Phenotype Ontology" and fever["release"] == "2025-11-24"
    assert fever["obsolete"] is False and "Pyrexia" in fever["synonyms"]
    assert found["GO:0007259"]["label"].endswith("signaling pathway via JAK-STAT")


def test_obsolete_term_names_its_replacement(with_term_index: Path) -> None:
    [term] = run_dmkb("terms", "lookup", "HP:0000735", "--format", "json").json()
    assert term["obsolete"] is True
    assert term["replaced_by"] == "HP:0012760"
    text = run_dmkb("terms", "lookup", "HP:0000735").stdout
    assert "OBSOLETE" in text and "HP:0012760 (Reduced social responsiveness)" in text


def test_unknown_ids_are_reported_and_exit_1(with_term_index: Path) -> None:
    result = run_dmkb("terms", "lookup", "HP:9999999", "MAXO:0000001", "HP:0001945", "--format", "json")
    assert result.code == 1
    unknown, no_source, known = result.json()
    assert unknown == {"id": "HP:9999999", "unknown": True, "message": "does not exist in HP 2025-11-24"}
    assert no_source["unknown"] and "no source of the index holds MAXO terms" in no_source["message"]
    assert known["label"] == "Fever"


def test_lookup_without_an_index_says_how_to_build_it() -> None:
    result = run_dmkb("terms", "lookup", "HP:0001945")
    assert result.code == 2
    assert "not built" in result.stderr and "dmkb terms build" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("words", "prefix", "expected", "within"), [
    ("enlarged liver and spleen", None, "HP:0001433", 1),  # lay words → Hepatosplenomegaly
    ("high temperature", None, "HP:0001945", 5),  # Fever, through its definition
    ("yellow skin", "HP", "HP:0000952", 1),  # a layperson synonym of Jaundice in hp.obo
    ("low platelets", "HP", "HP:0001873", 1),  # Thrombocytopenia
    ("swollen lymph nodes", "HP", "HP:0002716", 1),  # Lymphadenopathy
    ("high blood pressure", "HP", "HP:0000822", 1),  # Hypertension
    ("fever", None, "HP:0001945", 1),
    ("nk cell leukemia", "MONDO", "MONDO:0019470", 1),
    ("natural killer cell", "CL", "CL:0000623", 1),
    ("killer cells", "CL", "CL:0000623", 3),
    ("hepatosplenomeg", "HP", "HP:0001433", 1),  # a word still being typed
    ("jak-stat signaling", "GO", "GO:0007259", 3),
    ("hepatosplenomegly", "HP", "HP:0001433", 1),  # typing mistakes: a letter left out
    ("feverr", None, "HP:0001945", 1),  # a letter doubled
    ("enlarged livr", "HP", "HP:0002240", 1),  # Hepatomegaly, one word misspelt
    ("siezures", "HP", "HP:0001250", 1),  # two letters swapped
])
def test_search_finds_the_right_term_in_the_top_results(with_term_index: Path, words: str, prefix: str | None,
                                                         expected: str, within: int) -> None:
    hits = search(TermIndex(), words, prefix=prefix, limit=10)
    assert expected in [h.id for h in hits[:within]], [(h.id, h.label, h.score) for h in hits]


def test_an_empty_search_is_a_usage_error(with_term_index: Path) -> None:
    result = run_dmkb("terms", "search", "  ")
    assert result.code == 2 and "nothing to search for" in result.stderr


def test_a_corrected_search_scores_below_the_same_search_written_right(with_term_index: Path) -> None:
    [right] = search(TermIndex(), "hepatosplenomegaly", prefix="HP", limit=1)
    [typed] = search(TermIndex(), "hepatosplenomegly", prefix="HP", limit=1)
    assert typed.id == right.id and typed.score < right.score
    assert search(TermIndex(), "zzqx blorf", limit=5) == []  # nothing near enough to correct to


def test_search_ranks_exact_names_first_and_reports_what_matched(with_term_index: Path) -> None:
    result = run_dmkb("terms", "search", "Enlarged liver and spleen", "--limit", "5", "--format", "json")
    hits = result.json()
    assert hits[0] == {"id": "HP:0001433", "label": "Hepatosplenomegaly", "matched": "Enlarged liver and spleen",
                       "score": 0.95, "source": "HP 2025-11-24"}
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert len(hits) == 5


def test_search_with_a_prefix_keeps_to_it_even_in_kb_caches(tiny_kb, with_term_index: Path, tmp_path: Path) -> None:
    maxo = tiny_kb.root / "cache" / "maxo"
    maxo.mkdir()
    (maxo / "terms.csv").write_text("curie,label\nMAXO:0000747,hematopoietic stem cell transplantation\n")
    (tiny_kb.root / "cache" / "cl").mkdir()
    (tiny_kb.root / "cache" / "cl" / "terms.csv").write_text("curie,label\nCL:0000623,natural killer cell\n")
    home = tmp_path / "home"
    (home / "terms").mkdir(parents=True)
    for source in with_term_index.joinpath("terms").glob("cl.sqlite"):
        (home / "terms" / source.name).symlink_to(source)
    build(home / "terms", kb_sources(tiny_kb.root))
    hits = search(TermIndex(home / "terms"), "stem cell", prefix="CL", limit=50)
    assert hits and all(h.id.startswith("CL:") for h in hits)


def test_search_never_offers_obsolete_terms(with_term_index: Path) -> None:
    hits = search(TermIndex(), "obsolete old lobule", prefix="TST")
    assert "TST:0000004" not in [h.id for h in hits]


def test_obo_file_source(with_term_index: Path) -> None:
    index = TermIndex()
    lobule = index.get("tst:0000003")
    assert lobule.label == "liver lobule"
    assert lobule.parents == {"is_a": ["TST:0000001"], "part_of": ["TST:0000002"]}
    assert lobule.source.release == "2026-01-15"
    assert index.get("TST:0000001").definition == 'The top of the "test" ontology.'
    assert index.get("TST:0000002").synonyms == ("body part",)
    old = index.get("TST:0000004")
    assert (old.obsolete, old.replaced_by) == (True, "TST:0000003")
    merged = index.get("TST:0000009")  # an alt_id: obsolete, pointing at the term it joined
    assert (merged.obsolete, merged.replaced_by) == (True, "TST:0000003")
    assert index.get("OTHER:0000001") is None  # only the prefix asked for is indexed


def test_obo_graph_json_source(with_term_index: Path) -> None:
    index = TermIndex()
    kinase = index.get("TSG:0000002")
    assert (kinase.label, kinase.parents, kinase.source.release) == (
        "kinase signalling", {"is_a": ["TSG:0000001"]}, "2025-06-01")
    assert index.get("TSG:0000001").synonyms == ("signaling",)
    old = index.get("TSG:0000003")
    assert (old.obsolete, old.replaced_by) == (True, "TSG:0000002")


def test_branch_reachability(with_term_index: Path) -> None:
    index = TermIndex()
    assert index.ancestor_among("HP:0001945", ("HP:0000118",)) is True
    assert index.ancestor_among("HP:0000006", ("HP:0000118",)) is False  # a mode of inheritance
    assert index.ancestor_among("GO:0007259", ("GO:0008150",)) is True
    assert index.ancestor_among("GO:0004672", ("GO:0008150",)) is False  # a molecular function
    assert index.ancestor_among("HP:9999999", ("HP:0000118",)) is None


def test_rebuild_is_incremental(tmp_path: Path) -> None:
    obo = tmp_path / "mini.obo"
    shutil.copy(FIXTURES / "mini.obo", obo)
    sources = [file_source(f"TST={obo}"), file_source(f"TSG={FIXTURES / 'mini.json'}")]
    first = build(tmp_path / "terms", sources)
    assert [r.status for r in first] == ["built", "built"]
    assert [r.status for r in build(tmp_path / "terms", sources)] == ["unchanged", "unchanged"]
    obo.write_text(obo.read_text().replace("name: organ part", "name: organ portion"))
    changed = build(tmp_path / "terms", [file_source(f"TST={obo}"), sources[1]])
    assert [r.status for r in changed] == ["built", "unchanged"]
    assert TermIndex(tmp_path / "terms").get("TST:0000002").label == "organ portion"


def test_an_obo_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    obo = tmp_path / "bad.obo"
    obo.write_text("format-version: 1.2\n\n[Term]\nid: TST:0000001\nname: top\n\n[Term\nid: TST:2\n")
    with pytest.raises(DmkbError) as raised:
        build(tmp_path / "terms", [file_source(f"TST={obo}")])
    assert raised.value.message.startswith(f"{obo}:7: not a valid OBO file: ")
    assert "<stdin>" not in raised.value.message


def test_a_failed_build_leaves_the_previous_index_whole(tmp_path: Path) -> None:
    good = TermSource("demo", "Demo", "2026-01-01", ("DEMO",), "v1", lambda: [Term("DEMO:1", "first")])
    build(tmp_path, [good])

    def broken():
        yield Term("DEMO:1", "half")
        raise OSError("disk went away")

    bad = TermSource("demo", "Demo", "2026-02-01", ("DEMO",), "v2", broken)
    with pytest.raises(DmkbError, match="cannot read the source demo .Demo.: disk went away"):
        build(tmp_path, [bad])
    assert TermIndex(tmp_path).get("DEMO:1").label == "first"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".build.lock") == ["demo.sqlite"]


def test_build_command_indexes_kb_caches_and_files(tiny_kb, tmp_path: Path) -> None:
    result = run_dmkb("terms", "build", tiny_kb.root, "--only", "hp", "--source", f"TST={FIXTURES / 'mini.obo'}",
                      "--format", "json")
    assert result.code == 0, result.stderr
    rows = {r["name"]: r for r in result.json()["sources"]}
    assert set(rows) == {"hp", "file-tst", "kb"}
    assert rows["hp"]["terms"] > 19000 and rows["kb"]["terms"] == 3
    again = run_dmkb("terms", "build", tiny_kb.root, "--only", "hp", "--source", f"TST={FIXTURES / 'mini.obo'}",
                     "--format", "json")
    assert {r["status"] for r in again.json()["sources"]} == {"unchanged"}
    # a term only the KB's cache knows is looked up there
    [mondo] = run_dmkb("terms", "lookup", "MONDO:0019470", "--format", "json").json()
    assert mondo["label"] == "aggressive NK-cell leukemia" and mondo["source"].startswith("term caches of")


@pytest.mark.parametrize(("args", "message"), [
    (["--only", "hp,nope"], "--only names unknown sources: nope"),
    (["--only", "tst"], "hint: --only chooses among the packaged sources: hp mondo"),
    (["--source", "TST"], "is not PREFIX=PATH"),
    (["--source", "TST=/no/such/file.obo"], "does not exist"),
])
def test_build_refuses_bad_options_clearly(args: list[str], message: str) -> None:
    result = run_dmkb("terms", "build", *args)
    assert result.code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_the_whole_ncbi_taxonomy_is_read_in_place(with_term_index: Path) -> None:
    """Microbes and viruses resolve with no KB cache; the index holds no converted copy of them."""
    result = run_dmkb("terms", "lookup", "NCBITaxon:10376", "ncbitaxon:1773", "NCBITaxon:999999999",
                      "--format", "json")
    assert result.code == 1  # the last id is unknown
    ebv, tb, unknown = result.json()
    assert ebv["label"] == "human gammaherpesvirus 4" and "Epstein-Barr virus" in ebv["synonyms"]
    assert ebv["source"] == "NCBI Taxonomy" and ebv["release"] == "2024-09-09"
    assert tb["label"] == "Mycobacterium tuberculosis" and tb["parents"] == {"is_a": ["NCBITaxon:77643"]}
    assert unknown["unknown"] and "does not exist in NCBITaxon 2024-09-09" in unknown["message"]
    index = TermIndex()
    assert index.ancestor_among("NCBITaxon:10376", ("NCBITaxon:1", "NCBITaxon:10239")) is True  # a virus
    assert index.ancestor_among("NCBITaxon:1773", ("NCBITaxon:10239",)) is False  # a bacterium, not a virus
    hits = search(index, "Mycobacterium tuberculosis", prefix="NCBITaxon", limit=5)
    assert hits[0].id == "NCBITaxon:1773" and hits[0].score == 1.0
    assert search(index, "human", prefix="NCBITaxon", limit=3)[0].id == "NCBITaxon:9606"  # a common name
    assert (with_term_index / "terms" / "ncbitaxon.sqlite").stat().st_size < 100_000
    assert int(read_meta(with_term_index / "terms" / "ncbitaxon.sqlite")["terms"]) > 2_000_000  # counted in place


def test_build_quiet_prints_no_progress(with_term_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMKB_PROGRESS_SECONDS", "0")  # a progress line at every step when not on a terminal
    loud = run_dmkb("terms", "build", "--only", "go", "--force")  # a second or so: progress lines are due
    quiet = run_dmkb("terms", "build", "--only", "go", "--force", "--quiet")
    assert loud.code == quiet.code == 0
    assert "indexing terms" in loud.stderr and "indexing terms" not in quiet.stderr
    assert "Gene Ontology" in quiet.stdout  # the report itself is still printed
