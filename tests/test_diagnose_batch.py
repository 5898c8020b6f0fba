"""`dmkb diagnose --batch` at scale, as a user runs it (on the hand-made model of test_similarity):
streamed in input order whatever the number of workers, cut into shards that concatenate to the
whole, written atomically with --out, and resumed after a real kill."""

from __future__ import annotations

import json
import os
import random
import signal
import time
from pathlib import Path

import pytest
from conftest import run_dmkb, start_dmkb_process
from test_diagnose_cli import mini_home  # noqa: F401 - the fixture below uses it
from test_similarity import hp

from dmkb.forked import forked_stream, workers_allowed
from dmkb.similarity.batch import open_batch
from dmkb.similarity.batch_rank import shard_range

TERMS = [11, 12, 21, 22, 30, 40, 41]
pytestmark = pytest.mark.usefixtures("mini_home")  # the hand-made model, saved where the command looks


def write_many(path: Path, count: int, seed: int = 1) -> Path:
    """``count`` cases of random observed and excluded terms of the hand-made model."""
    rng = random.Random(seed)
    lines = ["case_id\tdisease_ids\tobserved_hpo\texcluded_hpo\tcohort"]
    for i in range(count):
        terms = rng.sample(TERMS, rng.randint(2, 5))
        cut = rng.randint(1, len(terms) - 1)
        lines.append(f"case{i}\t\t{'|'.join(map(hp, terms[:cut]))}\t{'|'.join(map(hp, terms[cut:]))}\tcohort")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _pid_of(item: int) -> tuple[int, int]:
    time.sleep(0.002)  # long enough for both workers to take some
    return item, os.getpid()


def test_a_stream_is_ranked_in_order_by_workers_taking_the_items_as_needed() -> None:
    taken = []

    def items():
        for i in range(400):
            taken.append(i)
            yield i

    with workers_allowed():
        results = forked_stream(_pid_of, items(), 2, chunk=8)
        first = next(results)
        assert first[0] == 0 and len(taken) <= 2 * 4 * 8 + 8  # a few chunks a worker under way, not all
        rest = list(results)
    assert [i for i, _ in [first, *rest]] == list(range(400))
    assert len({pid for _, pid in rest} - {os.getpid()}) == 2  # ranked in two forked workers


def test_one_and_two_workers_write_the_same_lines_in_input_order(tmp_path: Path) -> None:
    cases = write_many(tmp_path / "cases.tsv", 600)
    one = run_dmkb("diagnose", "--batch", cases, "--workers", "1")
    two = run_dmkb("diagnose", "--batch", cases, "--workers", "2")
    assert one.code == two.code == 0, one.stderr + two.stderr
    assert [json.loads(line)["case_id"] for line in one.stdout.splitlines()] == [f"case{i}" for i in range(600)]
    assert two.stdout == one.stdout
    assert len({line for line in one.stdout.splitlines()}) > 20  # the cases rank differently


def test_json_lines_cases_rank_as_the_same_cases_in_a_tsv(tmp_path: Path) -> None:
    as_tsv = tmp_path / "cases.tsv"
    as_tsv.write_text(f"case_id\tobserved_hpo\texcluded_hpo\nc1\t{hp(11)}|{hp(21)}\t{hp(12)}\n", encoding="utf-8")
    as_json = tmp_path / "cases.jsonl"
    as_json.write_text(json.dumps({"case_id": "c1", "observed_hpo": [hp(11), hp(21)], "excluded_hpo": [hp(12)]})
                       + "\n\n", encoding="utf-8")
    tsv, jsonl = run_dmkb("diagnose", "--batch", as_tsv), run_dmkb("diagnose", "--batch", as_json)
    assert tsv.code == jsonl.code == 0, tsv.stderr + jsonl.stderr
    assert jsonl.stdout == tsv.stdout and json.loads(tsv.stdout)["ranking"][0]["id"] == "OMIM:1"


@pytest.mark.parametrize(("line", "message"), [
    ('{"case_id": "c2", "observed_hpo": ["HP:12"]}', "cases.jsonl:2: observed_hpo holds 'HP:12', not an HPO id"),
    ('{"case_id": "c2", "observed_hpo": "HP:0000011"}', "cases.jsonl:2: observed_hpo is not a list of HPO ids"),
    ('{"observed_hpo": []}', "cases.jsonl:2: case_id is None, not an id"),
    ('{"case_id": "c2",', "cases.jsonl:2: not JSON"),
])
def test_malformed_json_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps({"case_id": "c1", "observed_hpo": [hp(11)]}) + "\n" + line + "\n", encoding="utf-8")
    result = run_dmkb("diagnose", "--batch", cases)
    assert result.code == 2 and message in result.stderr.replace("\n", "")
    assert result.stdout == ""  # nothing is ranked before the whole file is read


