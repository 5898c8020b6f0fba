"""kb.sqlite is a datasette database: served by datasette itself, with its tables described,
disorders searched through the full-text table and foreign keys labelled."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import TinyKb

from dmkb.compile.incremental import compile_kb

DATASETTE = Path(sys.executable).with_name("datasette")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(tiny_kb: TinyKb, tmp_path: Path):
    if not DATASETTE.exists():
        pytest.skip("datasette is not installed (make setup)")
    db = tmp_path / "site" / "kb.sqlite"
    db.parent.mkdir()
    compile_kb([tiny_kb.root], db)
    port = free_port()
    proc = subprocess.Popen([DATASETTE, "serve", db, "-m", db.with_name("metadata.json"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/-/versions.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_datasette_serves_tables_search_and_labelled_foreign_keys(served: str) -> None:
    rows = httpx.get(f"{served}/kb/phenotypes.json?_shape=array&_labels=on").json()
    assert rows[0]["hpo_id"] == "HP:0001433"
    assert rows[0]["disorder_id"] == {"value": 1, "label": "Test Leukemia"}  # a declared foreign key
    found = httpx.get(f"{served}/kb/disorders.json?_search=leukemia&_shape=array&_col=name").json()
    assert [r["name"] for r in found] == ["Test Leukemia"]  # the search table, as datasette expects it
    assert httpx.get(f"{served}/kb/disorders.json?_search=nothingsuch&_shape=array").json() == []
    metadata = httpx.get(f"{served}/-/metadata.json").json()
    assert metadata["databases"]["kb"]["tables"]["evidence"]["columns"]["status"].startswith("verified")
