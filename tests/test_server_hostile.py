"""Hostile clients and files against the real server: idle and slow connections, Host names it
was not bound for, redirects, and a watcher that must outlive whatever a KB file holds."""

from __future__ import annotations

import http.client
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE, HUGE_INT_ENTRY
from site_helpers import serve_in_thread

from dmkb.pipeline import serve as run
from dmkb.pipeline.build import build_site
from dmkb.pipeline.watch import KbWatcher
from dmkb.server.limits import HostPolicy
from dmkb.server.run import listen, make_server


@pytest.fixture(scope="module")
def example_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile") / "site"
    build_site([EXAMPLE], out)
    return out


def get(port: int, path: str, host: str | None = None) -> tuple[int, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_host=host is not None)
        if host is not None:
            conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def test_idle_connections_cannot_keep_others_out(example_out: Path) -> None:
    with serve_in_thread(example_out, head_timeout=0.5, limit_concurrency=20) as (port, _):
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(30)]
        try:
            time.sleep(0.2)
            assert get(port, "/")[0] == 503  # the server is full of connections that say nothing
            time.sleep(1.0)
            assert get(port, "/")[0] == 200  # they had their time: closed
            assert all(s.recv(1) == b"" for s in idle)
        finally:
            for s in idle:
                s.close()


def test_a_request_head_sent_a_byte_at_a_time_is_cut_off(example_out: Path) -> None:
    with serve_in_thread(example_out, head_timeout=0.5) as (port, _):
        slow = socket.create_connection(("127.0.0.1", port))
        slow.settimeout(5)
        started = time.monotonic()
        try:
            for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ":
                slow.sendall(bytes([byte]))
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert slow.recv(1) == b"" and time.monotonic() - started < 3
        slow.close()


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example"])
def test_other_host_names_are_refused(example_out: Path, host: str) -> None:
    with serve_in_thread(example_out) as (port, _):
        status, headers = get(port, "/static", host=host)
        assert status == 421 and "evil" not in headers.get("location", "")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:{port}", "localhost:{port}", None])
def test_the_bound_host_is_answered_and_redirects_are_relative(example_out: Path, host: str | None) -> None:
    with serve_in_thread(example_out) as (port, _):
        status, headers = get(port, "/static", host=host.format(port=port) if host else None)
        assert status in (307, 308) and headers["location"] == "/static/"


def test_a_server_on_every_address_answers_address_literals_only(example_out: Path) -> None:
    policy = HostPolicy.bound_to("0.0.0.0")
    assert policy.allows("192.168.1.20:8000") and policy.allows("[::1]:8000") and policy.allows("localhost")
    assert not policy.allows("evil.example") and not policy.allows("evil.example:8000")


def test_the_watcher_survives_a_failing_rebuild(tmp_path: Path) -> None:
    (tmp_path / "kb" / "disorders").mkdir(parents=True)
    calls: list[int] = []

    def rebuild() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RecursionError("anything at all")

    watcher = KbWatcher(tmp_path, rebuild, interval=0.05)
    watcher.start()
    try:
        for name in ("a.yaml", "b.yaml"):
            (tmp_path / "kb" / "disorders" / name).write_text("name: x\n")
            deadline = time.monotonic() + 5
            count = len(calls)
            while len(calls) == count and time.monotonic() < deadline:
                time.sleep(0.02)
        assert len(calls) == 2
    finally:
        watcher.stop()


def test_serve_rebuilds_after_a_file_with_a_huge_integer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "kb"
    shutil.copytree(EXAMPLE, root)
    servers: list = []

    def capture(*args, **kwargs):
        servers.append(make_server(*args, **kwargs))
        return servers[-1]

    monkeypatch.setattr(run, "make_server", capture)
    built: list = []
    failed: list = []
    sock = listen("127.0.0.1", 0)
    thread = threading.Thread(target=run.serve, args=([root], tmp_path / "site", sock),
                              kwargs={"on_built": built.append, "on_build_error": failed.append}, daemon=True)
    thread.start()

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + 30
        while len(built) + len(failed) < count and time.monotonic() < deadline:
            time.sleep(0.05)

    try:
        wait_for(1)
        time.sleep(0.3)  # the watcher takes the KB's state after the first build
        (root / "kb" / "disorders" / "Huge.yaml").write_text(HUGE_INT_ENTRY)
        wait_for(2)
        (root / "kb" / "disorders" / "Later.yaml").write_text("name: Later Disease\n")
        wait_for(3)
        assert len(built) == 3 and failed == [], failed
        assert "Later" in built[-1].rendered
    finally:
        if servers:
            servers[0].should_exit = True
        thread.join(timeout=10)
        sock.close()
