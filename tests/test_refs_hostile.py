"""Sources and files that answer badly: a server that drips one byte at a time or never stops
sending, a redirect loop, JSON nested beyond Python's recursion limit, and oversized imports.
Each fails that one request, id or file, within its deadline, and never the whole run."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hostile_http import drip_body, drip_headers, endless_body
from replay import ReplayServer, Reply, recorded, server  # noqa: F401 - server is a fixture

from dmkb.errors import DmkbError
from dmkb.references.fetch.config import FetchConfig
from dmkb.references.fetch.http import BadResponse, HttpSettings, SourceClient, SourceUnavailable
from dmkb.references.fetch.runner import Sources, fetch_references
from dmkb.references.importers import import_file
from dmkb.references.store import ReferenceStore

DEEP_JSON = b"[" * 200_000 + b"]" * 200_000


_ANSWERS = {"/drip": drip_body, "/drip-headers": drip_headers, "/endless": endless_body}


class _Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.partition("?")[0]
        if path in _ANSWERS:
            _ANSWERS[path](self)
        elif path == "/claims-huge":
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(200)
                self.send_header("Content-Length", str(10 * 2**30))
                self.end_headers()
                self.wfile.write(b"z" * 1024)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hostile() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def client(url: str, **settings: float) -> SourceClient:
    return SourceClient("Test source", url, per_second=1000,
                        settings=HttpSettings(**{"timeout": 2, "retries": 0, "backoff": 0.01, **settings}))


def test_a_slow_drip_answer_ends_at_the_deadline(hostile: str) -> None:
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match=r"no whole answer within 0\.5 s"):
        client(hostile, deadline=0.5).get("drip")
    assert time.monotonic() - started < 3


def test_headers_dripped_a_byte_at_a_time_end_at_the_deadline(hostile: str) -> None:
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match=r"no whole answer within 0\.5 s"):
        client(hostile, deadline=0.5).get("drip-headers")
    assert time.monotonic() - started < 3


def test_an_endless_answer_is_cut_at_the_size_cap(hostile: str) -> None:
    started = time.monotonic()
    with pytest.raises(BadResponse, match="larger than 1 MiB"):
        client(hostile, max_bytes=2**20).get("endless")
    assert time.monotonic() - started < 5


def test_an_answer_announcing_a_huge_body_is_refused_unread(hostile: str) -> None:
    with pytest.raises(BadResponse, match="larger than 1 MiB"):
        client(hostile, max_bytes=2**20).get("claims-huge")


def test_deadline_and_cap_come_from_the_environment() -> None:
    config = FetchConfig.from_env({"DMKB_HTTP_DEADLINE": "7.5", "DMKB_HTTP_MAX_MB": "2"})
    assert (config.http.deadline, config.http.max_bytes) == (7.5, 2 * 2**20)
    with pytest.raises(DmkbError, match="DMKB_HTTP_MAX_MB"):
        FetchConfig.from_env({"DMKB_HTTP_MAX_MB": "lots"})


def test_one_bad_answer_fails_only_its_id(server: ReplayServer, tmp_path: Path) -> None:  # noqa: F811
    server.route("/works/10.5555/loop", Reply(302, b"", "text/plain", {"Location": "/works/10.5555/loop"}))
    server.route("/works/10.5555/deep", Reply(200, DEEP_JSON, "application/json"))
    server.route("/works/10.5555/dmkb.2022.042", recorded("crossref_2022_042.json"))
    server.route("/esearch.fcgi", recorded("esearch_empty.json"))
    config = FetchConfig(server.url, server.url, server.url, api_key="test-key",
                         http=HttpSettings(timeout=2, retries=1, backoff=0.01))
    ids = ["DOI:10.5555/loop", "DOI:10.5555/deep", "DOI:10.5555/dmkb.2022.042"]
    with Sources(config) as sources:
        results = {r.reference_id: r for r in fetch_references(ids, ReferenceStore(tmp_path), sources)}
    assert [results[i].status for i in ids] == ["failed", "failed", "written"]
    assert "redirects in a loop" in results[ids[0]].message
    assert "nested too deeply" in results[ids[1]].message


def test_deeply_nested_json_is_a_clear_import_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(DEEP_JSON)
    with pytest.raises(DmkbError, match="nested too deeply"):
        import_file(path)
    path.write_bytes(b'{"title": "x"}\n' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"\n")
    [record] = import_file(path)  # the readable line is taken, the other left out
    assert record.title == "x"


def test_an_import_beyond_the_size_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMKB_MAX_FILE_MB", "1")
    path = tmp_path / "big.txt"
    path.write_text("An abstract. " * 100_000)
    with pytest.raises(DmkbError, match="larger than 1 MiB") as caught:
        import_file(path)
    assert "DMKB_MAX_FILE_MB" in (caught.value.hint or "")
