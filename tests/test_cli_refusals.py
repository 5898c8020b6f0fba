"""Options that cannot work are refused at once, before any expensive step; places that cannot be
written are clear errors naming what stands in the way, never an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLE, run_dmkb

from dmkb.errors import DmkbError
from dmkb.fs import make_folder, write_atomic


def _never(*args: object, **kwargs: object) -> None:
    raise AssertionError("an expensive step ran before the options were checked")


@pytest.mark.parametrize(("tripwire", "args", "message"), [
    ("dmkb.terms.sources.hpo.sources", ["terms", "build", "--only", "bad"], "--only names unknown sources: bad"),
    ("dmkb.terms.sources.hpo.sources", ["terms", "build", "/no/such/kb", "--only", "hp"],
     "/no/such/kb: no such folder"),
    ("dmkb.terms.sources.hpo.sources", ["terms", "build", "--only", "hp", "--source", "TST"], "is not PREFIX=PATH"),
    ("dmkb.similarity.engine.Engine.load", ["similar", "No_Such_Disorder", "--kb", EXAMPLE],
     "no disorder 'No_Such_Disorder' in the KB"),
    ("dmkb.compile.incremental.compile_kb", ["export", EXAMPLE, "--out", "{file}/export"], "is a file, not a folder"),
    ("dmkb.pipeline.build.build_site", ["build", EXAMPLE, "--out", "{file}/site"], "is a file, not a folder"),
    ("dmkb.pipeline.build.build_site", ["build", "/no/such/kb", "--out", "{tmp}/site"], "/no/such/kb"),
    ("dmkb.references.fetch.runner.fetch_references", ["refs", "fetch", "PMID:1", "--cache", "{file}"],
     "is a file, not a folder"),
])
def test_bad_options_are_refused_before_expensive_work(tripwire: str, args: list, message: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tripwire, _never)
    (tmp_path / "file").write_text("in the way", encoding="utf-8")
    result = run_dmkb(*(str(a).format(file=tmp_path / "file", tmp=tmp_path) for a in args))
    assert result.code == 2, result.stderr
    assert message in result.stderr and "internal error" not in result.stderr


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_an_output_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    result = run_dmkb("export", EXAMPLE, "--out", "/proc/dmkb-export")
    assert result.code == 2
    assert result.stderr.startswith("error: cannot write /proc/dmkb-export: nothing can be made in /proc\n")


@pytest.mark.parametrize("args", [["export", EXAMPLE, "--out", "{tmp}/export"], ["terms", "build", "--only", "go"],
                                  ["diagnose", "HP:0001945"], ["build", EXAMPLE, "--out", "{tmp}/site"]])
def test_dmkb_home_on_a_file_is_named_in_the_error(args: list, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("DMKB_HOME", str(home))
    result = run_dmkb(*(str(a).format(tmp=tmp_path) for a in args))
    stderr = " ".join(result.stderr.split())  # as one line, however long the paths are
    assert "internal error" not in stderr
    assert f"{home} is a file, not a folder" in stderr
    assert f"DMKB_HOME ({home})" in stderr or args[0] == "build"  # build goes on without similar conditions


def test_validate_goes_on_when_dmkb_home_cannot_keep_its_findings(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("DMKB_HOME", str(home))
    result = run_dmkb("validate", EXAMPLE)
    assert result.code == 0, result.stderr


def test_write_errors_say_what_is_in_the_way_and_are_os_errors_too(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("in the way", encoding="utf-8")
    with pytest.raises(DmkbError, match=f"cannot write {tmp_path}/file/x.json: {tmp_path}/file is a file") as raised:
        write_atomic(tmp_path / "file" / "x.json", "{}")
    assert isinstance(raised.value, OSError) and raised.value.filename == f"{tmp_path}/file/x.json"
    with pytest.raises(OSError, match="file: it is a file, not a folder"):
        make_folder(tmp_path / "file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # no temporary file left behind
