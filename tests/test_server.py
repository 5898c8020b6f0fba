"""The server: the same pages as the static site, the JSON API, refusals of bad requests,
concurrent clients, and a rebuild when a file of the KB changes."""

from __future__ import annotations

import contextlib
import http.client
import json
import re
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
from conftest import EXAMPLE, run_dmkb_process
from site_helpers import serve_in_thread

from dmkb.pipeline.build import build_site
from dmkb.pipeline.watch import KbWatcher
from dmkb.server.state import SiteState

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


def test_a_disorder_address_without_html_leads_to_its_page(served: Served) -> None:
    status, headers, _ = served.request(f"/disorders/{ANKL}")
    assert (status, headers["location"]) == (301, f"{ANKL}.html")  # relative: the site may live under a path
    assert served.request(f"/disorders/{ANKL}", method="HEAD")[0] == 301
    assert served.request("/disorders/Nothing")[0] == 404


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
        deadline = time.monotonic() + 60  # the rebuild may first make the disease model (run alone, on a busy machine)
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


def _start_serving(*args: str | Path) -> tuple[subprocess.Popen, str]:
    """``dmkb serve …`` in a real process; its first line (the address, printed before any build)."""
    proc = subprocess.Popen([sys.executable, "-m", "dmkb", "serve", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline()  # type: ignore[union-attr]


def _wait_until_ready(proc: subprocess.Popen) -> list[str]:
    lines = []
    while not (lines and lines[-1].startswith("the site is ready at")):
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert line, f"serve stopped: {proc.stderr.read()}"  # type: ignore[union-attr]
        lines.append(line)
    return lines


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_cli_serve_prints_its_address_first_and_builds_in_the_background(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    proc, first = _start_serving(EXAMPLE, "--port", port, "--out", tmp_path / "site")
    try:
        assert first.strip() == f"serving at http://127.0.0.1:{port}/ (Ctrl-C to stop)"
        assert time.monotonic() - started < 15  # before the build, which takes longer the first time
        lines = _wait_until_ready(proc)
        assert any(line.startswith("1 disorder page: 1 rendered") for line in lines), lines
        assert _get(port, f"/disorders/{ANKL}.html")[0] == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_serve_takes_the_next_free_port_when_8000_is_taken(tmp_path: Path) -> None:
    """A newcomer's first run on a machine where port 8000 is taken ends with a working site."""
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with contextlib.suppress(OSError):  # taken already: as good for this test
            holder.bind(("127.0.0.1", 8000))
            holder.listen()
        proc, first = _start_serving(EXAMPLE, "--out", tmp_path / "site")
        try:
            found = re.fullmatch(r"serving at http://127\.0\.0\.1:(\d+)/ \(port 8000 is taken\) \(Ctrl-C to stop\)",
                                 first.strip())
            assert found, first
            port = int(found.group(1))
            _wait_until_ready(proc)
            status, page = _get(port, f"/disorders/{ANKL}.html")
            assert status == 200 and b"Aggressive NK-cell Leukemia" in page
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_make_run_passes_port_on(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    repo = Path(__file__).resolve().parents[1]

    def planned(*args: str) -> str:
        return subprocess.run(["make", "-n", "-C", str(repo), "run", *args], capture_output=True, text=True,
                              timeout=60).stdout

    assert "--port 8123" in planned("PORT=8123")
    assert "--port" not in planned()  # serve then takes 8000, or the next free port


def test_before_the_first_build_pages_say_the_site_is_being_built(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with serve_in_thread(out) as (port, state):
        status, page = _get(port, "/")
        assert status == 503 and b"the site is being built" in page
        assert b'<meta http-equiv="refresh" content="2">' in page
        assert _get(port, "/static/dmkb.css")[0] == 200  # the page has its style sheet already
        status, body = _get(port, "/api/disorders")
        assert status == 503 and json.loads(body)["error"]["message"].startswith("the site is being built")
        build_site([EXAMPLE], out)
        state.reload()
        assert _get(port, "/")[0] == 200


def test_cli_serve_logs_a_typo_and_keeps_serving_the_last_good_page(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(EXAMPLE, root)
    proc, first = _start_serving(root, "--out", tmp_path / "site", "--port", _free_port())
    port = int(re.search(r":(\d+)/", first).group(1))
    try:
        _wait_until_ready(proc)
        entry = root / "kb" / "disorders" / f"{ANKL}.yaml"
        entry.write_text(entry.read_text(encoding="utf-8").replace("categories:\n", "categories:\n bad: [\n", 1),
                         encoding="utf-8")
        line = ""
        deadline = time.monotonic() + 60
        while "could not be compiled" not in line and time.monotonic() < deadline:
            line = proc.stderr.readline()  # type: ignore[union-attr]
        assert re.match(rf"error: kb/disorders/{ANKL}\.yaml:\d+: could not be compiled: YAML syntax error", line), line
        assert "its page shows the last version that could be read" in line
        status, page = _get(port, f"/disorders/{ANKL}.html")
        assert status == 200 and b'<div class="banner" role="alert">' in page
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_cli_serve_on_a_busy_port_is_a_clean_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run_dmkb_process("serve", EXAMPLE, "--port", busy.getsockname()[1], "--out", tmp_path / "site")
    assert result.code == 2
    assert "cannot listen on 127.0.0.1:" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "site").exists()  # refused before anything is written
