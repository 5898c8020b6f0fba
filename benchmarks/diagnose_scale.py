"""Benchmark `dmkb diagnose --batch` on a large batch: cases a second with 1 and 2 workers, the time
to the first result, and the peak memory of the parent process and of the workers.

    python benchmarks/diagnose_scale.py [--cases 100000] [--workers 1 2] [--seed 1]

The batch is synthetic: each case resamples the terms of a development case of the phenopacket
benchmark (``dev.tsv``, 2,070 real cases), drawn at random: a random half to all of its observed
phenotypes and up to all of its excluded ones, in a shuffled order. The cases are therefore as
long and as varied as real ones, but many are near-copies; the rankings mean nothing.

Each run is the installed command in a process of its own, writing with ``--out`` (as a batch
job would), in the DMKB_HOME of the environment (the disease model built once beforehand, not
timed). Memory is sampled every 0.2 s from /proc: the peak resident set (VmHWM; the model pages a
worker shares with its parent count in both) and the largest proportional set (Pss; shared pages
divided among the processes that share them). The first run, the development file itself, shows
that the parent's memory does not grow with the number of cases.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "benchmarks" / "phenopackets" / "dev.tsv"


@dataclass
class Memory:
    """The peak resident and the largest proportional megabytes seen of one process."""

    peak_rss: float = 0.0
    max_pss: float = 0.0


@dataclass
class Run:
    cases: int
    workers: int
    seconds: float = 0.0
    first_result: float = 0.0
    parent: Memory = field(default_factory=Memory)
    workers_memory: dict[int, Memory] = field(default_factory=dict)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not DEV.is_file():
        sys.exit(f"{DEV}: not found (the phenopacket benchmark beside the repository)")
    subprocess.run([sys.executable, "-m", "dmkb", "diagnose", "HP:0001945", "--limit", "1"], check=True,
                   capture_output=True)  # the disease model, built once when missing
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        batch = synthetic_batch(folder / "cases.tsv", args.cases, args.seed)
        real = DEV.read_text(encoding="utf-8").count("\n") - 1
        print(f"{args.cases:,} synthetic cases resampled from {DEV.name}; its {real:,} real cases first, "
              "for the memory baseline\n")
        runs = [measure(DEV, max(args.workers), folder / "dev.jsonl", real)]
        runs += [measure(batch, workers, folder / f"out{workers}.jsonl", args.cases) for workers in args.workers]
        outputs = {(folder / f"out{w}.jsonl").read_bytes() for w in args.workers}
        report(runs, same=len(outputs) == 1)


def synthetic_batch(path: Path, count: int, seed: int) -> Path:
    rng = random.Random(seed)
    real = [line.split("\t") for line in DEV.read_text(encoding="utf-8").splitlines()[1:]]
    with open(path, "w", encoding="utf-8") as out:
        out.write("case_id\tdisease_ids\tobserved_hpo\texcluded_hpo\tcohort\n")
        for i in range(count):
            _, diseases, observed, excluded, cohort = rng.choice(real)
            seen = [t for t in observed.split("|") if t]
            kept = rng.sample(seen, rng.randint(max(1, len(seen) // 2), len(seen)))
            absent = [t for t in excluded.split("|") if t]
            absent = rng.sample(absent, rng.randint(0, len(absent)))
            out.write(f"synthetic_{i}\t{diseases}\t{'|'.join(kept)}\t{'|'.join(absent)}\t{cohort}\n")
    return path


def measure(batch: Path, workers: int, out: Path, cases: int) -> Run:
    """One run of the command: its wall time, the time to its first written result, its memory."""
    part = out.with_name(f".{out.name}.part")
    run = Run(cases, workers)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "dmkb", "diagnose", "--batch", str(batch), "--out", str(out),
                                "--workers", str(workers), "--quiet"], stderr=subprocess.DEVNULL)
    next_sample = 0.0
    while process.poll() is None:
        now = time.perf_counter() - started
        if not run.first_result and part.is_file() and part.stat().st_size:
            run.first_result = now
        if now >= next_sample:
            sample(process.pid, run)
            next_sample = now + 0.2
        time.sleep(0.005)
    run.seconds = time.perf_counter() - started
    if process.returncode:
        sys.exit(f"the run with {workers} worker(s) failed (exit {process.returncode})")
    return run


def sample(pid: int, run: Run) -> None:
    _read_memory(pid, run.parent)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return
    for child in map(int, children):
        _read_memory(child, run.workers_memory.setdefault(child, Memory()))


def _read_memory(pid: int, memory: Memory) -> None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:  # it has just ended
        return
    memory.peak_rss = max(memory.peak_rss, _kilobytes(status, "VmHWM:") / 1024)
    memory.max_pss = max(memory.max_pss, _kilobytes(rollup, "Pss:") / 1024)


def _kilobytes(text: str, key: str) -> int:
    line = next((line for line in text.splitlines() if line.startswith(key)), f"{key} 0 kB")
    return int(line.split()[1])


def report(runs: list[Run], same: bool) -> None:
    print("| cases | workers | wall | first result | cases/s (whole run) | cases/s (after the first) "
          "| parent peak RSS / max PSS | each worker peak RSS / max PSS |")
    print("|---|---|---|---|---|---|---|---|")
    for run in runs:
        steady = (run.cases - 1) / (run.seconds - run.first_result)
        workers = max(run.workers_memory.values(), key=lambda m: m.peak_rss, default=None)
        worker_text = f"{workers.peak_rss:.0f} / {workers.max_pss:.0f} MB" if workers else "(none: in the parent)"
        print(f"| {run.cases:,} | {run.workers} | {run.seconds:.1f} s | {run.first_result:.2f} s "
              f"| {run.cases / run.seconds:.0f} | {steady:.0f} | {run.parent.peak_rss:.0f} / {run.parent.max_pss:.0f} MB "
              f"| {worker_text} |")
    print(f"\noutputs with {' and '.join(str(r.workers) for r in runs[1:])} workers identical: {same}")


if __name__ == "__main__":
    main()
