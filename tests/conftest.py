"""Shared fixtures: a tiny KB built per test, the shared dismech corpus, and a CLI runner."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "dismech"
EXAMPLE = REPO / "examples" / "ankl"

SOURCE_TEXT = """---
reference_id: PMID:1000001
title: Interleukin-6 drives hepatosplenomegaly in a model of NK-cell leukemia
journal: Test Journal
year: '2024'
content_type: abstract_only
---

# Interleukin-6 drives hepatosplenomegaly in a model of NK-cell leukemia

## Content

Malignant NK cells expanded in the bone marrow and spleen. Serum IL-6 levels rose
sharply, and TGF-β1 signalling was increased in all treated animals. Ruxolitinib
inhibited JAK–STAT signalling and reduced spleen size by 40%.
"""

ENTRY = """\
name: Test Leukemia
category: Hematologic Malignancy
disease_term:
  preferred_term: aggressive NK-cell leukemia
  term:
    id: MONDO:0019470
    label: aggressive NK-cell leukemia
pathophysiology:
- name: NK-Cell Expansion
  description: Malignant NK cells expand.
  downstream:
  - target: Hepatosplenomegaly
  evidence:
  - reference: PMID:1000001
    reference_title: Interleukin-6 drives hepatosplenomegaly in a model of NK-cell leukemia
    supports: SUPPORT
    evidence_source: MODEL_ORGANISM
    snippet: Malignant NK cells expanded in the bone marrow and spleen.
phenotypes:
- name: Hepatosplenomegaly
  phenotype_term:
    preferred_term: Hepatosplenomegaly
    term:
      id: HP:0001433
      label: Hepatosplenomegaly
  evidence:
  - reference: PMID:1000001
    supports: SUPPORT
    snippet: TGF-beta1 signalling was increased
treatments:
- name: Ruxolitinib
  target_mechanisms:
  - target: NK-Cell Expansion
    treatment_effect: INHIBITS
"""

# an entry holding an integer beyond Python's 4,300-digit limit on converting text to int
HUGE_INT_ENTRY = "name: Huge Number Disease\nprevalence: " + "9" * 5000 + "\n"


@dataclass
class TinyKb:
    """A KB in the dismech layout under a temporary folder."""

    root: Path

    def write_entry(self, text: str, name: str = "Test_Leukemia.yaml") -> Path:
        path = self.root / "kb" / "disorders" / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path


def edit_keeping_size_and_mtime(path: Path, old: str, new: str) -> None:
    """Replace ``old`` with ``new`` (as long) in the file, then restore its modification time, as a
    tool restoring times would: only its change time tells (see :func:`dmkb.fs.file_key`)."""
    assert len(old) == len(new)
    time.sleep(0.02)  # past a tick of the file system's clock (at most 10 ms), so the change time moves
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)


@pytest.fixture
def tiny_kb(tmp_path: Path) -> TinyKb:
    """A one-entry KB with one cached reference and HP/MONDO term caches; the entry is clean."""
    root = tmp_path / "kb_root"
    (root / "kb" / "disorders").mkdir(parents=True)
    (root / "references_cache").mkdir()
    (root / "references_cache" / "PMID_1000001.md").write_text(SOURCE_TEXT, encoding="utf-8")
    for prefix, rows in {
        "hp": [("HP:0001433", "Hepatosplenomegaly"), ("HP:0001945", "Fever")],
        "mondo": [("MONDO:0019470", "aggressive NK-cell leukemia")],
    }.items():
        folder = root / "cache" / prefix
        folder.mkdir(parents=True)
        lines = ["curie,label,retrieved_at"] + [f"{c},{label},2026-01-01T00:00:00" for c, label in rows]
        (folder / "terms.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    kb = TinyKb(root)
    kb.write_entry(ENTRY)
    return kb


@pytest.fixture
def corpus_root() -> Path:
    if not (CORPUS / "kb" / "disorders").is_dir():
        pytest.skip("the shared dismech corpus is not beside the repository")
    return CORPUS


@pytest.fixture(scope="session")
def term_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DMKB_HOME holding a term index, built once per session (see tests/terms_index.py)."""
    from terms_index import build_test_index

    home = tmp_path_factory.mktemp("term_home")
    share_similarity_model(home, tmp_path_factory)
    return build_test_index(home)


