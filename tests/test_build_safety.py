"""Builds that meet each other or a kill: unique temporary files, one build at a time in a folder,
a killed build's leftovers cleared by the next, and a folder recognised as dmkb's only by the
marker dmkb writes first (never by a file called kb.sqlite)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ENTRY, TinyKb

from dmkb.compile import store
from dmkb.compile.read import read_meta
from dmkb.errors import UsageError
from dmkb.fs import exclusive
from dmkb.pipeline.build import build_site
from dmkb.site.build import LOCK, MANIFEST


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".tmp" in p.name)


def test_a_second_writer_does_not_take_the_first_ones_temporary_file(tmp_path: Path) -> None:
    db = tmp_path / "kb.sqlite"
    store.write(db, "code", tmp_path, [], [], fresh=True)
    with store._rewrite(db, fresh=False) as first:
        first.execute("INSERT OR REPLACE INTO meta VALUES ('first', 'yes')")
        store.write(db, "code", tmp_path, [], [], fresh=False)  # a second build, meanwhile
    assert read_meta(db, "first") == "yes"
    assert leftovers(tmp_path) == []


def test_a_build_waits_while_another_writes_into_the_folder(tiny_kb: TinyKb, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site([tiny_kb.root], out)
    waited = threading.Event()
    finished = threading.Event()

    def second_build() -> None:
        build_site([tiny_kb.root], out, on_wait=waited.set)
        finished.set()

    with exclusive(out, LOCK):  # as a build in another process holds it
        thread = threading.Thread(target=second_build, daemon=True)
        thread.start()
        assert waited.wait(10)
        time.sleep(0.2)
        assert not finished.is_set()
    thread.join(30)
    assert finished.is_set()


def test_a_build_claiming_a_folder_does_not_make_another_refuse_it(tiny_kb: TinyKb, tmp_path: Path) -> None:
    """What a build writes before its manifest is in place (its lock, the manifest's temporary file)
    is not someone else's content; a file of the user's is."""
    from dmkb.site.build import LOCK, MANIFEST, check_output

    out = tmp_path / "site"
    out.mkdir()
    (out / LOCK).touch()
    (out / f".{MANIFEST}.k3j2x9.tmp").write_text("{")
    check_output(out)  # no refusal: another build is claiming it
    (out / ".notes.tmp").write_text("mine")
    with pytest.raises(UsageError, match="holds no earlier dmkb site"):
        check_output(out)


def test_two_build_processes_into_one_folder_both_succeed(tiny_kb: TinyKb, tmp_path: Path) -> None:
    out = tmp_path / "site"
    command = [sys.executable, "-m", "dmkb", "build", str(tiny_kb.root), "--out", str(out), "--quiet"]
    builds = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(b.wait(120), b.stderr.read() if b.stderr else "") for b in builds]
    assert [code for code, _ in results] == [0, 0], results
    with sqlite3.connect(out / "kb.sqlite") as conn:
        assert conn.execute("SELECT stem FROM disorders").fetchall() == [("Test_Leukemia",)]
    assert leftovers(out) == []


def test_a_killed_build_does_not_block_the_next(tiny_kb: TinyKb, tmp_path: Path) -> None:
    big = tmp_path / "big"
    (big / "kb" / "disorders").mkdir(parents=True)
    for i in range(300):
        (big / "kb" / "disorders" / f"E{i}.yaml").write_text(ENTRY.replace("Test Leukemia", f"Entry {i}"))
    out = tmp_path / "site"
    build = subprocess.Popen([sys.executable, "-m", "dmkb", "build", str(big), "--out", str(out), "--quiet"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (out.is_dir() and any("kb.sqlite" in p.name and ".tmp" in p.name for p in out.iterdir())):
        assert build.poll() is None and time.monotonic() < deadline, "the build ended before it was killed"
        time.sleep(0.001)
    os.kill(build.pid, signal.SIGKILL)
    build.wait()
    assert leftovers(out)  # what the killed build left
    report = build_site([tiny_kb.root], out)
    assert report.pages == 1 and leftovers(out) == []


def test_a_folder_with_a_users_own_kb_sqlite_is_refused(tiny_kb: TinyKb, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes\n")
    with sqlite3.connect(out / "kb.sqlite") as conn:
        conn.execute("CREATE TABLE mine (x)")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(UsageError, match="holds no earlier dmkb site"):
        build_site([tiny_kb.root], out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_an_earlier_build_is_recognised_by_its_marker(tiny_kb: TinyKb, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site([tiny_kb.root], out)
    assert (out / MANIFEST).is_file()
    (out / "kb.sqlite").unlink()
    assert build_site([tiny_kb.root], out).pages == 1  # its database gone: still ours, built again


def test_a_killed_term_index_build_leaves_nothing_behind(isolated_home: Path) -> None:
    from terms_index import FIXTURES

    from dmkb.terms.build import build
    from dmkb.terms.sources import file_source

    terms = isolated_home / "terms"
    build_cmd = subprocess.Popen([sys.executable, "-m", "dmkb", "terms", "build", "--only", "mondo", "--format",
                                  "json"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (terms.is_dir() and leftovers(terms)):
        assert build_cmd.poll() is None and time.monotonic() < deadline, "the build ended before it was killed"
        time.sleep(0.005)
    os.kill(build_cmd.pid, signal.SIGKILL)
    build_cmd.wait()
    assert leftovers(terms)
    build(terms, [file_source(f"TST={FIXTURES / 'mini.obo'}")])
    assert leftovers(terms) == [] and (terms / "file-tst.sqlite").is_file()
