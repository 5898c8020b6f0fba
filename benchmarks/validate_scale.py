"""Benchmark `dmkb validate` on very large KBs: wall time and peak memory, cold (nothing
remembered), nothing changed and one file changed, with 1 and 2 workers.

The KBs are the shared corpus copied under new file names (``--copies 81,238``: 3,402 and 9,996
entries) in a temporary folder, the reference and term caches linked. Every run is a fresh
process; CPU time is the command's and its workers' (``wait4``), which, unlike the wall time, other
work on the machine hardly changes; memory is the peak resident set of the command (its largest
process) and, sampled every 0.1 s, that of its largest worker.

    python benchmarks/validate_scale.py [--kb ../shared/corpus/dismech] [--copies 81,238]
        [--workers 1,2] [--runs 1]

``--workers 0`` runs without the option (for a dmkb that has none).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate import DEFAULT_KB, lay_out


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, float]:
    """Wall time (s), peak RSS of the largest process and of the largest worker (MB), CPU time (s) of one run."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    worker_peak = 0.0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        worker_peak = max(worker_peak, _children_peak(proc.pid))
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"failed ({code}): {' '.join(cmd)}\n{proc.stderr.read().decode()}")
    proc.returncode = code
    return elapsed, usage.ru_maxrss / 1024, worker_peak, usage.ru_utime + usage.ru_stime


def _children_peak(pid: int) -> float:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    peak = 0
    for child in children:
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        line = next((line for line in status.splitlines() if line.startswith("VmHWM:")), "VmHWM: 0 kB")
        peak = max(peak, int(line.split()[1]))
    return peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--copies", default="81,238", help="copies of each entry, one KB for each number")
    parser.add_argument("--workers", default="1,2", help="worker counts to run (0: without the option)")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if not (args.kb / "kb" / "disorders").is_dir():
        sys.exit(f"no KB at {args.kb}")
    print("| entries | workers | run | wall (median) | CPU time | peak RSS, largest process | largest worker |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for copies in map(int, args.copies.split(",")):
            root = lay_out(args.kb, Path(tmp) / f"kb{copies}", copies=copies)
            files = sorted((root / "kb" / "disorders").glob("*.yaml"))
            for workers in map(int, args.workers.split(",")):
                env = {**os.environ, "DMKB_HOME": str(Path(tmp) / f"home{copies}_{workers}")}
                option = ["--workers", str(workers)] if workers else []
                cmd = [sys.executable, "-m", "dmkb", "validate", "--format", "json", "--quiet", *option, str(root)]
                runs = {
                    "cold": [measure([*cmd[:-1], "--no-cache", str(root)], env) for _ in range(args.runs)],
                }
                measure(cmd, env)  # remember the findings
                runs["nothing changed"] = [measure(cmd, env) for _ in range(args.runs)]
                changed = []
                for run in range(args.runs):
                    with files[run % len(files)].open("a", encoding="utf-8") as handle:
                        handle.write(f"\n# benchmark edit {run}\n")
                    changed.append(measure(cmd, env))
                runs["one file changed"] = changed
                for name, figures in runs.items():
                    wall = statistics.median(f[0] for f in figures)
                    cpu = statistics.median(f[3] for f in figures)
                    rss = max(f[1] for f in figures)
                    worker = max(f[2] for f in figures)
                    worker_text = f"{worker:.0f} MB" if worker else "-"
                    print(f"| {len(files):,} | {workers or '-'} | {name} | {wall:.2f} s | {cpu:.2f} s | {rss:.0f} MB "
                          f"| {worker_text} |",
                          flush=True)


if __name__ == "__main__":
    main()
