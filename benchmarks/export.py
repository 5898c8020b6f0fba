"""Benchmark `dmkb export`: every format of the shared corpus (42 entries) and of a larger KB made
by copying each entry under new names (``--copies 8``: 336 entries), in a temporary folder.

Each run is a fresh process (start-up included), timed wall-clock; figures are medians:
- cold: an empty DMKB_HOME, so the KB is compiled into kb.sqlite first, then exported;
- warm: kb.sqlite is compiled already and unchanged (the export alone).
A second export must write nothing (identical bytes). Where `make kgx` installed the kgx tool
environment, the larger KB's KGX files go through the kgx validator too, and the RDF answers the
README's SPARQL query.

    python benchmarks/export.py [--kb ../shared/corpus/dismech] [--runs 5] [--copies 8]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from validate import DEFAULT_KB, REPO, lay_out

FORMATS = ("kgx", "rdf", "hpoa", "jsonl")
KGX_PYTHON = REPO / ".tools" / "kgx" / "bin" / "python"


def export(kb: Path, fmt: str, out: Path, home: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "dmkb", "export", kb, "--format", fmt, "--out", out],
                          env={**os.environ, "DMKB_HOME": str(home)}, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"dmkb export failed:\n{proc.stderr}")
    return time.perf_counter() - started


def measure(kb: Path, label: str, work: Path, runs: int) -> Path:
    entries = len(list((kb / "kb" / "disorders").glob("*.yaml")))
    warm_home = work / f"{label}-home"
    for fmt in FORMATS:
        cold = [export(kb, fmt, work / f"{label}-cold-{fmt}-{i}", work / f"{label}-cold-home-{fmt}-{i}")
                for i in range(runs)]
        export(kb, fmt, work / f"{label}-warm", warm_home)  # compiles once
        warm = [export(kb, fmt, work / f"{label}-warm-{fmt}-{i}", warm_home) for i in range(runs)]
        first, again = work / f"{label}-cold-{fmt}-0", work / f"{label}-warm-{fmt}-0"
        names = sorted(p.name for p in first.iterdir())
        _, differ, missing = filecmp.cmpfiles(first, again, names, shallow=False)
        identical = not differ and not missing
        print(f"{label} ({entries} entries), {fmt:5}: cold {statistics.median(cold):.2f} s, "
              f"warm {statistics.median(warm):.2f} s; second export byte-identical: {identical}")
    return work / f"{label}-warm-kgx-0"


def check(kgx: Path, rdf: Path) -> None:
    import pyoxigraph as ox

    sys.path.insert(0, str(REPO / "tests"))
    from test_export import SPARQL

    store = ox.Store()
    started = time.perf_counter()
    store.load(path=str(rdf / "kb.ttl"), format=ox.RdfFormat.TURTLE)
    answers = list(store.query(SPARQL))
    print(f"RDF: {len(store)} triples parsed, README query: {len(answers)} disorders "
          f"({time.perf_counter() - started:.2f} s)")
    if not KGX_PYTHON.exists():
        print("kgx validator: not installed (make kgx)")
        return
    report = kgx / "kgx-report.json"
    started = time.perf_counter()
    subprocess.run([KGX_PYTHON, REPO / "tests" / "tools" / "kgx_validate.py", "tsv", report, kgx / "kgx_metadata.json",
                    kgx / "nodes.tsv", kgx / "edges.tsv"], capture_output=True)
    errors = json.loads(report.read_text())
    print(f"kgx validator: {sum(len(v) for v in errors.get('ERROR', {}).values())} error kinds, "
          f"{sum(len(v) for v in errors.get('WARNING', {}).values())} warning kinds "
          f"({time.perf_counter() - started:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--copies", type=int, default=8)
    args = parser.parse_args()
    if not (args.kb / "kb" / "disorders").is_dir():
        sys.exit(f"no KB at {args.kb}")
    with tempfile.TemporaryDirectory(prefix="dmkb-bench-export-") as tmp:
        work = Path(tmp)
        measure(lay_out(args.kb, work / "corpus"), "corpus", work, args.runs)
        big = lay_out(args.kb, work / "big", copies=args.copies)
        measure(big, "big", work, args.runs)
        check(work / "big-warm-kgx-0", work / "big-warm-rdf-0")


if __name__ == "__main__":
    main()
