"""The shared HTTP client against a real local server: retries with backoff on 429 and 5xx,
Retry-After, timeouts, missing records, refused requests, the rate limit and fixed parameters."""

from __future__ import annotations

import time

import pytest
from replay import ReplayServer, Reply, failure, server  # noqa: F401 - server is a fixture

from dmkb.errors import UsageError
from dmkb.references.fetch.config import FetchConfig
from dmkb.references.fetch.http import BadResponse, HttpSettings, NotFound, SourceClient, SourceUnavailable

FAST = HttpSettings(timeout=0.3, retries=3, backoff=0.01)


def client(server: ReplayServer, settings: HttpSettings = FAST, **kwargs) -> SourceClient:  # noqa: F811
    return SourceClient("Test source", server.url, per_second=1000, settings=settings,
                        setting_name="DMKB_TEST_URL", **kwargs)


def test_429_twice_then_200_succeeds(server: ReplayServer) -> None:  # noqa: F811
    server.route("/thing", failure(429), failure(429), Reply(200, b"<ok/>"))
    response = client(server).get("thing")
    assert response.content == b"<ok/>"
    assert len(server.hits("/thing")) == 3


def test_5xx_is_retried_then_reported_clearly(server: ReplayServer) -> None:  # noqa: F811
    server.route("/thing", failure(500))
    with pytest.raises(SourceUnavailable) as caught:
        client(server).get("thing")
    assert len(server.hits("/thing")) == 4  # the first try and three retries
    assert "Test source" in caught.value.message and "HTTP 500" in caught.value.message
    assert "tried 4 times" in caught.value.message
    assert "DMKB_TEST_URL" in caught.value.hint


def test_a_source_that_stayed_down_is_not_asked_again(server: ReplayServer) -> None:  # noqa: F811
    server.route("/a", failure(502))
    server.route("/b", Reply(200, b"x"))
    source = client(server)
    with pytest.raises(SourceUnavailable):
        source.get("a")
    with pytest.raises(SourceUnavailable, match="HTTP 502"):
        source.get("b")
    assert server.hits("/b") == []


def test_backoff_doubles_and_retry_after_is_honoured(server: ReplayServer) -> None:  # noqa: F811
    server.route("/a", failure(503), failure(503), failure(503), Reply(200, b"x"))
    server.route("/b", failure(429, retry_after="7"), Reply(200, b"x"))
    pauses: list[float] = []
    settings = HttpSettings(timeout=1, retries=3, backoff=0.5, max_wait=5)
    source = client(server, settings, sleep=pauses.append)
    source.get("a")
    assert pauses == [0.5, 1.0, 2.0]
    pauses.clear()
    source.get("b")
    assert pauses == [5]  # Retry-After asked for 7 s, capped at max_wait


def test_a_timeout_is_retried_then_reported(server: ReplayServer) -> None:  # noqa: F811
    server.route("/slow", Reply(200, b"late", delay=1.0))
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match=r"no answer within 0\.2 s"):
        client(server, HttpSettings(timeout=0.2, retries=1, backoff=0.01)).get("slow")
    assert time.monotonic() - started < 1.5
    assert len(server.hits("/slow")) == 2


def test_a_slow_first_answer_then_a_quick_one_succeeds(server: ReplayServer) -> None:  # noqa: F811
    server.route("/slow", Reply(200, b"late", delay=1.0), Reply(200, b"quick"))
    assert client(server, HttpSettings(timeout=0.2, retries=1, backoff=0.01)).get("slow").content == b"quick"


def test_404_is_not_found_and_not_retried(server: ReplayServer) -> None:  # noqa: F811
    server.route("/missing", Reply(404, b"Resource not found.", "text/plain"))
    with pytest.raises(NotFound):
        client(server).get("missing")
    assert len(server.hits("/missing")) == 1


def test_other_4xx_is_refused_without_retry(server: ReplayServer) -> None:  # noqa: F811
    server.route("/bad", Reply(400, b"Invalid uid", "text/plain"))
    with pytest.raises(BadResponse, match="HTTP 400 Invalid uid"):
        client(server).get("bad")
    assert len(server.hits("/bad")) == 1


def test_an_unreachable_source_is_reported() -> None:
    source = SourceClient("Nowhere", "http://127.0.0.1:9", per_second=1000, settings=FAST)
    with pytest.raises(SourceUnavailable, match="cannot connect"):
        source.get("x")


def test_requests_are_spaced_by_the_rate_limit(server: ReplayServer) -> None:  # noqa: F811
    server.route("/r", Reply(200, b"x"))
    source = SourceClient("Test", server.url, per_second=20, settings=FAST)
    started = time.monotonic()
    for _ in range(5):
        source.get("r")
    assert time.monotonic() - started >= 4 * 0.05 * 0.9


def test_fixed_parameters_are_sent_with_every_request(server: ReplayServer) -> None:  # noqa: F811
    server.route("/q", Reply(200, b"x"))
    client(server, params={"api_key": "KEY", "tool": "dmkb"}).get("q", {"id": "1"})
    assert server.hits("/q") == [{"api_key": "KEY", "tool": "dmkb", "id": "1"}]


def test_configuration_comes_from_the_environment() -> None:
    config = FetchConfig.from_env({"DMKB_EUTILS_URL": "http://127.0.0.1:1/eutils/", "NCBI_API_KEY": "k",
                                   "DMKB_HTTP_TIMEOUT": "2.5", "DMKB_HTTP_RETRIES": "0"})
    assert config.eutils_url == "http://127.0.0.1:1/eutils"
    assert config.crossref_url == "https://api.crossref.org"
    assert (config.api_key, config.http.timeout, config.http.retries) == ("k", 2.5, 0)


@pytest.mark.parametrize("env", [{"DMKB_CTGOV_URL": "ftp://x"}, {"DMKB_HTTP_TIMEOUT": "soon"},
                                 {"DMKB_HTTP_RETRIES": "-1"}])
def test_bad_configuration_is_a_usage_error(env: dict[str, str]) -> None:
    with pytest.raises(UsageError, match=next(iter(env))):
        FetchConfig.from_env(env)
