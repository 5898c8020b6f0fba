"""``dmkb terms``: build the offline term index, look terms up, search them, refresh a KB's caches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from dmkb.cli_common import FormatOption, OutputFormat, QuietOption, escape, rich_console
from dmkb.cli_progress import StepProgress
from dmkb.errors import UsageError

terms_app = typer.Typer(help="Ontology terms, offline: build the index, look up, search, sync caches.\n\n"
                             "Example: dmkb terms build, then dmkb terms search 'fever'",
                        no_args_is_help=True)

RootArgument = Annotated[Path | None, typer.Argument(help="A KB root. Default: the current folder.")]


def _open_index():
    from dmkb.settings import term_index_dir
    from dmkb.terms.index import TermIndex

    index = TermIndex()
    if not index.sources:
        raise UsageError(f"the term index is not built (looked in {term_index_dir()})", "run: dmkb terms build")
    return index


def _kb_root(root: Path | None, required: bool) -> Path | None:
    from dmkb.load.layout import TERM_CACHE

    candidate = (root or Path.cwd()).resolve()
    if root is not None and not candidate.is_dir():
        raise UsageError(f"{root}: no such folder", "give the root of a KB (the folder holding kb/ and cache/)")
    if (candidate / TERM_CACHE).is_dir() or (candidate / "kb").is_dir():
        return candidate
    if required or root is not None:
        raise UsageError(f"{candidate}: not a KB root (no cache/ or kb/ folder)", "give the root of a KB")
    return None


@terms_app.command()
def build(
    root: RootArgument = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Also index an OBO or OBO-graph JSON "
                                                     "file: PREFIX=PATH (repeatable).")] = None,
    only: Annotated[str | None, typer.Option("--only", help="Build only these packaged sources, e.g. hp,go "
                                             "(names: hp mondo cl uberon chebi ncbitaxon go hgnc).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild sources even when unchanged.")] = False,
    output: FormatOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Build or refresh the term index from packaged ontologies, files and the KB's term caches.

    Only sources whose data changed are rebuilt. The index lives in DMKB_HOME/terms.

    Example: dmkb terms build ROOT --only hp,mondo
    """
    from dmkb.settings import term_index_dir
    from dmkb.terms.build import build as build_index
    from dmkb.terms.sources import file_source, packaged_sources
    from dmkb.terms.sources.kb_caches import sources as kb_sources

    wanted = _wanted_sources(only)  # every option is checked before the packaged sources are read (seconds)
    extra = [file_source(option) for option in source or []]
    kb_root = _kb_root(root, required=False)
    sources = packaged_sources(wanted)
    missing = (wanted or set()) - {s.name for s in sources}
    if missing:
        raise UsageError(f"--only names sources that are not installed: {', '.join(sorted(missing))}",
                         "run make setup, or leave them out")
    sources += extra + (kb_sources(kb_root) if kb_root else [])
    directory = term_index_dir()
    with StepProgress("indexing terms", quiet=quiet or output is OutputFormat.json) as progress:
        built: list[str] = []

        def on_done(row) -> None:
            built.append(row.name)
            progress("sources done", len(built), len(sources))

        progress("sources done", 0, len(sources))
        report = build_index(directory, sources, force=force, on_done=on_done)
    if output is OutputFormat.json:
        print(json.dumps({"index": str(directory), "sources": [r.to_json() for r in report]}, indent=2))
        return
    from rich.table import Table

    table = Table("source", "ontology", "release", "terms", "", box=None, header_style="bold")
    for row in report:
        status = f"built in {row.seconds:.1f} s" if row.status == "built" else "unchanged"
        table.add_row(row.name, escape(row.ontology), escape(row.release), f"{row.terms:,}", status)
    console = rich_console()
    console.print(table)
    console.print(f"[dim]index: {escape(str(directory))}[/]")


def _wanted_sources(only: str | None) -> set[str] | None:
    """The packaged sources ``--only`` names (``None``: all of them)."""
    from dmkb.terms.sources import PACKAGED

    if not only:
        return None
    wanted = {name.strip().lower() for name in only.split(",") if name.strip()}
    unknown = wanted - set(PACKAGED)
    if unknown:
        raise UsageError(f"--only names unknown sources: {', '.join(sorted(unknown))}",
                         f"--only chooses among the packaged sources: {' '.join(PACKAGED)} "
                         "(a --source file is always indexed)")
    return wanted


