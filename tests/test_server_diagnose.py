"""Differential diagnosis in the server: /api/diagnose and the /diagnose page."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from conftest import EXAMPLE
from site_helpers import serve_in_thread

from dmkb.pipeline.build import build_site

# phenotypes of the bundled entry (aggressive NK-cell leukemia)
ANKL_PHENOTYPES = "HP:0001945,HP:0001433,HP:0001876,HP:0003281,HP:0005521"


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("diagnose") / "site"
    build_site([EXAMPLE], out)
    with serve_in_thread(out) as (port, _):
        yield port


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_api_ranks_the_kb_disorder_and_explains_every_candidate(port: int) -> None:
    status, _, body = get(port, f"/api/diagnose?hpo={ANKL_PHENOTYPES}&exclude=HP:0001250&limit=10")
    assert status == 200
    answer = json.loads(body)
    assert answer["hpo_release"] == "2025-11-24"
    assert [t["id"] for t in answer["excluded"]] == ["HP:0001250"]
    results = answer["results"]
    assert len(results) == 10 and "MONDO:0019470" in [r["id"] for r in results]
    assert all({"matched", "unexplained", "missing", "against"} <= set(r["explanation"]) for r in results)
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


def test_page_shows_the_ranking_with_links_and_allows_its_form(port: int) -> None:
    status, headers, body = get(port, f"/diagnose?hpo={ANKL_PHENOTYPES}")
    html = body.decode()
    assert status == 200
    assert "form-action 'self'" in headers["content-security-policy"]
    assert len(re.findall(r'<li class="candidate">', html)) == 20
    assert 'href="/disorders/Aggressive_NK-cell_Leukemia.html"' in html  # the KB's own page
    assert 'value="HP:0001945, HP:0001433' in html  # the query stays in the form


def test_the_empty_page_is_a_form(port: int) -> None:
    status, _, body = get(port, "/diagnose")
    assert status == 200 and b'name="hpo"' in body and b'id="ranking"' not in body


@pytest.mark.parametrize(("query", "message"), [
    ("?hpo=HP:9999999", "not HPO terms of release 2025-11-24: HP:9999999"),
    ("?hpo=fever", "'fever' is not an HP id, and the term index that reads plain words is not built"),
    ("?hpo=HP:0000005", "not a phenotypic abnormality (not under HP:0000118): HP:0000005 Mode of inheritance"),
    ("", "give at least one observed phenotype"),
    ("?hpo=HP:0001945&limit=0", "limit must be between 1 and 100"),
    ("?hpo=HP:0001945&limit=ten", "limit must be a whole number"),
    ("?hpo=HP:0001945,HP:0001433&exclude=HP:0001945", "given both as observed and as excluded: HP:0001945"),
])
def test_bad_queries_are_refused_with_a_reason(port: int, query: str, message: str) -> None:
    status, _, body = get(port, "/api/diagnose" + query)
    assert status == 400 and message in json.loads(body)["error"]["message"]
    status, _, body = get(port, "/diagnose" + query)
    assert status in (200, 400) and (status == 200) == (query == "")


def test_an_unknown_term_on_the_page_points_to_the_form_not_the_command_line(port: int) -> None:
    status, _, body = get(port, "/diagnose?hpo=HP:9999999")
    assert status == 400 and "type a phenotype&#39;s name in a box" in body.decode()
    assert "dmkb terms search" not in body.decode()


def test_plain_words_are_read_as_the_command_line_reads_them(with_term_index, tmp_path) -> None:
    out = tmp_path / "site"
    build_site([EXAMPLE], out)
    with serve_in_thread(out) as (port, _):
        status, _, body = get(port, "/api/diagnose?hpo=enlarged%20liver%20and%20spleen,%20fevr&exclude=seizures&limit=3")
        assert status == 200, body
        answer = json.loads(body)
        assert [t["id"] for t in answer["observed"]] == ["HP:0001433", "HP:0001945"]  # a typing mistake too
        assert [t["id"] for t in answer["excluded"]] == ["HP:0001250"]
        status, _, body = get(port, "/api/diagnose?hpo=zzqx%20blorf")
        assert status == 400 and "no HPO term matches 'zzqx blorf'" in json.loads(body)["error"]["message"]
        status, _, body = get(port, "/api/diagnose?hpo=HP:0001433%20HP:0001945")  # ids separated by a space
        assert [t["id"] for t in json.loads(body)["observed"]] == ["HP:0001433", "HP:0001945"]


def test_the_ranking_goes_on_page_by_page(port: int) -> None:
    status, _, body = get(port, f"/diagnose.html?hpo={ANKL_PHENOTYPES}&page=2")
    html = body.decode()
    assert status == 200 and '<ol class="ranking" id="ranking" start="21">' in html
    assert len(re.findall(r'<li class="candidate">', html)) == 20
    links = dict(re.findall(r'<a rel="(prev|next)" href="([^"]+)">', html))
    assert links["prev"].endswith("page=1#ranking") and links["next"].endswith("page=3#ranking")  # at the results
    assert f"hpo={ANKL_PHENOTYPES.replace(':', '%3A').replace(',', '%2C')}" in links["next"]
    status, _, _ = get(port, f"/diagnose?hpo={ANKL_PHENOTYPES}&page=26")
    assert status == 400  # only the 500 best-ranked diseases are paged through


def test_the_page_says_when_the_term_index_is_missing(port: int) -> None:
    status, _, body = get(port, "/diagnose")
    assert status == 200 and b'id="no-term-index"' in body and b"dmkb terms build" in body
    assert b'id="term-finder"' not in body
