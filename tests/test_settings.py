"""Every environment variable dmkb reads is declared once, and `dmkb settings` shows it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import REPO, run_dmkb

from dmkb.settings import SETTINGS

_READ = re.compile(r'"((?:DMKB|NCBI)_[A-Z_]+)"')


def test_every_variable_the_code_reads_is_declared() -> None:
    read = {name for path in (REPO / "src" / "dmkb").rglob("*.py") for name in _READ.findall(path.read_text())}
    declared = [s.env for s in SETTINGS]
    assert read == set(declared)
    assert len(declared) == len(set(declared))


def test_settings_shows_values_and_hides_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DMKB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NCBI_API_KEY", "secret-value")
    monkeypatch.setenv("DMKB_HTTP_TIMEOUT", "7")
    result = run_dmkb("settings", "--format", "json")
    assert result.code == 0, result.stderr
    values = {row["name"]: row["value"] for row in result.json()}
    assert values["DMKB_HOME"] == str(tmp_path / "home") and values["DMKB_HTTP_TIMEOUT"] == "7"
    assert values["NCBI_API_KEY"] == "(set, hidden)" and "secret-value" not in result.stdout
    assert values["DMKB_LLM_URL"] is None
    text = run_dmkb("settings")
    assert text.code == 0 and "DMKB_DEBUG" in text.stdout and "secret-value" not in text.stdout
    assert json.loads(result.stdout)[0]["help"]