def test_shards_concatenate_to_the_whole_batch(tmp_path: Path) -> None:
    cases = write_many(tmp_path / "cases.tsv", 100)
    whole = run_dmkb("diagnose", "--batch", cases)
    shards = [run_dmkb("diagnose", "--batch", cases, "--shard", f"{k}/3") for k in (1, 2, 3)]
    assert all(shard.code == 0 for shard in shards), [shard.stderr for shard in shards]
    assert [len(shard.stdout.splitlines()) for shard in shards] == [33, 33, 34]
    assert "".join(shard.stdout for shard in shards) == whole.stdout
    assert [len(shard_range(2, (k, 3))) for k in (1, 2, 3)] == [0, 1, 1]  # more shards than cases: some empty
    bad = run_dmkb("diagnose", "--batch", cases, "--shard", "4/3")
    assert bad.code == 2 and "--shard '4/3' is not K/N with 1 ≤ K ≤ N" in bad.stderr


def test_batch_options_need_a_batch(tmp_path: Path) -> None:
    alone = run_dmkb("diagnose", hp(11), "--workers", "2", "--out", tmp_path / "x.jsonl")
    assert alone.code == 2 and "--workers, --out go with --batch" in alone.stderr
    cases = write_many(tmp_path / "cases.tsv", 3)
    resume = run_dmkb("diagnose", "--batch", cases, "--resume")
    assert resume.code == 2 and "--resume continues the part file of --out FILE" in resume.stderr


def test_out_appears_only_complete_and_a_killed_run_resumes(tmp_path: Path) -> None:
    cases = write_many(tmp_path / "cases.tsv", 15_000)
    out = tmp_path / "ranked.jsonl"
    part = tmp_path / ".ranked.jsonl.part"
    out.write_text("the previous results\n")
    run = start_dmkb_process("diagnose", "--batch", cases, "--out", out, "--workers", "2", "--quiet")
    try:
        deadline = time.monotonic() + 60
        while not (part.is_file() and part.stat().st_size > 50_000) and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(run.pid, signal.SIGKILL)  # the workers die with it
    finally:
        run.wait(timeout=30)
    written = part.read_bytes()
    assert 50_000 < len(written) and written.count(b"\n") < 15_000, "the run was not killed mid-way"
    assert out.read_text() == "the previous results\n"  # untouched until the run completes

    again = run_dmkb("diagnose", "--batch", cases, "--out", out)
    assert again.code == 2 and "an interrupted run left its first results" in again.stderr
    other = run_dmkb("diagnose", "--batch", cases, "--out", out, "--resume", "--limit", "3")
    assert other.code == 2 and "written with other options (--limit 20 then, 3 now)" in other.stderr.replace("\n", "")

    resumed = run_dmkb("diagnose", "--batch", cases, "--out", out, "--resume", "--workers", "2")
    assert resumed.code == 0, resumed.stderr
    assert not part.exists() and not (tmp_path / ".ranked.jsonl.part.json").exists()
    whole = run_dmkb("diagnose", "--batch", cases, "--workers", "2")
    assert out.read_text(encoding="utf-8") == whole.stdout
    kept = written[:written.rfind(b"\n") + 1].decode()
    assert whole.stdout.startswith(kept)  # the complete lines were kept, the one cut by the kill dropped


def test_a_strict_stop_is_resumed_once_the_case_is_corrected_but_not_a_changed_input(tmp_path: Path) -> None:
    lines = write_many(tmp_path / "whole.tsv", 10).read_text().splitlines()
    cases, out = tmp_path / "cases.tsv", tmp_path / "ranked.jsonl"
    cases.write_text("\n".join([*lines[:5], f"bad\t\t{hp(11)}|HP:0000077\t\t", *lines[5:]]) + "\n")
    stopped = run_dmkb("diagnose", "--batch", cases, "--out", out, "--strict")
    assert stopped.code == 2 and "cases.tsv:6: left out" in stopped.stderr.replace("\n", "")
    assert "--resume then ranks from it on" in stopped.stderr.replace("\n", "") and not out.exists()
    assert len((tmp_path / ".ranked.jsonl.part").read_text().splitlines()) == 4  # the cases before the stop

    renamed = [*lines[:2], lines[2].replace("case1", "renamed"), *lines[3:5], f"bad\t\t{hp(11)}\t\t", *lines[5:]]
    cases.write_text("\n".join(renamed) + "\n")
    changed = run_dmkb("diagnose", "--batch", cases, "--out", out, "--resume")
    assert changed.code == 2 and "line 2 is not case 'renamed'" in changed.stderr.replace("\n", "")

    corrected = [*lines[:5], f"bad\t\t{hp(11)}\t\t", *lines[5:]]
    cases.write_text("\n".join(corrected) + "\n")
    resumed = run_dmkb("diagnose", "--batch", cases, "--out", out, "--resume", "--strict")
    assert resumed.code == 0, resumed.stderr
    assert out.read_text(encoding="utf-8") == run_dmkb("diagnose", "--batch", cases).stdout


def test_open_batch_counts_without_keeping_the_cases(tmp_path: Path) -> None:
    batch = open_batch(write_many(tmp_path / "cases.tsv", 1000))
    assert len(batch) == 1000
    assert [case.case_id for case in batch][-1] == "case999" and next(iter(batch)).line == 2
