"""Output written to a pipe or a log keeps each message on one line, whatever its length."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLE


def test_a_long_message_stays_one_line_in_a_pipe(tmp_path: Path) -> None:
    out = tmp_path / ("a-folder-with-a-rather-long-name-" * 3) / "hpoa"
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # as in a pipe: Rich would wrap at 80
    proc = subprocess.run([sys.executable, "-m", "dmkb", "export", EXAMPLE, "--format", "hpoa", "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    [summary] = [line for line in proc.stdout.splitlines() if "file(s) written" in line]
    assert str(out) in summary and "KB revision" in summary


def test_a_table_in_a_pipe_is_laid_out_wide_enough_not_to_cut_its_cells(capsys, monkeypatch) -> None:
    from rich.table import Table

    from dmkb.cli_common import rich_console

    monkeypatch.delenv("COLUMNS", raising=False)
    table = Table("id", "label", "matched")
    label = "Elevated circulating hepatic transaminase concentration"
    table.add_row("HP:0002910", label, "Increased liver enzymes and more words besides")
    rich_console().print(table)  # captured: not a terminal
    out = capsys.readouterr().out
    assert label in out and "…" not in out
