"""Fetchers and the runner against a real local server replaying recorded E-utilities, PMC,
Crossref and ClinicalTrials.gov answers: what is stored, and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from replay import FIXTURES, ReplayServer, Reply, failure, recorded, server  # noqa: F401 - server is a fixture

from dmkb.references.fetch.config import FetchConfig
from dmkb.references.fetch.http import HttpSettings
from dmkb.references.fetch.pubmed import parse_pubmed_xml
from dmkb.references.fetch.runner import FetchResult, Sources, fetch_references
from dmkb.references.store import ReferenceStore


def run(server: ReplayServer, cache: Path, *ids: str, **kwargs) -> dict[str, FetchResult]:  # noqa: F811
    # with a key, NCBI allows 10 requests a second rather than 3, which keeps these tests quick
    config = FetchConfig(server.url, server.url, server.url, api_key="test-key",
                         http=HttpSettings(timeout=0.5, retries=2, backoff=0.01))
    with Sources(config) as sources:
        return {r.reference_id: r for r in fetch_references(list(ids), ReferenceStore(cache), sources, **kwargs)}


def content(cache: Path, name: str) -> str:
    entry = ReferenceStore(cache).entry(name)
    assert entry.problems == ()
    return entry.content


def pmc_set(*names: str) -> Reply:
    """One ``<pmc-articleset>`` answer holding the articles of several recorded answers."""
    from lxml import etree

    articles = [etree.parse(str(FIXTURES / name)).getroot()[0] for name in names]
    root = etree.Element("pmc-articleset")
    root.extend(articles)
    return Reply(200, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def route_pubmed(server: ReplayServer) -> None:  # noqa: F811
    server.route("/efetch.fcgi", recorded("pubmed_99000001_99000002.xml"), db="pubmed")
    server.route("/efetch.fcgi", recorded("pmc_99900001.xml"), db="pmc", id="99900001")
    server.route("/efetch.fcgi", recorded("pmc_99900002_closed.xml"), db="pmc", id="99900002")
    server.route("/efetch.fcgi", pmc_set("pmc_99900001.xml", "pmc_99900002_closed.xml"), db="pmc",
                 id="99900001,99900002")


def test_pubmed_record_fields() -> None:
    records = parse_pubmed_xml((FIXTURES / "pubmed_99000001_99000002.xml").read_bytes(), "fixture")
    first, second = records
    assert first.title == "JAK-STAT activation drives STAT3-dependent survival of leukemic NK cells."
    assert first.authors == ("Nakamura A", "Okafor CE", "NK Leukemia Study Group")
    assert (first.journal, first.year, first.pmid) == ("J Hypothet Hematol", "2024", "99000001")
    assert (first.doi, first.pmcid) == ("10.5555/dmkb.2024.001", "PMC99900001")  # not the cited reference's DOI
    assert first.text.split("\n\n")[0] == (
        "BACKGROUND: Aggressive NK-cell leukemia (ANKL) is a rare malignancy with a fulminant course.")
    assert [p.split(":")[0] for p in first.text.split("\n\n")] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert "TGF-β1 signalling" in first.text and "©" not in first.text
    assert (second.year, second.journal, second.doi) == ("2023", "Case reports in imaginary medicine", None)


def test_pmids_are_fetched_in_one_request_with_open_access_full_text(server: ReplayServer, tmp_path: Path) -> None:  # noqa: F811
    route_pubmed(server)
    results = run(server, tmp_path, "PMID:99000001", "PMID:99000002")
    assert [r.status for r in results.values()] == ["written", "written"]
    [pubmed] = [q for q in server.hits("/efetch.fcgi") if q["db"] == "pubmed"]
    assert pubmed["id"] == "99000001,99000002" and pubmed["retmode"] == "xml"
    full = content(tmp_path, "PMID_99000001.md")
    assert results["PMID:99000001"].content_type == "full_text_xml"
    assert full.startswith("BACKGROUND: Aggressive NK-cell leukemia")  # the abstract first
    assert "\n### Results\n\n#### STAT3 is phosphorylated in leukemic NK cells\n\n" in full
    assert "Figure 1. pSTAT3 in ANKL. Immunoblots of sorted leukemic NK cells." in full
    assert "PDX-3 | Partial response" in full and "- JAK1 and JAK2 were both inhibited." in full
    assert "must not be cached" not in full and "We thank" not in full  # references and back matter left out
    closed = ReferenceStore(tmp_path).get("PMID:99000002")
    assert closed.content_type == "abstract_only" and closed.content.startswith("A 34-year-old man")


def test_without_full_text_pmc_is_not_asked(server: ReplayServer, tmp_path: Path) -> None:  # noqa: F811
    route_pubmed(server)
    results = run(server, tmp_path, "PMID:99000001", full_text=False)
    assert results["PMID:99000001"].content_type == "abstract_only"
    assert all(q["db"] == "pubmed" for q in server.hits("/efetch.fcgi"))


def test_a_record_for_another_pmid_is_refused(server: ReplayServer, tmp_path: Path) -> None:  # noqa: F811
    server.route("/efetch.fcgi", recorded("pubmed_99000999_wrong.xml"), db="pubmed")
    result = run(server, tmp_path, "PMID:99000001")["PMID:99000001"]
    assert result.status == "failed"
    assert "the record returned for PMID:99000001 is PMID:99000999" in result.message
    assert list(tmp_path.iterdir()) == []


def test_full_text_of_another_article_is_not_merged(server: ReplayServer, tmp_path: Path) -> None:  # noqa: F811
    server.route("/efetch.fcgi", recorded("pubmed_99000001_99000002.xml"), db="pubmed")
    wrong = (FIXTURES / "pmc_99900001.xml").read_bytes().replace(b">99000001<", b">99000444<")
    server.route("/efetch.fcgi", Reply(200, wrong), db="pmc")
    result = run(server, tmp_path, "PMID:99000001")["PMID:99000001"]
    assert result.status == "written" and result.content_type == "abstract_only"
    assert "another article" in result.message


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (recorded("pubmed_malformed.xml"), "not well-formed XML"),
        (recorded("efetch_error.xml"), "Cannot retrieve history data"),
        (failure(500), "HTTP 500 (tried 3 times)"),
    ],
    ids=["malformed", "eutils-error", "always-500"],
)
def test_failures_write_nothing_and_say_why(server: ReplayServer, tmp_path: Path, reply: Reply, message: str) -> None:  # noqa: F811
    server.route("/efetch.fcgi", reply, db="pubmed")
    results = run(server, tmp_path, "PMID:99000001", "PMID:99000002")
    assert {r.status for r in results.values()} == {"failed"}
    assert message in results["PMID:99000001"].message
    assert list(tmp_path.iterdir()) == []


def test_a_source_that_stays_down_is_not_asked_again(server: ReplayServer, tmp_path: Path) -> None:  # noqa: F811
    server.route("/works/10.5555/dmkb.2022.042", failure(503))
    server.route("/works/10.5555/dmkb.2023.777", recorded("crossref_2023_777.json"))
    results = run(server, tmp_path, "DOI:10.5555/dmkb.2022.042", "DOI:10.5555/dmkb.2023.777")
    assert [r.status for r in results.values()] == ["failed", "failed"]
    assert "Crossref" in results["DOI:10.5555/dmkb.2023.777"].message
    assert server.hits("/works/10.5555/dmkb.2023.777") == []
    assert len(server.hits("/works/10.5555/dmkb.2022.042")) == 3


def test_a_doi_from_crossref_with_its_abstract(server: ReplayServer, tmp_path: Path) -> None:  # noqa: F811
    server.route("/works/10.5555/dmkb.2022.042", recorded("crossref_2022_042.json"))
    server.route("/esearch.fcgi", recorded("esearch_empty.json"))
    result = run(server, tmp_path, "DOI:10.5555/dmkb.2022.042")["DOI:10.5555/dmkb.2022.042"]
    assert result.status == "written" and result.title == "Perforin-deficient NK cells fail to clear EBV-infected B cells"
    entry = ReferenceStore(tmp_path).get("DOI:10.5555/dmkb.2022.042")
    assert entry.path.name == "DOI_10.5555_dmkb.2022.042.md"
    assert entry.content == ("Natural killer (NK) cells lacking perforin failed to kill Epstein–Barr virus infected "
                             "B cells in vitro.\n\nConclusions\n\nPerforin is required for NK-cell control of EBV.")
    meta = entry.cached.metadata
    assert meta["authors"] == ["Lena Fischer", "Tomás Ruiz"] and meta["year"] == "2022"
    assert meta["doi"] == "10.5555/dmkb.2022.042" and meta["journal"] == "Hypothetical Immunology Reports"
    assert server.hits("/esearch.fcgi")[0]["term"] == "10.5555/dmkb.2022.042[doi]"


def test_a_doi_without_abstract_takes_pubmeds(server: ReplayServer, tmp_path: Path) -> None:  # noqa: F811
    server.route("/works/10.5555/dmkb.2023.777", recorded("crossref_2023_777.json"))
    server.route("/esearch.fcgi", recorded("esearch_doi_2023_777.json"), term="10.5555/dmkb.2023.777[doi]")
    server.route("/efetch.fcgi", recorded("pubmed_99000003.xml"), db="pubmed", id="99000003")
    result = run(server, tmp_path, "DOI:10.5555/dmkb.2023.777")["DOI:10.5555/dmkb.2023.777"]
    assert result.status == "written"
    entry = ReferenceStore(tmp_path).get("DOI:10.5555/dmkb.2023.777")
    assert entry.content.startswith("Serum ferritin above 10,000 ng/mL")
    assert entry.cached.metadata["pmid"] == "99000003"
    assert entry.cached.title == "Serum ferritin in NK-cell neoplasms"  # Crossref's title


def test_a_doi_nobody_knows(server: ReplayServer, tmp_path: Path) -> None:  # noqa: F811
    server.route("/esearch.fcgi", recorded("esearch_empty.json"))
    result = run(server, tmp_path, "DOI:10.5555/nothing")["DOI:10.5555/nothing"]
    assert result.status == "failed" and "neither Crossref nor PubMed knows DOI:10.5555/nothing" in result.message


def test_a_doi_with_no_text_anywhere_is_not_written(server: ReplayServer, tmp_path: Path) -> None:  # noqa: F811
    server.route("/works/10.5555/dmkb.2023.777", recorded("crossref_2023_777.json"))
    server.route("/esearch.fcgi", recorded("esearch_empty.json"))
    result = run(server, tmp_path, "DOI:10.5555/dmkb.2023.777")["DOI:10.5555/dmkb.2023.777"]
    assert result.status == "failed" and "no abstract" in result.message
    assert "dmkb refs import" in result.hint
    assert list(tmp_path.iterdir()) == []


def test_a_trial_from_clinicaltrials_gov(server: ReplayServer, tmp_path: Path) -> None:  # noqa: F811
    server.route("/studies/NCT09000001", recorded("ctgov_NCT09000001.json"))
    result = run(server, tmp_path, "clinicaltrials:NCT09000001")["clinicaltrials:NCT09000001"]
    assert result.status == "written" and result.content_type == "summary"
    entry = ReferenceStore(tmp_path).get("clinicaltrials:NCT09000001")
    assert entry.path.name == "clinicaltrials_NCT09000001.md"
    assert entry.cached.title == "Ruxolitinib in Aggressive NK-cell Leukemia"
    assert entry.content.startswith("This study tests whether adding ruxolitinib to chemotherapy")
    for fact in ("Conditions: Aggressive NK-cell Leukemia; Hemophagocytic Lymphohistiocytosis",
                 "Interventions: DRUG: Ruxolitinib", "Overall status: RECRUITING", "Phases: PHASE2",
                 "Participants receive ruxolitinib 20 mg twice daily"):
        assert fact in entry.content
    assert entry.cached.metadata["status"] == "RECRUITING"


def test_an_unknown_trial(server: ReplayServer, tmp_path: Path) -> None:  # noqa: F811
    result = run(server, tmp_path, "clinicaltrials:NCT09999999")["clinicaltrials:NCT09999999"]
    assert result.status == "failed" and result.message == "ClinicalTrials.gov has no study clinicaltrials:NCT09999999"


def test_a_pmc_id_is_fetched_as_its_article(server: ReplayServer, tmp_path: Path) -> None:  # noqa: F811
    server.route("/efetch.fcgi", recorded("pmc_99900001.xml"), db="pmc", id="99900001")
    result = run(server, tmp_path, "PMC:PMC99900001")["PMC:PMC99900001"]
    assert result.status == "written" and result.content_type == "full_text_xml"
    text = content(tmp_path, "PMC_PMC99900001.md")
    assert text.startswith("### Background\n\nAggressive NK-cell leukemia")


def test_fetching_again_keeps_the_better_entry(server: ReplayServer, tmp_path: Path) -> None:  # noqa: F811
    route_pubmed(server)
    run(server, tmp_path, "PMID:99000001")
    before = (tmp_path / "PMID_99000001.md").read_bytes()
    again = run(server, tmp_path, "PMID:99000001", full_text=False)["PMID:99000001"]
    assert again.status == "kept" and "full_text_xml" in again.message
    assert (tmp_path / "PMID_99000001.md").read_bytes() == before
    forced = run(server, tmp_path, "PMID:99000001", full_text=False, force=True)["PMID:99000001"]
    assert forced.status == "replaced"
    assert ReferenceStore(tmp_path).get("PMID:99000001").content_type == "abstract_only"


def test_the_api_key_and_tool_go_to_ncbi(server: ReplayServer, tmp_path: Path) -> None:  # noqa: F811
    route_pubmed(server)
    config = FetchConfig(server.url, server.url, server.url, api_key="SECRET", email="curator@example.org")
    with Sources(config) as sources:
        fetch_references(["PMID:99000002"], ReferenceStore(tmp_path), sources, full_text=False)
    [query] = server.hits("/efetch.fcgi")
    assert (query["api_key"], query["tool"], query["email"]) == ("SECRET", "dmkb", "curator@example.org")
