"""The tests themselves never write into the user's own DMKB_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import USER_HOMES

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def home_of_a_module_fixture() -> Path:
    return Path(os.environ["DMKB_HOME"])


def test_module_fixtures_tests_and_processes_get_a_temporary_home(home_of_a_module_fixture: Path,
                                                                  pytestconfig: pytest.Config) -> None:
    in_process = Path(os.environ["DMKB_HOME"])
    asked = "from dmkb.settings import dmkb_home; print(dmkb_home())"
    in_a_process = Path(subprocess.run([sys.executable, "-c", asked], capture_output=True, text=True,
                                       check=True).stdout.strip())
    assert in_a_process == in_process != home_of_a_module_fixture
    assert not {home_of_a_module_fixture, in_process} & set(pytestconfig.stash[USER_HOMES])


def test_a_test_writing_into_the_users_home_fails_the_run(pytester: pytest.Pytester, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    users = tmp_path / "users_home"
    monkeypatch.setenv("DMKB_HOME", str(users))  # the user's own, as the inner run sees it
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(test_writes=f"from pathlib import Path\n\ndef test_writes():\n"
                                    f"    Path({str(users)!r}).mkdir()\n")
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"tests wrote into the user's DMKB_HOME: *os.mkdir {users}*"])
