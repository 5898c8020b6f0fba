"""dmkb export: KGX checked by the kgx package's own validator, RDF parsed back and queried,
HPOA read by the diagnosis engine's reader, JSON Lines; all deterministic, all from kb.sqlite."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import REPO, TinyKb, run_dmkb

from dmkb.compile.incremental import compile_kb
from dmkb.export import FORMATS, export
from dmkb.similarity.hpoa import read_hpoa

KGX_PYTHON = REPO / ".tools" / "kgx" / "bin" / "python"
KGX_VALIDATE = REPO / "tests" / "tools" / "kgx_validate.py"
# the README's query: every disorder whose mechanism graph reaches a GO process
SPARQL = """
PREFIX biolink: <https://w3id.org/biolink/vocab/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX GO: <http://purl.obolibrary.org/obo/GO_>
SELECT DISTINCT ?disorder ?name WHERE {
  ?step biolink:contributes_to ?disorder .
  ?step biolink:causes* ?reached .
  ?reached biolink:subclass_of GO:0006954 .
  ?disorder rdfs:label ?name .
}
ORDER BY ?name
"""


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = REPO.parent / "shared" / "corpus" / "dismech"
    if not (corpus / "kb" / "disorders").is_dir():
        pytest.skip("the shared dismech corpus is not beside the repository")
    db = tmp_path_factory.mktemp("export_db") / "kb.sqlite"
    compile_kb([corpus], db)
    return db


@pytest.fixture(scope="module")
def corpus_export(corpus_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    for fmt in FORMATS:
        export(corpus_db, fmt, out)
    return out


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def kgx_validate(fmt: str, folder: Path, *files: str) -> tuple[int, dict]:
    if not KGX_PYTHON.exists():
        pytest.skip("the kgx tool environment is not installed (make kgx)")
    report = folder / f"kgx-report-{fmt}.json"
    proc = subprocess.run([KGX_PYTHON, KGX_VALIDATE, fmt, report, folder / "kgx_metadata.json",
                           *(folder / f for f in files)], capture_output=True, text=True, timeout=300)
    assert report.exists(), proc.stderr[-2000:]
    return proc.returncode, json.loads(report.read_text())


def test_kgx_passes_the_kgx_validator(corpus_export: Path) -> None:
    code, errors = kgx_validate("tsv", corpus_export, "nodes.tsv", "edges.tsv")
    assert code == 0 and "ERROR" not in errors, json.dumps(errors)[:2000]


def test_kgx_validator_is_live_on_our_files(corpus_export: Path, tmp_path: Path) -> None:
    """The same run fails once a category and a predicate are broken: the check is real."""
    for name in ("nodes.tsv", "edges.tsv", "kgx_metadata.json"):
        shutil.copy(corpus_export / name, tmp_path / name)
    nodes = (tmp_path / "nodes.tsv").read_text().replace("biolink:Cell\t", "biolink:Cel\t", 1)
    (tmp_path / "nodes.tsv").write_text(nodes)
    code, errors = kgx_validate("tsv", tmp_path, "nodes.tsv", "edges.tsv")
    assert code == 1 and "INVALID_CATEGORY" in errors["ERROR"]


def test_kgx_graph_is_whole_and_carries_evidence(corpus_export: Path) -> None:
    nodes = {row["id"]: row for row in read_tsv(corpus_export / "nodes.tsv")}
    edges = read_tsv(corpus_export / "edges.tsv")
    assert all(e["subject"] in nodes and e["object"] in nodes for e in edges)  # every end is a node
    assert len({e["id"] for e in edges}) == len(edges)
    assert all(e["knowledge_level"] == "knowledge_assertion" and e["agent_type"] == "manual_agent" for e in edges)
    predicates = {e["predicate"] for e in edges}
    assert {"biolink:has_phenotype", "biolink:treated_by", "biolink:gene_associated_with_condition",
            "biolink:causes", "biolink:contributes_to", "biolink:has_participant", "biolink:occurs_in"} <= predicates
    categories = {n["category"] for n in nodes.values()}
    assert {"biolink:Disease", "biolink:PhenotypicFeature", "biolink:Gene", "biolink:BiologicalProcessOrActivity",
            "biolink:Cell", "biolink:AnatomicalEntity", "biolink:OrganismTaxon",
            "biolink:BiologicalProcess"} <= categories
    tb = next(e for e in edges if e["subject"] == "NCBITaxon:1773" and e["predicate"] == "biolink:causes")
    assert nodes[tb["object"]]["name"] == "Tuberculosis" and "PMID:27784885" in tb["publications"].split("|")
    with_pmids = [e for e in edges if e["predicate"] == "biolink:has_phenotype" and e["publications"]]
    assert with_pmids and all(len(e["publications"].split("|")) == len(e["supports"].split("|")) for e in with_pmids)
    assert any(e["frequency_qualifier"] == "HP:0040281" for e in with_pmids)  # VERY_FREQUENT
    assert not any(n.startswith("hgnc:") for n in nodes)  # prefixes spelt as the Biolink model spells them
    step = "biolink:BiologicalProcessOrActivity"
    causal = [(nodes[e["subject"]]["category"], nodes[e["object"]]["category"]) for e in edges
              if e["predicate"] == "biolink:causes"]
    assert (step, step) in causal and (step, "biolink:PhenotypicFeature") in causal


def test_kgx_jsonl_holds_the_same_graph(corpus_export: Path) -> None:
    tsv = {row["id"] for row in read_tsv(corpus_export / "edges.tsv")}
    jsonl = [json.loads(line) for line in (corpus_export / "edges.jsonl").read_text().splitlines()]
    assert {e["id"] for e in jsonl} == tsv
    metadata = json.loads((corpus_export / "kgx_metadata.json").read_text())
    assert metadata["edges"] == len(tsv) and metadata["kb_revision"] and metadata["dmkb_version"]


def test_rdf_parses_back_and_answers_the_readme_query(corpus_export: Path) -> None:
    store = ox.Store()
    store.load(path=str(corpus_export / "kb.ttl"), format=ox.RdfFormat.TURTLE)
    triples = (corpus_export / "kb.nt").read_text().count("\n")
    assert len(store) == triples > 10_000
    names = [str(row["name"].value) for row in store.query(SPARQL)]
    assert "Tuberculosis" in names and len(names) >= 5
    assert SPARQL.strip() in (REPO / "README.md").read_text()
    assert (corpus_export / "kb.ttl").read_text().startswith("# dmkb ")


def test_hpoa_loads_in_the_diagnosis_engines_reader(corpus_export: Path) -> None:
    lines = (corpus_export / "disorders.hpoa").read_text().splitlines()
    assert lines[0].startswith("#description:") and any(line.startswith("#kb-revision: ") for line in lines)
    rows = [line.split("\t") for line in lines if not line.startswith("#")][1:]
    diseases = read_hpoa(lines)
    assert len(diseases) >= 30 and sum(len(d.terms) + len(d.excluded) for d in diseases.values()) == len(
        {(r[0], r[3]) for r in rows})
    tb = next(d for d in diseases.values() if d.name == "Tuberculosis")
    assert tb.terms and all(t.startswith("HP:") for t in tb.terms)
    assert all(len(r) == 12 and r[10] == "P" and r[5] in ("PCS", "TAS") for r in rows)
    assert any(d.frequencies for d in diseases.values())


def test_jsonl_has_one_entry_a_line(corpus_export: Path, corpus_db: Path) -> None:
    entries = [json.loads(line) for line in (corpus_export / "disorders.jsonl").read_text().splitlines()]
    metadata = json.loads((corpus_export / "disorders.metadata.json").read_text())
    assert len(entries) == metadata["entries"] == 42
    assert entries[metadata["stems"].index("Tuberculosis")]["name"] == "Tuberculosis"


def test_a_second_export_writes_nothing(corpus_db: Path, corpus_export: Path) -> None:
    for fmt in FORMATS:
        report = export(corpus_db, fmt, corpus_export)
        assert report.written == [] and report.unchanged


def test_cli_exports_a_kb_root_and_names_its_revision(tiny_kb: TinyKb, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_dmkb("export", tiny_kb.root, "--format", "hpoa", "--out", out)
    assert result.code == 0, result.stderr
    rows = [line.split("\t") for line in (out / "disorders.hpoa").read_text().splitlines()
            if line.startswith("MONDO:")]
    assert rows == [["MONDO:0019470", "Test Leukemia", "", "HP:0001433", "PMID:1000001", "PCS", "", "", "", "",
                     "P", "dmkb"]]
    bad = run_dmkb("export", tiny_kb.root, "--format", "owl", "--out", out)
    assert bad.code == 2 and "owl" in bad.stderr


def test_hpoa_onset_comes_from_the_phenotype_term_or_its_agreeing_contexts(tiny_kb: TinyKb, tmp_path: Path) -> None:
    entry = (tiny_kb.root / "kb" / "disorders" / "Test_Leukemia.yaml").read_text()
    with_onsets = entry.replace("""      label: Hepatosplenomegaly
  evidence:""", """      label: Hepatosplenomegaly
    onset:
      onset_category: ADULT
  evidence:""") + """\
