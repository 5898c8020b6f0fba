"""The ``dmkb refs`` commands: fetch references into the cache, show one, verify the cache,
import literature from files. Each parses its arguments, calls one function and prints.

Heavy modules (the HTTP client, the XML parser) are imported inside the commands, so that
``dmkb validate`` does not pay for them at start-up.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dmkb.cli_common import FormatOption, OutputFormat, QuietOption, escape, rich_console
from dmkb.cli_progress import StepProgress
from dmkb.errors import DmkbError, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from dmkb.references.fetch.runner import FetchResult
    from dmkb.references.verify import VerifyReport

refs_app = typer.Typer(
    name="refs",
    help="References: fetch them into the cache, show and verify cached entries, import literature.\n\n"
         "Example: dmkb refs fetch ROOT",
    no_args_is_help=True,
)


CacheOption = Annotated[
    Path | None,
    typer.Option("--cache", help="The reference cache folder. Default: ROOT/references_cache of the KB here."),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace cached entries even with records that are not better (never with empty ones).")
]

_OK = {"written": "green", "replaced": "green", "kept": "dim"}
_LISTED = 10  # ids named in one error message


@refs_app.command("fetch")
def fetch(
    targets: Annotated[
        list[str] | None,
        typer.Argument(help="A KB root, to fetch every cited reference not yet cached (default: the current folder); "
                            "or reference ids: PMID:…, DOI:…, clinicaltrials:NCT…, PMC:PMC…"),
    ] = None,
    cache: CacheOption = None,
    force: ForceOption = False,
    no_full_text: Annotated[bool, typer.Option("--no-full-text", help="Abstracts only: skip PMC full texts.")] = False,
    output: FormatOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Fetch references from PubMed, PMC, Crossref and ClinicalTrials.gov into the cache.

    A record is stored only when it is the one asked for and better than the cached entry (a full text over an abstract). Exits 1 when some reference could not be fetched.

    Example: dmkb refs fetch PMID:29263371 DOI:10.3390/cancers12102900 --cache ROOT/references_cache
    """
    from dmkb.fs import make_folder
    from dmkb.references.fetch.config import FetchConfig
    from dmkb.references.fetch.runner import Sources, fetch_references
    from dmkb.references.store import ReferenceStore

    config = FetchConfig.from_env()
    ids, directory = _fetch_plan(targets or [], cache, force)
    created = bool(ids) and not directory.exists()
    if ids:
        make_folder(directory)  # before anything is fetched
    done: list[FetchResult] = []

    def fetched(result: FetchResult) -> None:
        done.append(result)
        progress("references fetched", len(done), len(ids))

    try:
        with StepProgress("fetching", quiet=quiet or output is OutputFormat.json, bar_from=2) as progress, \
                Sources(config) as sources:
            progress("references fetched", 0, len(ids))
            results = fetch_references(ids, ReferenceStore(directory), sources, force=force,
                                       full_text=not no_full_text, on_result=fetched)
    finally:
        if created:  # a folder made for this run and left empty goes again
            with contextlib.suppress(OSError):
                directory.rmdir()
    _print_results(results, directory, output, nothing="nothing to fetch: every cited reference is cached")


