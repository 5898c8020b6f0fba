"""The term API of the server: search (the autocomplete of phenotype forms) and lookup."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import EXAMPLE
from site_helpers import serve_in_thread

from dmkb.pipeline.build import build_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "out"
    build_site([EXAMPLE], out)
    return out


def get(port: int, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_term_search_and_lookup(site: Path, with_term_index: Path) -> None:
    with serve_in_thread(site) as (port, _):
        status, body = get(port, "/api/terms?q=enlarged%20liver%20and%20spleen&prefix=HP&limit=3")
        assert status == 200
        assert body["results"][0]["id"] == "HP:0001433" and len(body["results"]) == 3
        status, term = get(port, "/api/terms/hp:0001945")
        assert (status, term["label"], term["release"]) == (200, "Fever", "2025-11-24")
        status, error = get(port, "/api/terms/HP:9999999")
        assert status == 404 and "does not exist in HP 2025-11-24" in error["error"]["message"]
        status, body = get(port, "/api/terms?q=hepatosplenomegly&prefix=HP&limit=1")  # a typing mistake
        assert status == 200 and body["results"][0]["id"] == "HP:0001433"


@pytest.mark.parametrize(("path", "message"), [
    ("/api/terms?q=fever&prefix=XX", "no source of the term index holds XX terms; prefixes: "),
    ("/api/terms?q=fever&limit=abc", "the request's parameters are not valid: limit ("),
    ("/api/terms/foo", "'foo' is not an ontology id (PREFIX:local)"),
    ("/api/terms/HP:12", "'HP:12' is not a well-formed HP id"),
])
def test_term_requests_that_cannot_be_answered_say_why(site: Path, with_term_index: Path, path: str,
                                                       message: str) -> None:
    with serve_in_thread(site) as (port, _):
        status, body = get(port, path)
    assert status == 400 and message in body["error"]["message"], body


@pytest.mark.parametrize("query", ["", "?q=", "?q=fever&limit=0", "?q=fever&limit=51", "?q=" + "a" * 201,
                                   "?q=fever&limit=x"])
def test_bad_term_searches_are_refused(site: Path, with_term_index: Path, query: str) -> None:
    with serve_in_thread(site) as (port, _):
        status, body = get(port, "/api/terms" + query)
    assert status == 400 and body["error"]["status"] == 400


def test_without_an_index_the_term_api_says_how_to_build_it(site: Path) -> None:
    with serve_in_thread(site) as (port, _):
        status, body = get(port, "/api/terms?q=fever")
    assert status == 503 and "dmkb terms build" in body["error"]["message"]
