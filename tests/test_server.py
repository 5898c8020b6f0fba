"""The server: the same pages as the static site, the JSON API, refusals of bad requests,
concurrent clients, and a rebuild when a file of the KB changes."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import EXAMPLE, run_dmkb
from site_helpers import serve_in_thread

from dmkb.server.state import SiteState
from dmkb.server.watch import KbWatcher
from dmkb.site.build import build_site

ANKL = "Aggressive_NK-cell_Leukemia"


@dataclass
class Served:
    root: Path  # the KB (a copy of the example, free to change)
    out: Path  # the built site
    port: int
    state: SiteState

    def request(self, path: str, method: str = "GET", headers: dict[str, str] | None = None,
                body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
        """One request with the path sent exactly as given (no client-side clean-up of ``..``)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for key, value in (headers or {}).items():
                conn.putheader(key, value)
            if body is not None and "Content-Length" not in (headers or {}):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def json(self, path: str) -> tuple[int, dict]:
        status, _, body = self.request(path)
        return status, json.loads(body)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("served")
    root = base / "kb"
    shutil.copytree(EXAMPLE, root)
    out = base / "site"
    build_site([root], out)
    with serve_in_thread(out) as (port, state):
        yield Served(root, out, port, state)


def test_pages_are_the_static_pages(served: Served) -> None:
    for path, file in (("/", "index.html"), ("/index.html", "index.html"),
                       (f"/disorders/{ANKL}.html", f"disorders/{ANKL}.html"), ("/static/dmkb.css", "static/dmkb.css")):
        status, headers, body = served.request(path)
        assert status == 200, path
        assert body == (served.out / file).read_bytes(), path
    status, headers, _ = served.request(f"/disorders/{ANKL}.html")
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in headers["content-security-policy"] and headers["x-content-type-options"] == "nosniff"
    status, headers, body = served.request(f"/disorders/{ANKL}.html", method="HEAD")
    assert status == 200 and body == b""


def test_api_shapes(served: Served) -> None:
    status, listing = served.json("/api/disorders")
    assert status == 200
    [entry] = listing["disorders"]
    assert set(entry) == {"stem", "name", "mondo_id", "categories", "synonyms", "counts", "url"}
    assert entry["stem"] == ANKL and entry["mondo_id"] == "MONDO:0019470"
    assert entry["counts"] == {"steps": 10, "phenotypes": 9, "genes": 5, "treatments": 3, "evidence": 89,
                               "verified": 89}

    status, one = served.json(f"/api/disorders/{ANKL}")
    assert status == 200
    assert {"stem", "name", "mondo_id", "description", "categories", "synonyms", "parents", "steps", "phenotypes",
            "genes", "treatments", "treatment_targets", "graph", "evidence", "references"} <= set(one)
    assert len(one["steps"]) == 10 and {"path", "name", "description"} <= set(one["steps"][0])
    assert {"reference", "snippet", "supports", "evidence_source", "status"} <= set(one["evidence"][0])
    assert {e["kind"] for e in one["graph"]["edges"]} == {"downstream", "treatment"}
    assert served.json(f"/disorders/{ANKL}.json") == (200, one)  # the page's JSON twin

    status, found = served.json("/api/search?q=NK-cell%20leuk")
    assert status == 200 and found["query"] == "NK-cell leuk"
    assert [r["stem"] for r in found["results"]] == [ANKL]
    assert served.json("/api/search?q=STAT3")[1]["results"][0]["stem"] == ANKL  # genes are searched too
    assert served.json("/api/search?q=zzzzqq") == (200, {"query": "zzzzqq", "results": []})


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/disorders/Nothing", 404),
        ("/api/search?q=", 400),
        ("/api/search?q=" + "a" * 300, 400),
        ("/api/nothing", 404),
    ],
)
def test_api_errors_are_json(served: Served, path: str, status: int) -> None:
    got, body = served.json(path)
    assert got == status
    assert set(body) == {"error"} and body["error"]["status"] == status and body["error"]["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/static/../kb.sqlite",
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%2f..%2f..%2fetc/passwd",
        "/../../../../etc/passwd",
        "/static//etc/passwd",
        "/static/.dmkb-site.json",
        "/static/..\\..\\kb.sqlite",
        "/disorders/../kb.sqlite",
    ],
)
def test_paths_outside_the_site_are_refused(served: Served, path: str) -> None:
    status, _, body = served.request(path)
    assert 400 <= status < 500, path
    assert b"root:" not in body and not body.startswith(b"SQLite format")


def test_bad_requests_get_4xx(served: Served) -> None:
    assert served.request("/", method="POST", body=b"x=1")[0] == 405
    assert served.request("/", headers={"Content-Length": str(10**7)})[0] == 413
    assert served.request("/?q=" + "a" * 5000)[0] == 414
    assert 400 <= served.request("/", headers={"X-Padding": "a" * 40000})[0] < 500
    assert served.request("/disorders/Nothing.html")[0] == 404
    assert served.request(f"/disorders/{ANKL}.txt")[0] == 404
    with socket.create_connection(("127.0.0.1", served.port), timeout=5) as raw:
        raw.sendall(b"NONSENSE\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 4")


def test_concurrent_clients_get_no_errors(served: Served) -> None:
    paths = ["/", f"/disorders/{ANKL}.html", "/api/disorders", "/static/dmkb.js", "/api/search?q=ankl"]

    def client(k: int) -> list[int]:
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
        statuses = []
        for i in range(10):
            conn.request("GET", paths[(k + i) % len(paths)])
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
        conn.close()
        return statuses

    with ThreadPoolExecutor(20) as pool:
        statuses = [s for batch in pool.map(client, range(20)) for s in batch]
    assert len(statuses) == 200 and set(statuses) == {200}


def test_a_changed_kb_file_is_rebuilt_and_served(served: Served) -> None:
    entry = served.root / "kb" / "disorders" / f"{ANKL}.yaml"
    original = entry.read_text(encoding="utf-8")

    def rebuild() -> None:
        build_site([served.root], served.out)
        served.state.reload()

    watcher = KbWatcher(served.root, rebuild, interval=0.1)
    watcher.start()
    try:
        entry.write_text(original.replace("name: Aggressive NK-cell Leukemia", "name: Aggressive NK-cell Leukaemia", 1),
                         encoding="utf-8")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if b"<h1>Aggressive NK-cell Leukaemia</h1>" in served.request(f"/disorders/{ANKL}.html")[2]:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the page was not rebuilt")
    finally:
        watcher.stop()
        entry.write_text(original, encoding="utf-8")
        build_site([served.root], served.out)
        served.state.reload()


def test_cli_serve_prints_its_address_and_serves(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "dmkb", "serve", str(EXAMPLE), "--port", str(port),
                             "--out", str(tmp_path / "site")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(3)]  # type: ignore[union-attr]
        assert lines[-1].strip() == f"serving at http://127.0.0.1:{port}/ (Ctrl-C to stop)", lines
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", f"/disorders/{ANKL}.html")
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_serve_on_a_busy_port_is_a_clean_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run_dmkb("serve", EXAMPLE, "--port", busy.getsockname()[1], "--out", tmp_path / "site")
    assert result.code == 2
    assert "cannot listen on 127.0.0.1:" in result.stderr and "Traceback" not in result.stderr
