"""Benchmark the term index: build (cold and unchanged), lookup and search once warm.

Builds into a temporary DMKB_HOME (nothing of yours is touched), then times, in one process
with the index open (as `dmkb serve` and the validator use it), each lookup and each search of a
set of real queries: lay words, clinical terms, words still being typed, gene symbols. Also times
the commands as a user runs them (a fresh process each). Figures are medians.

    python benchmarks/terms.py [--runs 5] [--skip-cold]

--skip-cold reuses the index under $DMKB_HOME instead of building a new one (the cold build of
every packaged ontology takes from half a minute on an idle machine to two minutes on a busy one,
most of it NCBITaxon).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib

LOOKUPS = ["HP:0001945", "MONDO:0019470", "GO:0007259", "CL:0000623", "UBERON:0002371", "NCBITaxon:9606",
           "hgnc:11364", "CHEBI:15365", "HP:0000735", "HP:9999999"]
QUERIES = [
    ("enlarged liver and spleen", None), ("fever", None), ("natural killer cell", None), ("bone marrow", None),
    ("nk cell leukemia", None), ("low platelets", None), ("jak-stat signaling", None), ("seizures", None),
    ("hepatosplenomeg", None), ("short stature", None), ("kidney failure", None), ("STAT3", None),
    ("high blood pressure", "HP"), ("yellow skin", "HP"), ("swollen lymph nodes", "HP"), ("weight loss", "HP"),
    ("night sweats", "HP"), ("cytotoxic lymphocyte", "CL"), ("aspirin", "CHEBI"), ("interferon gamma", None),
]


# lay phrases and the HPO term a reader means (written down before the search was changed for
# them; only "high temperature" was looked at while definitions were added to the search)
LAY_PHRASES = {
    "high temperature": "HP:0001945", "enlarged liver and spleen": "HP:0001433", "yellow skin": "HP:0000952",
    "hair loss": "HP:0001596", "high blood pressure": "HP:0000822", "low platelets": "HP:0001873",
    "swollen lymph nodes": "HP:0002716", "weight loss": "HP:0001824", "night sweats": "HP:0030166",
    "itchy skin": "HP:0000989", "shortness of breath": "HP:0002094", "joint pain": "HP:0002829",
    "headache": "HP:0002315", "belly pain": "HP:0002027", "nosebleed": "HP:0000421", "fast heart rate": "HP:0001649",
    "slow heart rate": "HP:0001662", "low blood sugar": "HP:0001943", "high blood sugar": "HP:0003074",
    "coughing up blood": "HP:0002105", "blood in urine": "HP:0000790", "kidney stones": "HP:0000787",
    "hearing loss": "HP:0000365", "double vision": "HP:0000651", "tiredness": "HP:0012378", "big liver": "HP:0002240",
    "easy bruising": "HP:0000978", "pale skin": "HP:0000980", "fainting": "HP:0001279",
    "low red blood cell count": "HP:0001903",
}


def lay_phrase_ranks(index, search) -> None:
    """How often the meant term is first, or in the top five, for the lay phrases (all ontologies
    searched, as a reader types them); by halves split on a hash of the phrase, so that a change
    tuned on one half can be judged on the other."""
    halves: dict[str, list[int | None]] = {"A": [], "B": []}
    missed = []
    for phrase, expected in LAY_PHRASES.items():
        ids = [hit.id for hit in search(index, phrase, limit=10)]
        rank = ids.index(expected) + 1 if expected in ids else None
        halves["A" if zlib.crc32(phrase.encode()) % 2 == 0 else "B"].append(rank)
        if rank is None or rank > 5:
            missed.append(f"{phrase} ({rank or '>10'})")
    for half, ranks in [("all", halves["A"] + halves["B"]), *halves.items()]:
        top1 = sum(r == 1 for r in ranks) / len(ranks)
        top5 = sum(r is not None and r <= 5 for r in ranks) / len(ranks)
        print(f"lay phrases, {half} ({len(ranks)}): top-1 {top1:.0%}, top-5 {top5:.0%}")
    print(f"lay phrases missed in the top five: {', '.join(missed) or 'none'}")


def ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:.2f} ms (max {max(seconds) * 1000:.1f} ms)"


def run(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-cold", action="store_true")
    args = parser.parse_args()
    home = None if args.skip_cold else tempfile.mkdtemp(prefix="dmkb-bench-terms-")
    try:
        measure(args.runs, home)
    finally:
        if home:
            shutil.rmtree(home, ignore_errors=True)


def measure(runs: int, home: str | None) -> None:
    env = {**os.environ, **({"DMKB_HOME": home} if home else {})}
    dmkb = [sys.executable, "-m", "dmkb"]
    if home:
        print(f"build, cold (every packaged ontology): {run([*dmkb, 'terms', 'build'], env):.1f} s")
    unchanged = [run([*dmkb, "terms", "build"], env) for _ in range(runs)]
    print(f"build, nothing changed (a fresh process): {statistics.median(unchanged):.2f} s")

    os.environ.update(env)
    from dmkb.terms.index import TermIndex
    from dmkb.terms.search import search

    index = TermIndex()
    for curie in LOOKUPS:  # warm: connections open, pages cached
        index.get(curie)
    lookups = []
    for _ in range(runs):
        for curie in LOOKUPS:
            started = time.perf_counter()
            index.get(curie)
            lookups.append(time.perf_counter() - started)
    print(f"lookup, warm: {ms(lookups)} over {len(lookups)} lookups")

    for text, prefix in QUERIES:
        search(index, text, prefix=prefix)
    searches = []
    for _ in range(runs):
        for text, prefix in QUERIES:
            started = time.perf_counter()
            search(index, text, prefix=prefix)
            searches.append(time.perf_counter() - started)
    print(f"search, warm: {ms(searches)} over {len(searches)} queries (target: median under 5 ms)")
    lay_phrase_ranks(index, search)

    lookup_cmd = [run([*dmkb, "terms", "lookup", *LOOKUPS[:3]], env) for _ in range(runs)]
    search_cmd = [run([*dmkb, "terms", "search", "enlarged liver and spleen"], env) for _ in range(runs)]
    print(f"`dmkb terms lookup` (3 ids, a fresh process): {statistics.median(lookup_cmd) * 1000:.0f} ms")
    print(f"`dmkb terms search` (a fresh process): {statistics.median(search_cmd) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