@refs_app.command("show")
def show(
    reference_id: Annotated[str, typer.Argument(help="The reference id, as cited (PMID:…, DOI:…).")],
    cache: CacheOption = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Show a cached reference: its metadata, what is wrong with it, and its text.

    Example: dmkb refs show PMID:29263371 --cache ROOT/references_cache
    """
    from dmkb.references.store import ReferenceStore, record_of

    canonical = _canonical_id(reference_id, allow_local=True)
    directory = _existing(_cache_dir(cache))
    entry = ReferenceStore(directory).get(canonical)
    if entry is None:
        raise DmkbError(f"{canonical} is not cached in {directory}",
                        f"fetch it: dmkb refs fetch {canonical} --cache {directory}")
    record = record_of(entry)
    problems = list(entry.problems) + ([] if entry.content.strip() else ["the entry has no text"])
    if output is OutputFormat.json:
        _print_json({"id": canonical, "file": str(entry.path), "title": record.title, "authors": list(record.authors),
                     "journal": record.journal, "year": record.year, "doi": record.doi, "pmid": record.pmid,
                     "pmcid": record.pmcid, "content_type": record.content_type,
                     "metadata": entry.cached.metadata, "problems": problems, "text": entry.content})
        return
    out = rich_console(soft_wrap=True, highlight=False)
    out.print(f"[bold]{escape(record.title or '(no title)')}[/]")
    for label, value in (("id", canonical), ("authors", ", ".join(record.authors)), ("journal", record.journal),
                         ("year", record.year), ("doi", record.doi), ("pmid", record.pmid), ("pmcid", record.pmcid),
                         ("content", record.content_type), ("file", str(entry.path))):
        if value:
            out.print(f"[dim]{label}:[/] {escape(str(value))}")
    for problem in problems:
        out.print(f"[bold red]problem:[/] {escape(problem)}")
    out.print()
    out.print(entry.content, markup=False)


@refs_app.command("verify")
def verify(
    root: Annotated[Path | None, typer.Argument(help="A KB root (default: the current folder).")] = None,
    cache: Annotated[
        Path | None,
        typer.Option("--cache", help="Check this cache folder; without ROOT, no KB is read and citations are not checked."),
    ] = None,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Re-check the reference cache offline: contradicting ids, damaged or empty entries, entries cited nowhere.

    Exits 1 when there are errors.

    Example: dmkb refs verify ROOT
    """
    from dmkb.load.kb import open_kb
    from dmkb.references.citations import cited_ids
    from dmkb.references.verify import verify_cache

    cited = None
    if root is None and cache is not None:
        directory = cache
    else:
        kb = open_kb([root or Path.cwd()])
        directory, cited = cache or kb.layout.references_dir, cited_ids(kb)
    report = verify_cache(_existing(directory), cited)
    _print_verify(report, output)
    raise typer.Exit(0 if report.ok else 1)


@refs_app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="PubMed or PMC XML, aggregator JSON records, or text files.")],
    cache: CacheOption = None,
    reference_id: Annotated[
        str | None, typer.Option("--id", help="The id of the one record in FILE, when the file does not say it.")
    ] = None,
    force: ForceOption = False,
    whole_text: Annotated[bool, typer.Option("--whole-text", help="Keep a text file whole even when it does not "
                                             "read as an abstract (a saved web page, a long document).")] = False,
    output: FormatOption = OutputFormat.text,
) -> None:
    """Import literature records from files into the cache, replacing only worse entries.

    Each line of the report names the file a record came from. A text file must read as an
    abstract: a saved web page or a YAML file is refused. Exits 1 when some file or record
    could not be imported.

    Example: dmkb refs import abstract.txt pubmed.xml --cache ROOT/references_cache
    """
    from dmkb.fs import make_folder
    from dmkb.references.fetch.runner import FetchResult
    from dmkb.references.importers import import_file
    from dmkb.references.store import EmptyRecord, ReferenceStore

    if reference_id and len(files) > 1:
        raise UsageError("--id names the record of one file, but several files were given", "import them one by one")
    directory = make_folder(_cache_dir(cache))
    store = ReferenceStore(directory)
    results = []
    for path in files:
        try:
            records = import_file(path, reference_id, whole_text=whole_text)
        except DmkbError as exc:
            results.append(FetchResult(str(path), "failed", message=exc.message, hint=exc.hint,
                                       imported_from=str(path)))
            continue
        for record in records:
            try:
                saved = store.save(record, force=force)
            except EmptyRecord as exc:
                results.append(FetchResult(record.reference_id, "failed", title=record.title,
                                           message=f"{path}: {exc.message}", hint="the record has no abstract",
                                           imported_from=str(path)))
                continue
            note = f"the cached entry ({saved.previous}) is as good; kept it" if saved.status == "kept" else None
            results.append(FetchResult(record.reference_id, saved.status, record.content_type, record.title,
                                       saved.path, note, imported_from=str(path)))
    _print_results(results, directory, output, nothing="nothing imported")


def _fetch_plan(targets: list[str], cache: Path | None, force: bool) -> tuple[list[str], Path]:
    """The ids to fetch and the cache folder: the ids given, or the cited ids a KB lacks."""
    from dmkb.load.kb import open_kb
    from dmkb.references.citations import cited_ids
    from dmkb.references.fetch.runner import FETCHABLE
    from dmkb.references.store import ReferenceStore

    if targets and all(":" in t and not Path(t).exists() for t in targets):
        return list(dict.fromkeys(_canonical_id(t) for t in targets)), _cache_dir(cache)
    if len(targets) > 1:
        raise UsageError("give either one KB root or reference ids, not both",
                         "dmkb refs fetch ROOT, or dmkb refs fetch PMID:123 DOI:10.1/x --cache DIR")
    kb = open_kb([Path(targets[0]) if targets else Path.cwd()])
    directory = cache or kb.layout.references_dir
    store = ReferenceStore(directory)
    ids = []
    for cited in sorted(cited_ids(kb)):
        entry = store.get(cited)
        if cited.partition(":")[0] in FETCHABLE and (force or entry is None or entry.rank == 0):
            ids.append(cited)
    return ids, directory


