"""Shared fixtures: a tiny KB built per test, the shared dismech corpus, and a CLI runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

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
    """Run the installed command as a user would (a real process, real exit code)."""
    proc = subprocess.run(
        [sys.executable, "-m", "dmkb", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's chromium with Playwright (skipped when absent)")
