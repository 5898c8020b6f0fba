"""``dmkb refs …`` as a user runs it, in a real process, against a real local server that
answers like E-utilities, Crossref and ClinicalTrials.gov."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import TinyKb, run_dmkb
from replay import ReplayServer, Reply, failure, recorded, server  # noqa: F401 - server is a fixture
from test_refs_import import SEED_ABSTRACT, SEED_AGGREGATOR

CITING_ENTRY = """\
name: Test Leukemia
pathophysiology:
- name: STAT3 Activation
  description: STAT3 is active.
  evidence:
  - reference: PMID:99000001
    reference_title: JAK-STAT activation drives STAT3-dependent survival of leukemic NK cells.
    supports: SUPPORT
    snippet: STAT3 was constitutively phosphorylated, and TGF-beta1 signalling was increased.
  - reference: PMID:99000001
    supports: SUPPORT
    snippet: Spleen size fell by a median of 40% under ruxolitinib.
"""


@pytest.fixture
def services(server: ReplayServer, monkeypatch: pytest.MonkeyPatch) -> ReplayServer:  # noqa: F811
    """The local server as all three services, with short timeouts and few retries."""
    for name in ("DMKB_EUTILS_URL", "DMKB_CROSSREF_URL", "DMKB_CTGOV_URL"):
        monkeypatch.setenv(name, server.url)
    monkeypatch.setenv("DMKB_HTTP_TIMEOUT", "2")
    monkeypatch.setenv("DMKB_HTTP_RETRIES", "2")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    return server


def route_article(server: ReplayServer) -> None:  # noqa: F811
    server.route("/efetch.fcgi", recorded("pubmed_99000001_99000002.xml"), db="pubmed")
    server.route("/efetch.fcgi", recorded("pmc_99900001.xml"), db="pmc", id="99900001")


def test_fetched_reference_is_used_by_validate(services: ReplayServer, tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(CITING_ENTRY)
    before = run_dmkb("validate", tiny_kb.root, "--format", "json")
    assert before.code == 1
    assert {f["message"] for f in before.json()["findings"]} == {
        "PMID:99000001 is not cached, so its snippets cannot be checked"}
    route_article(services)
    cache = tiny_kb.root / "references_cache"
    fetched = run_dmkb("refs", "fetch", "PMID:99000001", "--cache", cache)
    assert fetched.code == 0, fetched.stderr
    assert "written" in fetched.stdout and "full_text_xml" in fetched.stdout
    assert (cache / "PMID_99000001.md").is_file()
    after = run_dmkb("validate", tiny_kb.root, "--format", "json")
    assert after.code == 0, after.stdout
    assert after.json()["findings"] == []
    tiny_kb.write_entry(CITING_ENTRY.replace("fell by a median of 40%", "fell by a median of 60%"))
    wrong = run_dmkb("validate", tiny_kb.root, "--format", "json")
    assert [f["message"] for f in wrong.json()["findings"]] == ["snippet not found in PMID:99000001"]


def test_429_twice_then_200_still_succeeds(services: ReplayServer, tmp_path: Path) -> None:
    services.route("/efetch.fcgi", failure(429), failure(429), recorded("pubmed_99000001_99000002.xml"), db="pubmed")
    result = run_dmkb("refs", "fetch", "PMID:99000002", "--cache", tmp_path, "--no-full-text")
    assert result.code == 0, result.stderr
    assert len(services.hits("/efetch.fcgi")) == 3
    assert "Hemophagocytic syndrome preceding" in (tmp_path / "PMID_99000002.md").read_text(encoding="utf-8")


def test_a_source_that_always_fails_leaves_no_file_and_a_clear_error(
    services: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DMKB_HTTP_RETRIES", "1")
    services.route("/efetch.fcgi", failure(500))
    result = run_dmkb("refs", "fetch", "PMID:99000001", "--cache", tmp_path)
    assert result.code == 1
    assert os.listdir(tmp_path) == []
    assert result.stderr.startswith("error: PMID:99000001: NCBI E-utilities (http://127.0.0.1:")
    assert "HTTP 500 (tried 2 times)" in result.stderr and "hint: try again later; check DMKB_EUTILS_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_single_try_is_called_once(services: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMKB_HTTP_RETRIES", "0")
    services.route("/efetch.fcgi", failure(500))
    result = run_dmkb("refs", "fetch", "PMID:99000001", "--cache", tmp_path)
    assert result.code == 1 and "HTTP 500 (tried once)" in result.stderr


def test_a_new_cache_folder_is_not_left_behind_when_nothing_was_fetched(
    services: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DMKB_HTTP_RETRIES", "0")
    services.route("/efetch.fcgi", failure(500))
    new = tmp_path / "new" / "references_cache"
    result = run_dmkb("refs", "fetch", "PMID:99000001", "--cache", new)
    assert result.code == 1 and "HTTP 500" in result.stderr
    assert not new.exists()


def test_a_source_that_is_down_is_one_message_not_one_per_id(
    services: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DMKB_HTTP_RETRIES", "0")
    dois = [f"DOI:10.5555/dmkb.down.{n}" for n in range(3)]
    for doi in dois:
        services.route(f"/works/{doi.removeprefix('DOI:')}", failure(503))
    result = run_dmkb("refs", "fetch", *dois, "--cache", tmp_path)
    assert result.code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "Crossref (http://127.0.0.1:" in errors[0] and f"3 references failed: {', '.join(dois)}" in errors[0]


def test_a_source_that_times_out(services: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMKB_HTTP_TIMEOUT", "0.2")
    monkeypatch.setenv("DMKB_HTTP_RETRIES", "0")
    services.route("/studies/NCT09000001", Reply(200, b"{}", delay=1.0))
    result = run_dmkb("refs", "fetch", "clinicaltrials:NCT09000001", "--cache", tmp_path)
    assert result.code == 1 and "no answer within 0.2 s" in result.stderr
    assert os.listdir(tmp_path) == []


def test_malformed_xml_is_reported(services: ReplayServer, tmp_path: Path) -> None:
    services.route("/efetch.fcgi", recorded("pubmed_malformed.xml"), db="pubmed")
    result = run_dmkb("refs", "fetch", "PMID:99000001", "--cache", tmp_path)
    assert result.code == 1 and "is not well-formed XML" in result.stderr
    assert os.listdir(tmp_path) == []


def test_a_doi_and_a_trial_are_fetched_the_same_way(services: ReplayServer, tmp_path: Path) -> None:
    services.route("/works/10.5555/dmkb.2022.042", recorded("crossref_2022_042.json"))
    services.route("/esearch.fcgi", recorded("esearch_empty.json"))
    services.route("/studies/NCT09000001", recorded("ctgov_NCT09000001.json"))
    result = run_dmkb("refs", "fetch", "DOI:10.5555/dmkb.2022.042", "clinicaltrials:NCT09000001",
                      "--cache", tmp_path, "--format", "json")
    assert result.code == 0, result.stderr
    report = result.json()
    assert report["summary"] == {"cache": str(tmp_path), "requested": 2, "written": 2, "replaced": 0, "kept": 0,
                                 "failed": 0}
    assert [(r["id"], r["status"], r["content_type"]) for r in report["results"]] == [
        ("DOI:10.5555/dmkb.2022.042", "written", "abstract_only"),
        ("clinicaltrials:NCT09000001", "written", "summary"),
    ]
    assert set(report["results"][0]) == {"id", "status", "content_type", "title", "file", "message", "hint"}
    assert sorted(os.listdir(tmp_path)) == ["DOI_10.5555_dmkb.2022.042.md", "clinicaltrials_NCT09000001.md"]


def test_fetch_root_asks_only_for_what_is_missing(services: ReplayServer, tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(CITING_ENTRY.replace("PMID:99000001", "PMID:99000002"), name="Other.yaml")
    services.route("/efetch.fcgi", recorded("pubmed_99000001_99000002.xml"), db="pubmed")
    result = run_dmkb("refs", "fetch", tiny_kb.root, "--no-full-text", "--format", "json")
    assert result.code == 0, result.stderr
    assert [r["id"] for r in result.json()["results"]] == ["PMID:99000002"]  # PMID:1000001 is cached
    assert [q["id"] for q in services.hits("/efetch.fcgi")] == ["99000002"]
    again = run_dmkb("refs", "fetch", tiny_kb.root)
    assert again.code == 0 and "nothing to fetch" in again.stdout
    assert len(services.hits("/efetch.fcgi")) == 1


def test_show_prints_a_cached_reference(tiny_kb: TinyKb) -> None:
    cache = tiny_kb.root / "references_cache"
    text = run_dmkb("refs", "show", "PMID:1000001", "--cache", cache)
    assert text.code == 0
    assert text.stdout.startswith("Interleukin-6 drives hepatosplenomegaly in a model of NK-cell leukemia\n")
    assert "Malignant NK cells expanded in the bone marrow and spleen." in text.stdout
    shown = run_dmkb("refs", "show", "pmid:1000001", "--cache", cache, "--format", "json").json()
    assert (shown["id"], shown["content_type"], shown["problems"]) == ("PMID:1000001", "abstract_only", [])
    assert shown["text"].startswith("Malignant NK cells expanded")
    missing = run_dmkb("refs", "show", "PMID:42", "--cache", cache)
    assert missing.code == 2 and "PMID:42 is not cached" in missing.stderr
    assert "dmkb refs fetch PMID:42" in missing.stderr


def test_verify_reports_problems_and_exits_1(tiny_kb: TinyKb) -> None:
    cache = tiny_kb.root / "references_cache"
    clean = run_dmkb("refs", "verify", tiny_kb.root)
    assert clean.code == 0 and "1 cached entries checked: 0 errors, 0 warnings" in clean.stdout
    (cache / "PMID_1000002.md").write_text(
        "---\nreference_id: PMID:1000003\ntitle: Another paper\n---\n\n# Another paper\n\n## Content\n\nText.\n",
        encoding="utf-8")
    result = run_dmkb("refs", "verify", tiny_kb.root, "--format", "json")
    assert result.code == 1
    report = result.json()
    assert report["summary"]["errors"] == 1 and report["summary"]["warnings"] == 1
    assert {(f["file"], f["kind"]) for f in report["findings"]} == {
        ("PMID_1000002.md", "identity"), ("PMID_1000002.md", "uncited")}


def test_import_seed_records(tmp_path: Path) -> None:
    result = run_dmkb("refs", "import", SEED_AGGREGATOR, SEED_ABSTRACT, "--cache", tmp_path, "--format", "json")
    assert result.code == 0, result.stderr
    ids = [r["id"] for r in result.json()["results"]]
    assert ids[0] == "DOI:10.1007/s10238-025-01559-5" and ids[1].startswith("LOCAL:")
    shown = run_dmkb("refs", "show", ids[0], "--cache", tmp_path, "--format", "json").json()
    assert shown["title"] == "Adoptive NK cell therapy in AML: progress and challenges."
    assert shown["journal"] == "Clinical and Experimental Medicine" and shown["year"] == "2025"
    assert shown["text"].startswith("Adoptive cell therapy (ACT)") and "<p>" not in shown["text"]
    whole = run_dmkb("refs", "show", ids[1], "--cache", tmp_path, "--format", "json").json()
    assert whole["text"] == SEED_ABSTRACT.read_text(encoding="utf-8").strip()
    verify = run_dmkb("refs", "verify", "--cache", tmp_path)
    assert verify.code == 0, verify.stdout
    again = run_dmkb("refs", "import", SEED_AGGREGATOR, "--cache", tmp_path)
    assert again.code == 0 and again.stdout.startswith("kept")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["refs", "fetch", "PMID:abc", "--cache", "{tmp}"], "'PMID:abc' is not a well-formed PMID id"),
        (["refs", "fetch", "GEO:GSE1", "--cache", "{tmp}"], "datasets have no text to cache"),
        (["refs", "fetch"], "kb/disorders"),  # run in an empty folder
        (["refs", "show", "PMID:1"], "give --cache DIR"),
        (["refs", "verify", "--cache", "{tmp}/nowhere"], "no such folder"),
        (["refs", "import", "{tmp}/a.txt", "{tmp}/b.txt", "--id", "PMID:1", "--cache", "{tmp}"], "--id names"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_dmkb(*[a.format(tmp=tmp_path) for a in args])
    assert result.code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_bad_base_url_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMKB_EUTILS_URL", "eutils.example")
    result = run_dmkb("refs", "fetch", "PMID:1", "--cache", tmp_path)
    assert result.code == 2 and "DMKB_EUTILS_URL='eutils.example' is not an http(s) URL" in result.stderr


def test_importing_a_bad_file_names_it_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "broken.xml"
    bad.write_text("<PubmedArticleSet><PubmedArticle>", encoding="utf-8")
    result = run_dmkb("refs", "import", bad, SEED_ABSTRACT, "--cache", tmp_path / "cache")
    assert result.code == 1
    assert f"error: {bad} is not well-formed XML" in result.stderr
    assert "written" in result.stdout  # the good file was still imported


PAGE_SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_451a494bdf03f360.txt"


def test_each_imported_record_names_the_file_it_came_from(tmp_path: Path) -> None:
    result = run_dmkb("refs", "import", SEED_AGGREGATOR, SEED_ABSTRACT, "--cache", tmp_path)
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"{SEED_AGGREGATOR} → DOI:10.1007/s10238-025-01559-5" in lines[0]
    assert f"{SEED_ABSTRACT} → LOCAL:" in lines[1]
    as_json = run_dmkb("refs", "import", SEED_ABSTRACT, "--cache", tmp_path, "--format", "json").json()
    assert as_json["results"][0]["imported_from"] == str(SEED_ABSTRACT)


def test_a_saved_web_page_is_refused_unless_kept_whole(tmp_path: Path) -> None:
    if not PAGE_SEED.exists():
        pytest.skip("the shared seeds are not beside the repository")
    cache = tmp_path / "cache"
    result = run_dmkb("refs", "import", PAGE_SEED, "--cache", cache)
    assert result.code == 1
    assert f"{PAGE_SEED}: this does not read as an abstract (68,241 characters" in result.stderr
    assert "--whole-text" in result.stderr
    assert not cache.exists() or not any(cache.iterdir())  # nothing was stored
    kept = run_dmkb("refs", "import", PAGE_SEED, "--cache", cache, "--whole-text")
    assert kept.code == 0 and f"{PAGE_SEED} → LOCAL:" in kept.stdout