@pytest.fixture
def with_term_index(term_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test with the session's term index in DMKB_HOME."""
    monkeypatch.setenv("DMKB_HOME", str(term_home))
    return term_home


@pytest.fixture(scope="session", autouse=True)
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A DMKB_HOME of the session, set before any other fixture (module-scoped ones included), so
    nothing a test runs, in this process or another, writes into the user's own."""
    home = tmp_path_factory.mktemp("session_home")
    share_similarity_model(home, tmp_path_factory)
    with mock.patch.dict(os.environ, {"DMKB_HOME": str(home)}):
        yield home


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own DMKB_HOME, so remembered findings never leak between tests.

    Only the phenotype model of ``dmkb.similarity`` (built from the installed HPO data in seconds,
    the first time a test needs it) is shared, through a link: a test that saves a model of its
    own must remove the link first.
    """
    home = tmp_path_factory.mktemp("dmkb_home")
    share_similarity_model(home, tmp_path_factory)
    monkeypatch.setenv("DMKB_HOME", str(home))
    return home


def share_similarity_model(home: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    shared_model = tmp_path_factory.getbasetemp() / "shared_similarity_model"
    shared_model.mkdir(exist_ok=True)
    (home / "similarity").symlink_to(shared_model, target_is_directory=True)


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_dmkb(*args: str | Path) -> CliResult:
    """Run ``dmkb ARGS`` in this process, through the same entry point as the installed command:
    its exit code, stdout and stderr as a user would see them (no terminal, 200 columns).

    Start-up costs a process ~0.5 s; tests of what only a real process shows (start-up, signals,
    ``python -m dmkb``, serve) use :func:`run_dmkb_process`.
    """
    from dmkb.cli import main

    out, err = io.StringIO(), io.StringIO()
    with (mock.patch.object(sys, "argv", ["dmkb", *map(str, args)]), mock.patch.dict(os.environ, {"COLUMNS": "200"}),
          contextlib.redirect_stdout(out), contextlib.redirect_stderr(err)):
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    return CliResult(code, out.getvalue(), err.getvalue())


def run_dmkb_process(*args: str | Path) -> CliResult:
    """Run the installed command in a process of its own, as a user would (real start-up, real exit code)."""
    proc = subprocess.run(_dmkb_command(args), check=False, capture_output=True, text=True,
                          env=_process_env(), timeout=120)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def start_dmkb_process(*args: str | Path) -> subprocess.Popen:
    """Start the installed command in a process of its own that keeps running (``--watch``, ``serve``),
    its stdout and stderr to be read as text."""
    return subprocess.Popen(_dmkb_command(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_process_env())


def _dmkb_command(args: tuple[str | Path, ...]) -> list[str]:
    return [sys.executable, "-m", "dmkb", *map(str, args)]


def _process_env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "200"}


USER_HOMES = pytest.StashKey[tuple[Path, ...]]()
HOME_WRITES: list[str] = []  # what this process wrote into the user's own DMKB_HOME
# the audit events of writing (builtins.open and os.open both raise "open")
_WRITES = frozenset({"open", "os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.symlink", "sqlite3.connect"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's chromium with Playwright (skipped when absent)")
    config.stash[USER_HOMES] = homes = tuple(user_homes())
    sys.addaudithook(lambda event, args: _note_home_write(event, args, homes))


def user_homes() -> set[Path]:
    """The user's own DMKB_HOME and the default one, neither of which a test may write into."""
    from dmkb.settings import dmkb_home

    with mock.patch.dict(os.environ):
        configured = dmkb_home()
        os.environ.pop("DMKB_HOME", None)
        return {configured.absolute(), dmkb_home().absolute()}


def _note_home_write(event: str, args: tuple, homes: tuple[Path, ...]) -> None:
    """Note a write into ``homes`` by this process (an audit hook: other processes on the machine
    that write there are none of the tests' doing; processes of the tests inherit their DMKB_HOME)."""
    if event not in _WRITES:
        return
    if event == "open":
        mode, flags = args[1], args[2] or 0
        if not (flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) or isinstance(mode, str) and set(mode) & set("wax+")):
            return
    for target in args[:2] if event == "os.rename" else args[:1]:
        if isinstance(target, str | bytes | os.PathLike):
            path = Path(os.fsdecode(target)).absolute()
            if any(path == home or home in path.parents for home in homes):
                HOME_WRITES.append(f"{event} {path}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the run when a test wrote into the user's own DMKB_HOME."""
    if HOME_WRITES:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:
    if HOME_WRITES:
        terminalreporter.write_line(f"tests wrote into the user's DMKB_HOME: {HOME_WRITES[:5]}", red=True, bold=True)
