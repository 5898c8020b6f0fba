"""``dmkb diagnose`` and ``dmkb similar``: rank diseases for phenotypes; the conditions closest
to a KB disorder. Parse, call the engine, print."""

from __future__ import annotations

import contextlib
import itertools
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from dmkb.cli_common import FormatOption, OutputFormat, QuietOption, compiled_kb, escape, rich_console
from dmkb.cli_progress import StepProgress
from dmkb.errors import UsageError
from dmkb.term_ids import CURIE, HPO_ID

KbOption = Annotated[
    Path | None,
    typer.Option("--kb", help="A KB whose disorders are candidates too: its root, or a compiled kb.sqlite. "
                 "Default: the current folder, when it is a KB root."),
]
LimitOption = Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="How many candidates.")]


def diagnose(
    phenotypes: Annotated[list[str] | None, typer.Argument(help="Observed phenotypes: HPO ids, e.g. HP:0001166, "
                                                           "or plain words, e.g. 'long fingers' (read through the "
                                                           "term index).", show_default=False)] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", "-x", help="A phenotype the patient does not "
                                                      "have, an id or words (repeatable; commas also separate "
                                                      "them).")] = None,
    limit: LimitOption = 20,
    gene: Annotated[list[str] | None, typer.Option("--gene", "-g", help="A causal gene found in the patient "
                                                   "(symbol or HGNC id; repeatable): its diseases rise.")] = None,
    phenopacket: Annotated[Path | None, typer.Option("--phenopacket", help="Read the phenotypes from a GA4GH "
                                                     "Phenopacket v2 JSON file.")] = None,
    batch: Annotated[Path | None, typer.Option("--batch", help="Rank every case of a tab-separated or JSON Lines "
                                               "file, or every phenopacket of a folder; one JSON line per case, "
                                               "in input order.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="With --batch: stop at an id that is not an HPO "
                                         "term, instead of leaving it out with a warning.")] = False,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="With --batch: processes that rank "
                                                "cases side by side, sharing the loaded model. Default: one a "
                                                "core (one for a small batch).", show_default=False)] = None,
    shard: Annotated[str | None, typer.Option("--shard", metavar="K/N", help="With --batch: rank only the K-th "
                                              "of N equal slices of the cases, so that N runs (on N machines) "
                                              "share a batch; their outputs, concatenated from 1 to N, are the "
                                              "whole batch's.", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="With --batch: write the JSON lines to FILE, which "
                                             "appears only when complete (until then they go to .FILE.part).",
                                             show_default=False)] = None,
    resume: Annotated[bool, typer.Option("--resume", help="With --out: keep the cases an interrupted run "
                                         "already wrote, and rank the rest.")] = False,
    kb: KbOption = None,
    output: FormatOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Rank diseases (OMIM, Orphanet, the KB's disorders) for a patient's phenotypes, explained.

    Each candidate comes with the phenotypes it explains and how, those it does not, its frequent
    features the patient lacks, and excluded phenotypes that speak against it.

    Example: dmkb diagnose HP:0001945 'enlarged liver and spleen' --exclude HP:0001250
    """
    observed, excluded, genes = _split(phenotypes), _split(exclude), _split(gene)
    if batch is not None or phenopacket is not None:
        if observed or excluded or (batch is not None and phenopacket is not None):
            raise UsageError("--batch and --phenopacket read the phenotypes from files",
                             "give phenotypes, --phenopacket FILE or --batch FILE|DIR")
    run = BatchRun(limit, genes, strict, workers, shard, out, resume)
    if batch is not None:
        _run_batch(batch, run, kb, quiet)
        return
    run.refuse_without_batch()
    if phenopacket is not None:
        from dmkb.similarity.phenopacket import read_phenopacket

        case = read_phenopacket(phenopacket)
        observed, excluded = case.observed, case.excluded
    if not observed:
        raise UsageError("no phenotypes given", "e.g. dmkb diagnose HP:0001166 HP:0001083 --exclude HP:0001249")
    observed, excluded = _as_terms(observed, quiet), _as_terms(excluded, quiet)
    engine = _engine(kb, quiet)
    query = engine.query(observed, excluded, genes=genes)
    _tell_replaced(engine, observed + excluded, quiet)
    _warn_unlinked(engine, query, quiet)
    candidates = engine.rank(query, limit)
    if output is OutputFormat.json:
        print(json.dumps([c.to_json() for c in candidates], indent=2, ensure_ascii=False))
    else:
        _print_candidates(candidates)


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _as_terms(values: list[str], quiet: bool) -> list[str]:
    """HP ids as they are; plain words read as the HPO term the term index finds first for them, as
    the diagnose page does, and printed back as that term. Anything written as an id is an id:
    a malformed HP id or another ontology's id is an error, never a word search."""
    for value in values:
        _refuse_other_ids(value)
    phrases = [v for v in values if not HPO_ID.fullmatch(v)]
    if not phrases:
        return values
    from dmkb.terms.index import TermIndex
    from dmkb.terms.search import search

    index = TermIndex()
    if not index.sources:
        raise UsageError(f"'{phrases[0]}' is not an HP id, and the term index that reads plain words is not built",
                         "run dmkb terms build, or give HP ids such as HP:0001945")
    err = rich_console(stderr=True, highlight=False)
    terms = []
    for value in values:
        hits = [] if HPO_ID.fullmatch(value) else search(index, value, prefix="HP", limit=1)
        if value in phrases and not hits:
            raise UsageError(f"no HPO term matches '{value}'", f"find one: dmkb terms search '{value}' --prefix HP")
        if hits and not quiet:
            err.print(f"'{escape(value)}' read as {escape(hits[0].id)} {escape(hits[0].label)}")
        terms.append(hits[0].id if hits else value)
    return terms


def _refuse_other_ids(value: str) -> None:
    if HPO_ID.fullmatch(value) or not CURIE.fullmatch(value):
        return
    prefix = value.partition(":")[0]
    if prefix.upper() == "HP":
        raise UsageError(f"'{value}' is not a well-formed HPO id", "write HP: and seven digits, e.g. HP:0001945")
    raise UsageError(f"'{value}' is a {prefix} id, not a phenotype",
                     "give HPO phenotypes (HP:0000000) or their names; dmkb terms search WORDS --prefix HP finds them")


def _tell_replaced(engine, values: list[str], quiet: bool) -> None:
    """Say which obsolete or merged HP ids were read as their current term."""
    if quiet:
        return
    err = rich_console(stderr=True, highlight=False)
    for value in dict.fromkeys(values):
        index = engine.resolve(value)
        current = engine.term(index) if index is not None else None
        if current and current["id"] != value.upper():
            err.print(f"{escape(value)} is obsolete or merged into another term, read as {escape(current['id'])} "
                      f"{escape(current['label'])}")


def _kb_db(kb: Path | None) -> Path | None:
    """The compiled KB the engine reads its disorders from: ``kb`` itself when it is a file, else the
    KB root ``kb`` (or the current folder) compiled into ``DMKB_HOME/compiled``."""
    from dmkb.load.layout import DISORDERS

    if kb is not None and kb.is_file():
        return kb
    if kb is not None and not (kb / DISORDERS).is_dir():
        raise UsageError(f"{kb}: not a KB root (no {DISORDERS.as_posix()}/) nor a compiled kb.sqlite",
                         "give the folder that holds kb/, or the kb.sqlite of dmkb build")
    root = kb or (Path.cwd() if (Path.cwd() / DISORDERS).is_dir() else None)
    return compiled_kb(root) if root is not None else None


def _check_stem(kb: Path | None, stem: str) -> None:
    """Refuse a ``stem`` the KB root has no disorder file of, before the disease model is loaded
    (which takes seconds). A compiled ``kb.sqlite`` is asked later, by the similarity search."""
    import difflib

    from dmkb.load.layout import DISORDERS

    root = kb if kb is not None else Path.cwd()
    if root.is_file() or not (root / DISORDERS).is_dir():
        return
    stems = [path.stem for path in (root / DISORDERS).glob("*.yaml")]
    if stem not in stems:
        close = difflib.get_close_matches(stem, stems, n=3)
        count = f"{len(stems)} disorder{'' if len(stems) == 1 else 's'}"
        raise UsageError(f"no disorder {stem!r} in the KB (no {DISORDERS.as_posix()}/{stem}.yaml)",
                         f"did you mean {' or '.join(close)}?" if close else f"the KB has {count}")


def _engine(kb: Path | None, quiet: bool, required: bool = False):
    from dmkb.similarity.engine import Engine

    kb_db = _kb_db(kb)
    if required and kb_db is None:
        raise UsageError("not in a KB (no kb/disorders/ here)", "run it in a KB root or give --kb ROOT")
    err = rich_console(stderr=True)

    def building() -> None:
        if not quiet:
            err.print("[dim]building the disease model (once, a few seconds)…[/]")

    engine = Engine.load(kb_db, on_build=building)
    if not engine.model.meta["hpoa_release"] and not quiet:
        err.print("[yellow]warning:[/] HPO's annotation frequencies were not found: every frequency is unknown "
                  "(run make setup, or set DMKB_HPOA)")
    return engine


def _warn_unlinked(engine, query, quiet: bool) -> None:
    if quiet:
        return
    for symbol in query.genes:
        if not engine.linked_to(symbol):
            rich_console(stderr=True).print(f"[yellow]warning:[/] no disease is linked to {escape(symbol)}: "
                                            "the gene changes nothing")


@dataclass(frozen=True)
class BatchRun:
    """The options of ``dmkb diagnose --batch``."""

    limit: int
    genes: list[str]
    strict: bool
    workers: int | None
    shard: str | None
    out: Path | None
    resume: bool

    def refuse_without_batch(self) -> None:
        given = [name for name, value in (("--workers", self.workers), ("--shard", self.shard), ("--out", self.out),
                                          ("--resume", self.resume)) if value]
        if given:
            raise UsageError(f"{', '.join(given)} go{'es' if len(given) == 1 else ''} with --batch",
                             "rank a batch: dmkb diagnose --batch FILE|DIR")

    def options(self, path: Path, kb: Path | None) -> dict:
        """What the output depends on, by option name (a part file written with others is not resumed)."""
        return {"--batch": str(path.resolve()), "--shard": self.shard or "1/1", "--limit": self.limit,
                "--gene": self.genes, "--kb": str(kb.resolve()) if kb else None}


def _run_batch(path: Path, run: BatchRun, kb: Path | None, quiet: bool) -> None:
    """Rank every case of the batch (or of its shard), a JSON line each, in input order."""
    from dmkb.similarity.batch import open_batch
    from dmkb.similarity.batch_rank import parse_shard, shard_range

    if run.resume and run.out is None:
        raise UsageError("--resume continues the part file of --out FILE", "add --out FILE, as in the interrupted run")
    batch = open_batch(path)  # reads it all once: a malformed line stops the run before anything is ranked
    cases = shard_range(len(batch), parse_shard(run.shard or "1/1"))
    with _output(run, path, kb) as output:
        engine = _engine(kb, quiet)
        _warn_unlinked(engine, engine.query([], strict=False, genes=run.genes), quiet)
        items = itertools.islice(batch, cases.start, cases.stop)
        _check_kept(output, items, path, len(cases))
        _rank_all(engine, items, len(cases) - output.kept, run, path, quiet, output)
        output.finish()


def _rank_all(engine, items, count: int, run: BatchRun, path: Path, quiet: bool, output) -> None:
    from dmkb.forked import workers_allowed
    from dmkb.similarity.batch import Case
    from dmkb.similarity.batch_rank import default_workers, rank_batch

    err = rich_console(stderr=True, highlight=False)
    workers = run.workers or default_workers(count)
    ranked = rank_batch(engine, items, limit=run.limit, genes=run.genes, workers=workers)
    with workers_allowed(), StepProgress("ranking", quiet=quiet, rate=True) as progress, contextlib.closing(ranked):
        for done, (item, result) in enumerate(ranked, start=1):
            where = f"{path}:{item.line}" if isinstance(item, Case) else str(item)
            for problem in result.problems:
                if run.strict:
                    raise UsageError(f"{where}: {problem}", "correct the case, or leave out --strict"
                                     + ("; --resume then ranks from it on" if run.out else ""))
                err.print(f"[yellow]warning:[/] {escape(where)}: {escape(problem)}")
            output.write(result.line)
            progress("cases", done, count)


@contextlib.contextmanager
def _output(run: BatchRun, path: Path, kb: Path | None) -> Iterator:
    """Where the JSON lines go: ``--out``'s part file, or stdout."""
    if run.out is None:
        yield _Stdout()
        return
    from dmkb.partfile import PartFile

    with PartFile(run.out, run.options(path, kb), resume=run.resume) as part:
        yield part


class _Stdout:
    kept = 0

    def write(self, line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def finish(self) -> None:
        pass


def _check_kept(output, items: Iterator, path: Path, count: int) -> None:
    """Take the cases an interrupted run wrote from ``items``, each checked against its kept line
    (the input must not have changed since)."""
    from dmkb.similarity.batch import Case

    if not output.kept:
        return
    if output.kept > count:
        raise UsageError(f"{output.part}: {output.kept} cases, more than the {count} to rank in {path}",
                         "the input changed since: delete the part file to start over")
    for number, (line, item) in enumerate(zip(output.kept_lines(), items), start=1):
        if not isinstance(item, Case):
            continue  # a phenopacket's id is in the file, not read again
        try:
            kept = json.loads(line)["case_id"]
        except (ValueError, KeyError, TypeError):
            kept = None
        if kept != item.case_id:
            raise UsageError(f"{output.part}: line {number} is not case {item.case_id!r} of {path}:{item.line}, "
                             "as the interrupted run would have written", "the input changed since: delete the part "
                             "file to start over")


def _print_candidates(candidates) -> None:
    from rich.table import Table

    console = rich_console(highlight=False, soft_wrap=True)
    table = Table(box=None, header_style="bold")
    for column in ("#", "id", "name", "score", "why"):
        table.add_column(column, overflow="fold")  # a long word broken over lines, never cut
    for rank, candidate in enumerate(candidates, start=1):
        table.add_row(str(rank), escape(candidate.id), escape(candidate.name), f"{candidate.score:.1f}",
                      escape(_summary(candidate.explanation)))
    console.print(table if candidates else "no candidates")


def _summary(explanation: dict) -> str:
    parts = []
    matched, unexplained = explanation["matched"], explanation["unexplained"]
    total = len(matched) + len(unexplained) + sum(1 for a in explanation["against"]
                                                   if a["reason"].startswith("observed"))
    parts.append(f"explains {len(matched)}/{total + len(explanation['related'])}")
    if explanation["related"]:
        parts.append("related: " + ", ".join(r["term"]["label"] for r in explanation["related"][:3]))
    if unexplained:
        parts.append("not: " + ", ".join(u["term"]["label"] for u in unexplained[:3]))
    looked_for = [t["term"]["label"] for t in explanation["looked_for"]]
    if looked_for:
        parts.append("absent, looked for: " + ", ".join(looked_for[:3]))
    against = [a["term"]["label"] for a in explanation["against"]]
    if against:
        parts.append("against: " + ", ".join(against[:3]))
    missing = [m["term"]["label"] for m in explanation["missing"][:3]]
    if missing:
        parts.append("lacks: " + ", ".join(missing))
    return "; ".join(parts)


def similar(
    stem: Annotated[str, typer.Argument(help="A disorder of the KB, by file name without .yaml, e.g. Marfan_Syndrome.")],
    limit: LimitOption = 10,
    kb: KbOption = None,
    output: FormatOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """The conditions closest to a KB disorder: other KB disorders and HPO's diseases.

    With the phenotypes and mechanism terms (GO, cell types, genes) they share, and those that
    tell them apart.

    Example: dmkb similar Marfan_Syndrome --kb ROOT
    """
    from dmkb.similarity.similar import similar_conditions

    _check_stem(kb, stem)
    result = similar_conditions(_engine(kb, quiet, required=True), stem, limit)
    if output is OutputFormat.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        _print_similar(result)


def _print_similar(result: dict) -> None:
    from rich.table import Table

    from dmkb.similarity.stored import SCORE_MEANING

    console = rich_console(highlight=False, soft_wrap=True)
    name = result["name"]
    console.print(f"[bold]{escape(name)}[/] ({escape(result['id'])})")
    console.print(f"[dim]{escape(SCORE_MEANING.format(name=name))}[/]")
    for key, title in (("kb", "KB disorders"), ("hpo", "HPO-annotated diseases")):
        console.print(f"\n[bold]{title}[/]")
        table = Table(box=None, header_style="bold")
        for column in ("id", "name", "score", "shared", f"only in {name}", "only in the condition"):
            table.add_column(column, overflow="fold")  # a long word broken over lines, never cut
        for row in result[key]:
            shared = [t["label"] for t in row["shared_phenotypes"]] + [t["label"] for t in row["shared_mechanisms"]]
            table.add_row(escape(row["id"]), escape(row["name"]), f"{row['score']:.1f}",
                          escape(", ".join(shared[:5])), escape(", ".join(t["label"] for t in row["only_here"][:3])),
                          escape(", ".join(t["label"] for t in row["only_there"][:3])))
        console.print(table if result[key] else "none that shares a phenotype or a mechanism")


def register(app: typer.Typer) -> None:
    app.command()(diagnose)
    app.command()(similar)
