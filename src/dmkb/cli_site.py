"""The ``dmkb build`` and ``dmkb serve`` commands: parse, call one function, print."""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from dmkb.errors import DmkbError
from dmkb.settings import dmkb_home

RootArgument = Annotated[
    Path | None,
    typer.Argument(help="A KB root (holding kb/disorders/). Default: the current folder.", show_default=False),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


def build(
    root: RootArgument = None,
    *,
    out: Annotated[Path, typer.Option("--out", "-o", help="The folder to write the site into.")],
    quiet: QuietOption = False,
) -> None:
    """Compile the KB into OUT/kb.sqlite and write its website into OUT (only what changed).

    Exits 0 when every entry that could be read has its page, 1 when a page failed, 2 when it cannot run.

    Example: dmkb build ROOT --out site
    """
    from dmkb.site.build import build_site

    started = time.perf_counter()
    with _Progress(quiet) as progress:
        report = build_site([root or Path.cwd()], out, on_progress=progress)
    _print_report(report, time.perf_counter() - started)
    raise typer.Exit(1 if report.failed else 0)


def serve(
    root: RootArgument = None,
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.", min=1, max=65535)] = 8000,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where to build the site. Default: a folder under DMKB_HOME for this KB."),
    ] = None,
) -> None:
    """Build the site and serve it, with a JSON API; rebuild whenever a file of the KB changes.

    Example: dmkb serve ROOT --port 8080
    """
    from dmkb.load.layout import find_layout
    from dmkb.server.run import listen
    from dmkb.server.run import serve as run_server

    inputs = [root or Path.cwd()]
    kb_root = find_layout(inputs).root
    site = out or dmkb_home() / "sites" / hashlib.sha256(str(kb_root).encode()).hexdigest()[:20]
    sock = listen(host, port)
    shown_host = f"[{host}]" if ":" in host else host
    first = {"done": False}

    def built(report) -> None:
        if not first["done"]:
            first["done"] = True
            _print_report(report, None)
            Console().print(f"serving at [bold]http://{shown_host}:{port}/[/] (Ctrl-C to stop)", highlight=False)
            Console().print(f"differential diagnosis: http://{shown_host}:{port}/diagnose", highlight=False)
        elif report.rendered or report.removed:
            Console().print(f"rebuilt: {len(report.rendered)} page(s) rendered, {len(report.removed)} removed")

    def failed(exc: DmkbError) -> None:
        Console(stderr=True).print(f"[bold red]rebuild failed:[/] {escape(exc.message)}")

    run_server(inputs, site, sock, on_built=built, on_rebuild_error=failed)


def _print_report(report, seconds: float | None) -> None:
    console = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for skipped in report.compile.skipped:
        err.print(f"[yellow]skipped[/] {escape(skipped.file)}:{skipped.line}: {escape(skipped.message)}")
        if skipped.hint:
            err.print(f"  [dim]hint: {escape(skipped.hint)}[/]")
    if report.similar_problem:
        err.print(f"[yellow]warning:[/] similar conditions were not computed: {escape(report.similar_problem)}")
    for stem, error in report.failed:
        err.print(f"[bold red]error:[/] the page of {escape(stem)} could not be rendered ({escape(error)}); "
                  "this is a bug in dmkb: run again with DMKB_DEBUG=1 and report it")
    compiled = report.compile
    timing = f" in {seconds:.2f} s" if seconds is not None else ""
    console.print(
        f"{_count(report.pages, 'disorder page')}: {len(report.rendered)} rendered, "
        f"{report.pages - len(report.rendered)} unchanged, {len(report.removed)} removed; "
        f"{_count(len(compiled.compiled), 'entry', 'entries')} compiled, {compiled.unchanged} unchanged{timing}"
    )
    console.print(f"site: {escape(str(report.index))}")


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


class _Progress:
    """A progress bar on stderr for builds of many entries on a terminal; a no-op otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.silent = quiet or not sys.stderr.isatty()
        self.bar: Progress | None = None
        self.tasks: dict[str, object] = {}

    def __enter__(self):
        return self.advance

    def advance(self, phase: str, done: int, total: int) -> None:
        if self.silent or total < 50:
            return
        if self.bar is None:
            self.bar = Progress(TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(),
                                console=Console(stderr=True), transient=True)
            self.bar.start()
        if phase not in self.tasks:
            self.tasks[phase] = self.bar.add_task(phase, total=total)
        self.bar.update(self.tasks[phase], completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def register(app: typer.Typer) -> None:
    """Add the commands to the main application."""
    app.command()(build)
    app.command()(serve)
