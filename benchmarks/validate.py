"""Benchmark `dmkb validate` on a real KB: cold, unchanged, one file changed, and 126 files;
and `dmkb validate --watch`: the time from a file's write to its report.

Every run is a fresh process (start-up included), timed wall-clock; figures are medians.
The KB is laid out in a temporary folder (disorder files copied, caches linked), so the
"one file changed" runs never touch the original.

    python benchmarks/validate.py [--kb ../shared/corpus/dismech] [--runs 7] [--copies 8]

The goal "one changed file re-validated in at most 0.1 s in a KB of ~340 entries" is measured on
``--copies`` copies of each entry (8 copies of the shared corpus: 336 entries), twice: the whole
command (a fresh process, start-up included) and the check alone, in this process; then with
``dmkb validate --watch`` running, from the write of one file to the report printed.

The runs are made without the term index (a fresh DMKB_HOME), then cold once more with the
term index of your DMKB_HOME, when one is built.

To compare with the dismech toolchain's snippet checker, install it (with linkml) in a
separate virtual environment and give its command as a template, ``{files}`` standing for
the disorder files and ``{refs}`` for the reference cache:

    DMKB_BENCH_LRV_CMD='/opt/lrv/bin/linkml-reference-validator validate data {files} \\
        --schema S.yaml --target-class Disease --config C.yaml --cache-dir {refs} --no-full-text' \\
        python benchmarks/validate.py

(S.yaml: a LinkML schema of the format whose EvidenceItem.snippet implements linkml:excerpt
and whose reference implements linkml:authoritative_reference; C.yaml: trust cached entries.)
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_KB = REPO.parent / "shared" / "corpus" / "dismech"


def timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr}")
    return elapsed


def lay_out(kb: Path, target: Path, copies: int = 1) -> Path:
    """A KB at ``target`` with ``copies`` copies of each disorder file and links to the caches."""
    disorders = target / "kb" / "disorders"
    disorders.mkdir(parents=True)
    for path in sorted((kb / "kb" / "disorders").glob("*.yaml")):
        for copy in range(copies):
            suffix = f"_{copy}" if copy else ""
            shutil.copy(path, disorders / f"{path.stem}{suffix}.yaml")
    for name in ("references_cache", "cache"):
        if (kb / name).exists():
            (target / name).symlink_to((kb / name).resolve())
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--copies", type=int, default=8, help="copies of each entry in the KB of the goal")
    args = parser.parse_args()
    if not (args.kb / "kb" / "disorders").is_dir():
        sys.exit(f"no KB at {args.kb}")
    dmkb = [sys.executable, "-m", "dmkb", "validate", "--format", "json"]

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = {**os.environ, "DMKB_HOME": str(tmp_path / "home")}
        root = lay_out(args.kb, tmp_path / "kb")
        files = sorted((root / "kb" / "disorders").glob("*.yaml"))
        refs = len(list((root / "references_cache").glob("*.md")))

        cold = [timed([*dmkb, "--no-cache", str(root)], env) for _ in range(args.runs)]
        timed([*dmkb, str(root)], env)  # remember the findings once
        unchanged = [timed([*dmkb, str(root)], env) for _ in range(args.runs)]
        changed = []
        for run in range(args.runs):
            with files[run % len(files)].open("a", encoding="utf-8") as handle:
                handle.write(f"\n# benchmark edit {run}\n")
            changed.append(timed([*dmkb, str(root)], env))
        big = lay_out(args.kb, tmp_path / "big", copies=3)
        big_files = len(list((big / "kb" / "disorders").glob("*.yaml")))
        big_cold = [timed([*dmkb, "--no-cache", str(big)], env) for _ in range(max(3, args.runs // 2))]

        print(f"KB: {args.kb} ({len(files)} entries, {refs} cached references), {args.runs} runs each")
        print(f"validate, cold (nothing remembered), all checks: median {statistics.median(cold):.3f} s")
        print(f"validate, nothing changed:                      median {statistics.median(unchanged):.3f} s")
        print(f"validate, one file changed:                     median {statistics.median(changed):.3f} s")
        print(f"validate, {big_files} files, cold:                       median {statistics.median(big_cold):.3f} s")
        goal = lay_out(args.kb, tmp_path / "goal", copies=args.copies)
        whole, alone = _one_changed(goal, dmkb, env, args.runs)
        goal_files = len(list((goal / "kb" / "disorders").glob("*.yaml")))
        print(f"validate, one file changed, {goal_files} entries: median {statistics.median(whole):.3f} s the whole "
              f"command, {statistics.median(alone):.3f} s the check in-process (goal: 0.1 s)")
        latency, checks = _watched(goal, env, 2 * args.runs)
        print(f"validate --watch, one file changed, {goal_files} entries: median {statistics.median(latency):.3f} s "
              f"from the write to the report printed ({statistics.median(checks):.3f} s the check), against "
              f"{statistics.median(whole):.3f} s the whole command (goal: 0.1 s)")
        with_index = _with_term_index(env, tmp_path)
        if with_index:
            indexed = [timed([*dmkb, "--no-cache", str(root)], with_index) for _ in range(args.runs)]
            print(f"validate, cold, with the term index:            median {statistics.median(indexed):.3f} s")
        else:
            print("validate with the term index: not measured (run `dmkb terms build` first)")

        template = os.environ.get("DMKB_BENCH_LRV_CMD")
        if template:
            command = template.format(files=" ".join(shlex.quote(str(f)) for f in files),
                                      refs=shlex.quote(str(args.kb / "references_cache")))
            started = time.perf_counter()
            subprocess.run(shlex.split(command), check=False, capture_output=True, cwd=root)
            other = time.perf_counter() - started
            print(f"linkml-reference-validator, same files, one run: {other:.3f} s "
                  f"({other / statistics.median(cold):.0f}x the time of dmkb cold)")
            one = template.format(files=shlex.quote(str(files[0])), refs=shlex.quote(str(args.kb / "references_cache")))
            started = time.perf_counter()
            subprocess.run(shlex.split(one), check=False, capture_output=True, cwd=root)
            other = time.perf_counter() - started
            print(f"linkml-reference-validator, one file: {other:.3f} s "
                  f"({other / statistics.median(whole):.0f}x the time of dmkb's whole command, one file changed)")
        else:
            print("linkml-reference-validator: not measured (set DMKB_BENCH_LRV_CMD to compare)")


def _one_changed(root: Path, dmkb: list[str], env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """Times of validating ``root`` after one file changed: whole commands, then checks in this process."""
    files = sorted((root / "kb" / "disorders").glob("*.yaml"))
    timed([*dmkb, str(root)], env)  # remember the findings once

    def edit(run: int) -> None:
        with files[run % len(files)].open("a", encoding="utf-8") as handle:
            handle.write(f"\n# benchmark edit {run}\n")

    whole = []
    for run in range(runs):
        edit(run)
        whole.append(timed([*dmkb, str(root)], env))
    os.environ["DMKB_HOME"] = env["DMKB_HOME"]
    from dmkb.validate import validate

    validate([root])
    alone = []
    for run in range(runs, 2 * runs):
        edit(run)
        started = time.perf_counter()
        report = validate([root])
        alone.append(time.perf_counter() - started)
        if report.reused != len(files) - 1:
            sys.exit(f"expected {len(files) - 1} remembered files, got {report.reused}")
    return whole, alone


def _watched(root: Path, env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """Times from writing one file to ``dmkb validate --watch`` printing its report, and the times
    of the checks it reports, for ``runs`` edits a quarter of a second apart."""
    files = sorted((root / "kb" / "disorders").glob("*.yaml"))
    watch = subprocess.Popen([sys.executable, "-m", "dmkb", "validate", "--watch", "--format", "json", str(root)],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        watch.stdout.readline()  # the first run: every finding
        latency, checks = [], []
        for run in range(runs):
            time.sleep(0.25)
            started = time.perf_counter()
            with files[run % len(files)].open("a", encoding="utf-8") as handle:
                handle.write(f"\n# watched edit {run}\n")
            line = watch.stdout.readline()
            latency.append(time.perf_counter() - started)
            if not line:
                sys.exit(f"dmkb validate --watch ended: {watch.stderr.read()}")
            checks.append(json.loads(line)["seconds"])
    finally:
        watch.send_signal(signal.SIGINT)
        watch.wait(timeout=30)
    return latency, checks


def _with_term_index(env: dict[str, str], tmp_path: Path) -> dict[str, str] | None:
    """An environment whose DMKB_HOME holds the user's built term index (linked), if there is one."""
    from dmkb.settings import dmkb_home

    index = dmkb_home() / "terms"
    if not any(index.glob("*.sqlite")):
        return None
    home = tmp_path / "home_with_index"
    home.mkdir()
    (home / "terms").symlink_to(index.resolve())
    return {**env, "DMKB_HOME": str(home)}


if __name__ == "__main__":
    main()
