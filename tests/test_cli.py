"""The command as a user runs it: output shapes, exit codes, and never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ENTRY, EXAMPLE, TinyKb, run_dmkb, run_dmkb_process


def test_json_report_shape(tiny_kb: TinyKb) -> None:
    # the phenotype's preferred term and label both say Fever: its id is the odd one out
    tiny_kb.write_entry(ENTRY.replace("label: Hepatosplenomegaly", "label: Fever")
                        .replace("preferred_term: Hepatosplenomegaly", "preferred_term: Fever"))
    result = run_dmkb("validate", tiny_kb.root, "--format", "json")
    assert result.code == 1
    report = result.json()
    assert set(report) == {"summary", "findings"}
    assert report["summary"]["errors"] == 1 and report["summary"]["files"] == 1
    assert report["summary"]["checks"]["term"] == 1
    [finding] = report["findings"]
    assert finding == {
        "check": "term",
        "severity": "error",
        "file": "kb/disorders/Test_Leukemia.yaml",
        "line": 24,
        "path": "phenotypes[0].phenotype_term.term.id",
        "message": "HP:0001433 is 'Hepatosplenomegaly' in the KB's term cache, but the label 'Fever' is the name "
                   "of HP:0001945 there: the id is probably wrong",
        "hint": "write id: HP:0001945 (Fever)",
    }


def test_text_report_groups_by_file_with_lines_and_hints(tiny_kb: TinyKb) -> None:
    tiny_kb.write_entry(ENTRY.replace("  downstream:\n", "  downstrem:\n"))
    result = run_dmkb("validate", tiny_kb.root)
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "kb/disorders/Test_Leukemia.yaml"
    assert lines[1].split()[0] == "11" and "schema" in lines[1] and "unknown field 'downstrem'" in lines[1]
    assert "hint: did you mean 'downstream'?" in lines[2]
    assert any(line.startswith("1 file checked: 1 error, 0 warnings") for line in lines[-2:])
    assert "\x1b[" not in result.stdout  # no colour codes when not on a terminal


def test_clean_kb_exits_zero(tiny_kb: TinyKb) -> None:
    result = run_dmkb("validate", tiny_kb.root)
    assert result.code == 0, result.stdout
    assert "0 errors" in result.stdout


def test_bundled_example_is_clean() -> None:
    result = run_dmkb("validate", EXAMPLE, "--format", "json")
    assert result.code == 0
    assert result.json()["summary"]["files"] == 1
    assert result.json()["findings"] == []


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "/no/such/place"],
        ["validate", "--format", "xml"],
        ["validate", "--no-such-option"],
        ["no-such-command"],
    ],
)
def test_bad_arguments_exit_2_without_traceback(args: list[str]) -> None:
    result = run_dmkb(*args)
    assert result.code == 2
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(("args", "message", "hint"), [
    (["validate", "--no-such-option"], "error: no such option: --no-such-option", "hint: see dmkb validate --help"),
    (["no-such-command"], "error: no such command 'no-such-command'.", "hint: see dmkb --help"),
    (["build"], "error: missing option '--out' / '-o'.", "hint: see dmkb build --help"),
    (["terms", "search", "x", "--limit", "0"], "error: invalid value for '--limit' / '-n'",
     "hint: see dmkb terms search --help"),
])
def test_usage_errors_read_like_dmkb_errors(args: list[str], message: str, hint: str) -> None:
    result = run_dmkb(*args)
    assert result.code == 2 and result.stdout == ""
    first, second = result.stderr.splitlines()  # no box, no second style: the two lines dmkb always prints
    assert first.startswith(message) and second == hint


@pytest.mark.parametrize(("args", "message"), [
    (["validate", "--workers", "abc"], "error: invalid value for '--workers': 'abc' is not a whole number."),
    (["validate", "--workers", "0"], "error: invalid value for '--workers': 0 is less than 1."),
    (["terms", "search", "x", "--limit", "0"], "error: invalid value for '--limit' / '-n': 0 is not between 1 and 500."),
])
def test_a_bad_number_is_named_in_plain_words(args: list[str], message: str) -> None:
    assert run_dmkb(*args).stderr.splitlines()[0] == message


def _commands(group, path: tuple[str, ...] = ()):
    for name, command in getattr(group, "commands", {}).items():
        yield (*path, name)
        yield from _commands(command, (*path, name))


def test_every_help_page_has_an_example() -> None:
    import typer.main
    from typer.testing import CliRunner

    from dmkb.cli import with_every_command

    app = with_every_command()
    runner = CliRunner()
    paths = [(), *_commands(typer.main.get_command(app))]
    assert len(paths) > 12
    for path in paths:
        result = runner.invoke(app, [*path, "--help"], prog_name="dmkb", env={"COLUMNS": "200"})
        assert result.exit_code == 0, path
        assert "Example: dmkb " in result.output, f"dmkb {' '.join(path)} --help has no example"


def test_help_wraps_each_paragraph_to_the_terminal_not_at_the_docstring_lines() -> None:
    lines = [line.strip() for line in run_dmkb("serve", "--help").stdout.splitlines()]  # 200 columns
    # the docstring's lines end after "being" and after "keeps": here the paragraph wraps at 200 columns
    assert any("the site is being built (an earlier build" in line for line in lines)
    assert any("cannot be read keeps its last good" in line for line in lines)
    assert any(line.startswith("Example: dmkb serve") for line in lines)  # the example keeps a line of its own


def test_a_folder_without_entries_is_refused(tmp_path: Path) -> None:
    result = run_dmkb("validate", tmp_path)
    assert result.code == 2
    assert "kb/disorders" in result.stderr


def test_files_that_are_not_disorder_files_are_refused(tiny_kb: TinyKb) -> None:
    result = run_dmkb("validate", tiny_kb.root / "references_cache" / "PMID_1000001.md")
    assert result.code == 2 and "PMID_1000001.md: not a disorder file (a .yaml file)" in result.stderr


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01\x02binary\xff\xfe",
        b"- just\n- a list\n",
        b"name: x\nphenotypes: {a: [1, {b: }]}\npathophysiology: 5\n",
        b"[" * 3000,
        b"&a [*a]",
        b"name: !!python/object/apply:os.system ['echo pwned']\n",
        b"\xef\xbb\xbfname: BOM and CRLF\r\ndescription: ok\r\n",
    ],
)
def test_hostile_files_give_findings_not_tracebacks(tiny_kb: TinyKb, content: bytes) -> None:
    (tiny_kb.root / "kb" / "disorders" / "Hostile.yaml").write_bytes(content)
    result = run_dmkb("validate", tiny_kb.root, "--format", "json")
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    assert all(f["file"].endswith(".yaml") for f in result.json()["findings"])


def test_version() -> None:
    result = run_dmkb("--version")
    assert result.code == 0 and result.stdout.startswith("dmkb ")


# what dmkb validate, run on every save, must not import at start-up: each costs milliseconds
HEAVY = ("rich", "rapidfuzz", "fastobo", "zstandard", "importlib.metadata", "curies", "pydantic", "numpy", "httpx",
         "lxml", "jinja2", "dmkb.cli_refs", "dmkb.cli_terms", "dmkb.cli_site", "dmkb.cli_diagnose",
         "dmkb.cli_export", "dmkb.cli_research")


def test_validate_starts_without_the_modules_of_other_commands(tmp_path: Path) -> None:
    script = ("import sys; from dmkb.cli import main\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\n"
              "print(' '.join(sorted(sys.modules)), file=sys.stderr)")
    for output in ("json", "text"):
        proc = subprocess.run([sys.executable, "-c", script, "validate", EXAMPLE, "--format", output],
                              capture_output=True, text=True, check=False)
        loaded = set(proc.stderr.split())
        assert "dmkb.validate" in loaded
        assert not {m for m in loaded if m in HEAVY or m.split(".")[0] in HEAVY}, output


def test_python_m_dmkb_runs_as_a_process_of_its_own(tmp_path: Path) -> None:
    assert run_dmkb_process("--version").stdout.startswith("dmkb ")
    refused = run_dmkb_process("validate", tmp_path / "nowhere")
    assert refused.code == 2 and refused.stderr.startswith("error: ") and "Traceback" not in refused.stderr


def test_long_steps_print_a_line_every_few_seconds_when_not_on_a_terminal(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMKB_PROGRESS_SECONDS", "0.05")  # the fewest: a build takes well under a second
    result = run_dmkb("build", EXAMPLE, "--out", tmp_path / "site")
    assert result.code == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("building: ")]
    assert len(lines) >= 3, result.stderr
    assert all(re.fullmatch(r"building: [a-z ]+( \d+ of \d+)? \(\d+ s\)", line) for line in lines), lines
    assert "\x1b[" not in result.stderr  # lines, not a terminal's bar
    quiet = run_dmkb("build", EXAMPLE, "--out", tmp_path / "site", "--quiet")
    assert quiet.code == 0 and quiet.stderr == ""