@terms_app.command()
def lookup(
    ids: Annotated[list[str], typer.Argument(help="Term ids, e.g. HP:0001945 hgnc:11364.")],
    output: FormatOption = OutputFormat.text,
) -> None:
    """Show each term: label, synonyms, obsolete or not and its replacement, parents, source release.

    Exits 1 when an id is unknown.

    Example: dmkb terms lookup HP:0001945 hgnc:11364 --format json
    """
    from dmkb.terms.lookup import lookup_all

    index = _open_index()
    results = lookup_all(index, ids)
    if output is OutputFormat.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        _print_lookups(index, results)
    raise typer.Exit(1 if any(r.get("unknown") for r in results) else 0)


def _print_lookups(index, results: list[dict]) -> None:
    console = rich_console(soft_wrap=True)
    for result in results:
        if result.get("unknown"):
            console.print(f"[bold]{escape(result['id'])}[/]  [red]unknown[/]: {escape(result['message'])}")
            continue
        status = " [red]OBSOLETE[/]" if result["obsolete"] else ""
        console.print(f"[bold]{escape(result['id'])}[/]  {escape(result['label'])}{status}")
        if result["replaced_by"]:
            console.print(f"  replaced by: {escape(_named(index, result['replaced_by']))}")
        if result["synonyms"]:
            console.print(f"  synonyms: {escape('; '.join(result['synonyms']))}")
        for relation, parents in result["parents"].items():
            console.print(f"  {relation}: {escape(', '.join(_named(index, p) for p in parents))}")
        if result.get("definition") and result["definition"] not in result["synonyms"]:
            console.print(f"  [dim]{escape(result['definition'])}[/]")
        console.print(f"  [dim]{escape(result['source'])}, {escape(result['release'])}[/]")


def _named(index, curie: str) -> str:
    label = index.label(curie)
    return f"{curie} ({label})" if label else curie


@terms_app.command()
def search(
    text: Annotated[str, typer.Argument(help="Words to look for, e.g. 'enlarged liver and spleen'.")],
    prefix: Annotated[str | None, typer.Option("--prefix", "-p", help="Only terms with this prefix, e.g. HP.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=500, help="How many results.")] = 10,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Find terms by label or synonym: exact names first, then names with every word, then any word.

    Example: dmkb terms search 'enlarged liver and spleen' --prefix HP
    """
    from dmkb.terms.search import search as search_terms

    if not text.strip():
        raise UsageError("nothing to search for", "give words, e.g. dmkb terms search 'enlarged liver'")
    index = _open_index()
    if prefix and not any(s.serves(prefix) for s in index.sources):
        raise UsageError(f"no source of the index holds {prefix} terms",
                         "prefixes built: " + " ".join(sorted({p for s in index.sources for p in s.prefixes})))
    hits = search_terms(index, text, prefix=prefix, limit=limit)
    if output is OutputFormat.json:
        print(json.dumps([h.to_json() for h in hits], indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    table = Table("id", "label", "matched", "score", box=None, header_style="bold")
    for hit in hits:
        matched = "" if hit.matched == hit.label else escape(_shortened(hit.matched))
        table.add_row(escape(hit.id), escape(hit.label), matched, f"{hit.score:.2f}")
    rich_console().print(table if hits else "no term matches")


@terms_app.command()
def sync(
    root: RootArgument = None,
    write: Annotated[bool, typer.Option("--write", help="Update the cache files (atomically).")] = False,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Compare the KB's term caches with the index: terms to add, renamed and obsolete terms.

    Without --write nothing is changed. Disorder files are never edited.

    Example: dmkb terms sync ROOT --write
    """
    from dmkb.terms.sync import apply_plan, plan_sync

    kb_root = _kb_root(root, required=True)
    plan = plan_sync(kb_root, _open_index())
    written = apply_plan(plan) if write else []
    if output is OutputFormat.json:
        print(json.dumps({**plan.to_json(), "written": [str(p) for p in written]}, indent=2, ensure_ascii=False))
        return
    _print_plan(plan, written, write)


def _print_plan(plan, written: list[Path], write: bool) -> None:
    console = rich_console(soft_wrap=True)
    for problem in plan.unreadable:
        rich_console(stderr=True, soft_wrap=True).print(f"[yellow]warning:[/] {escape(problem)}")
    for change in plan.changes:
        console.print(f"{change.kind:9} {escape(change.describe())}")
    console.print(f"{len(plan.added)} to add, {len(plan.renamed)} renamed, {len(plan.obsolete)} obsolete, "
                  f"{len(plan.unknown)} unknown to the index")
    if written:
        console.print("updated: " + ", ".join(escape(str(p)) for p in written))
    elif plan.changes and not write:
        console.print("[dim]nothing written; run again with --write to update the caches[/]")


def _shortened(text: str, most: int = 80) -> str:
    """A matched name as the table shows it: a definition that matched is cut at a word."""
    return text if len(text) <= most else text[:most].rsplit(" ", 1)[0] + " …"