def _canonical_id(text: str, *, allow_local: bool = False) -> str:
    from dmkb.references.ids import parse_reference_id
    from dmkb.references.record import LOCAL

    if allow_local and text.partition(":")[0] == LOCAL:
        return text.strip()
    ref = parse_reference_id(text)
    if ref.problem and not ref.only_spelling:
        raise UsageError(f"{text}: {ref.problem}", ref.hint)
    if ref.is_dataset:
        raise UsageError(f"{text}: datasets have no text to cache", "cite publications or trials")
    return ref.canonical


def _cache_dir(cache: Path | None) -> Path:
    """``--cache``, or the cache of the KB in the current folder."""
    if cache is not None:
        return cache
    here = Path.cwd()
    if (here / "references_cache").is_dir() or (here / "kb" / "disorders").is_dir():
        return here / "references_cache"
    raise UsageError("which reference cache? the current folder is not a KB root",
                     "give --cache DIR (for example ROOT/references_cache)")


def _existing(directory: Path) -> Path:
    if not directory.is_dir():
        raise UsageError(f"{directory}: no such folder", "give the folder that holds the cached references")
    return directory


def _print_results(results: list[FetchResult], directory: Path, output: OutputFormat, nothing: str) -> None:
    counts = {status: sum(r.status == status for r in results) for status in ("written", "replaced", "kept", "failed")}
    if output is OutputFormat.json:
        _print_json({"summary": {"cache": str(directory), "requested": len(results), **counts},
                     "results": [r.as_json() for r in results]})
    else:
        out = rich_console(soft_wrap=True, highlight=False)
        err = rich_console(stderr=True, soft_wrap=True, highlight=False)
        _print_failures([r for r in results if r.status == "failed"], err)
        for r in results:
            if r.status == "failed":
                continue
            origin = f"{escape(r.imported_from)} → " if r.imported_from else ""
            out.print(f"[{_OK[r.status]}]{r.status:8}[/] {origin}{escape(r.reference_id)}  "
                      f"[dim]{escape(r.content_type or '')}[/]  {escape(r.title or '')}")
            if r.message:
                out.print(f"         [dim]{escape(r.message)}[/]")
        summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
        out.print(f"{summary} (cache: {escape(str(directory))})" if results else nothing)
    if counts["failed"]:
        raise typer.Exit(1)


def _print_failures(failed: list[FetchResult], err: Console) -> None:
    """One error per failure; failures with one cause (a source that is down) share one message."""
    groups: dict[tuple[str, str | None], list[str]] = {}
    for r in failed:
        groups.setdefault((r.message or "failed", r.hint), []).append(r.reference_id)
    for (message, hint), ids in groups.items():
        if len(ids) > 1:
            shown = ", ".join(ids[:_LISTED]) + (f" and {len(ids) - _LISTED} more" if len(ids) > _LISTED else "")
            err.print(f"[bold red]error:[/] {escape(message)}: {len(ids)} references failed: {escape(shown)}")
        else:
            named = message.startswith(ids[0])  # an import's message names its file
            err.print(f"[bold red]error:[/] {'' if named else escape(ids[0]) + ': '}{escape(message)}")
        if hint:
            err.print(f"[dim]hint: {escape(hint)}[/]")


def _print_verify(report: VerifyReport, output: OutputFormat) -> None:
    summary = report.summary()
    if output is OutputFormat.json:
        _print_json({"summary": summary, "findings": [f.as_json() for f in report.findings]})
        return
    out = rich_console(soft_wrap=True, highlight=False)
    for f in report.findings:
        colour = "red" if f.severity == "error" else "yellow"
        out.print(f"{escape(f.file)}  [{colour}]{f.severity}[/]  {f.kind}  {escape(f.message)}")
        if f.hint:
            out.print(f"    [dim]hint: {escape(f.hint)}[/]")
    kinds = ", ".join(f"{n} {kind}" for kind, n in summary["kinds"].items() if n)
    out.print(f"{report.entries} cached entries checked: {summary['errors']} errors, {summary['warnings']} warnings"
              + (f" ({kinds})" if kinds else ""))


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")
