"""Helpers of the research tests: a copy of the bundled example KB, and the CLI run in-process."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from unittest.mock import patch

import pytest
from conftest import EXAMPLE, CliResult

from dmkb.cli import main

JAK_STAT = "What drives JAK-STAT activation in aggressive NK-cell leukemia?"


def copy_example(tmp_path: Path) -> Path:
    """The bundled ANKL example (one entry, eleven cached references), copied so tests may change it."""
    root = tmp_path / "ankl"
    shutil.copytree(EXAMPLE, root)
    return root


def dmkb_in_process(capsys: pytest.CaptureFixture[str], *args: str | Path) -> CliResult:
    """Run the command line in this process, as ``dmkb ARGS`` (its exit code, stdout and stderr)."""
    with patch.object(sys, "argv", ["dmkb", *map(str, args)]), pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    code = exited.value.code
    return CliResult(code if isinstance(code, int) else 0, captured.out, captured.err)