- name: Fever
  phenotype_term:
    preferred_term: Fever
    term:
      id: HP:0001945
      label: Fever
  phenotype_contexts:
  - onset:
      onset_category: CHILDHOOD
  - onset:
      onset_category: CHILDHOOD
"""
    tiny_kb.write_entry(with_onsets.replace("treatments:\n- name: Ruxolitinib", "").replace(
        "  target_mechanisms:\n  - target: NK-Cell Expansion\n    treatment_effect: INHIBITS\n", ""))
    out = tmp_path / "out"
    assert run_dmkb("export", tiny_kb.root, "--format", "hpoa", "--out", out).code == 0
    rows = [line.split("\t") for line in (out / "disorders.hpoa").read_text().splitlines()
            if line.startswith("MONDO:")]
    onsets = {row[3]: row[6] for row in rows}
    assert onsets == {"HP:0001433": "HP:0003581", "HP:0001945": "HP:0011463"}


def test_export_never_replaces_a_file_it_did_not_write(tiny_kb: TinyKb, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "disorders.hpoa").write_text("my own annotations\n")
    refused = run_dmkb("export", tiny_kb.root, "--format", "hpoa", "--out", out)
    assert refused.code == 2 and "disorders.hpoa, not written by dmkb export" in refused.stderr.replace("\n", "")
    assert (out / "disorders.hpoa").read_text() == "my own annotations\n"
    (out / "disorders.hpoa").unlink()
    assert run_dmkb("export", tiny_kb.root, "--format", "hpoa", "--out", out).code == 0
    (tiny_kb.root / "kb" / "disorders" / "Test_Leukemia.yaml").write_text(
        (tiny_kb.root / "kb" / "disorders" / "Test_Leukemia.yaml").read_text().replace("Test Leukemia", "Renamed"))
    again = run_dmkb("export", tiny_kb.root, "--format", "hpoa", "--out", out)  # its own file is updated
    assert again.code == 0, again.stderr
    assert "Renamed" in (out / "disorders.hpoa").read_text()


@pytest.mark.parametrize("folder", ["kb", "kb/disorders", "references_cache", "cache/hp", "research"])
def test_export_never_writes_into_the_kbs_own_folders(tiny_kb: TinyKb, folder: str) -> None:
    result = run_dmkb("export", tiny_kb.root, "--format", "kgx", "--out", tiny_kb.root / folder)
    assert result.code == 2 and "inside the KB's own folder" in result.stderr
    assert not list(tiny_kb.root.rglob("nodes.tsv"))


def test_export_writes_each_format_into_its_own_default_folder(tiny_kb: TinyKb, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for fmt in ("hpoa", "jsonl"):
        assert run_dmkb("export", tiny_kb.root, "--format", fmt).code == 0
    assert (tmp_path / "export" / "hpoa" / "disorders.hpoa").is_file()
    assert ".dmkb-export" in {p.name for p in (tmp_path / "export" / "jsonl").iterdir()}
    assert not (tmp_path / "export" / "disorders.hpoa").exists()


def test_export_compiles_a_kb_root_once_into_dmkb_home(tiny_kb: TinyKb, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMKB_HOME", str(tmp_path / "home"))
    for fmt in ("hpoa", "jsonl"):
        assert run_dmkb("export", tiny_kb.root, "--format", fmt, "--out", tmp_path / fmt).code == 0
    # one compiled copy of the KB, the one diagnose and similar read too
    assert [p.name for p in (tmp_path / "home" / "compiled").glob("*/kb.sqlite")] == ["kb.sqlite"]
    assert sorted(p.name for p in (tmp_path / "home").iterdir()) == ["compiled"]


def test_a_folder_that_is_no_kb_is_refused_before_anything_is_written(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_dmkb("export", "--format", "hpoa")
    assert result.code == 2 and "neither a KB root" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no empty export/hpoa left behind
