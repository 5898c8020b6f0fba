"""The ``dmkb build`` and ``dmkb serve`` commands: parse, call one function, print."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from dmkb.cli_common import QuietOption, escape, rich_console
from dmkb.cli_progress import StepProgress
from dmkb.errors import DmkbError
from dmkb.settings import kb_home_path

RootArgument = Annotated[
    Path | None,
    typer.Argument(help="A KB root (holding kb/disorders/). Default: the current folder.", show_default=False),
]
ServedArgument = Annotated[
    Path | None,
    typer.Argument(help="A KB root (holding kb/disorders/), or the kb.sqlite of a build to serve alone. "
                   "Default: the current folder.", show_default=False),
]
DEFAULT_PORT = 8000
_BAR_FROM = 50  # smaller KBs are built faster than a bar can be drawn


def build(
    root: RootArgument = None,
    *,
    out: Annotated[Path, typer.Option("--out", "-o", help="The folder to write the site into.")],
    quiet: QuietOption = False,
) -> None:
    """Compile the KB into OUT/kb.sqlite and write its website into OUT (only what changed).

    Exits 0 when every entry has its page, 1 when an entry could not be compiled (its YAML cannot be
    read: it keeps the page of its last good version, if any) or a page failed, 2 when it cannot run.
    The question box of every page sends to DMKB_RESEARCH_SERVER (default: the server of the pages).

    Example: dmkb build ROOT --out site
    """
    from dmkb.forked import workers_allowed
    from dmkb.fs import make_folder
    from dmkb.load.layout import find_layout
    from dmkb.pipeline.build import build_site
    from dmkb.site.build import check_output

    find_layout([root or Path.cwd()])  # what cannot be built from or into is refused before anything is done
    check_output(out)
    make_folder(out)
    started = time.perf_counter()
    with StepProgress("building", quiet=quiet, bar_from=_BAR_FROM) as progress, workers_allowed():
        report = build_site([root or Path.cwd()], out, on_progress=progress, on_wait=lambda: _waiting(out))
    _print_report(report, time.perf_counter() - started)
    raise typer.Exit(1 if report.failed or report.compile.skipped else 0)


def serve(
    root: ServedArgument = None,
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help=f"The port to listen on. Default: {DEFAULT_PORT}, or the next "
                                             "free port when it is taken.", min=1, max=65535,
                                             show_default=False)] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where to build the site. Default: a folder under DMKB_HOME for this KB."),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Serve the site at once, build it in the background, and rebuild whenever a file of the KB changes.

    The address comes first; until the first build is done, pages say that the site is being
    built (an earlier build in OUT is served meanwhile). An entry whose YAML cannot be read keeps
    its last good page, with a banner naming the file, line and problem. Research questions asked
    in the pages (POST /api/jobs) are answered in the background and kept under DMKB_HOME.

    Given a compiled KB (the kb.sqlite of dmkb build), it serves that alone: its pages, search and
    differential diagnosis, without rebuilding and without research questions (they need the KB's files).

    Example: dmkb serve ROOT --port 8080
    """
    from dmkb.fs import make_folder
    from dmkb.load.layout import find_layout
    from dmkb.pipeline.serve import check_compiled, serve_compiled
    from dmkb.pipeline.serve import serve as run_server
    from dmkb.server.run import listen, listen_free
    from dmkb.site.build import check_output

    inputs = [root or Path.cwd()]
    compiled = root is not None and root.is_file()
    if compiled:
        check_compiled(root)
    kb_root = root.resolve() if compiled else find_layout(inputs).root
    site = out or kb_home_path("sites", kb_root)
    check_output(site)
    sock = listen(host, port) if port is not None else listen_free(host, DEFAULT_PORT)
    make_folder(site)  # once the port is had: a refused serve writes nothing
    bound = sock.getsockname()[1]
    address = f"http://{f'[{host}]' if ':' in host else host}:{bound}/"
    console = rich_console(highlight=False, soft_wrap=True)
    taken = f" (port {DEFAULT_PORT} is taken)" if port is None and bound != DEFAULT_PORT else ""
    console.print(f"serving at [bold]{address}[/]{taken} (Ctrl-C to stop)")
    console.print(f"differential diagnosis: {address}diagnose")
    if compiled:
        console.print("[dim]writing the site of the compiled KB: pages answer once it is ready[/]")
    else:
        console.print(f"research questions: the box of every disorder page, or POST {address}api/jobs")
        console.print("[dim]building the site in the background: pages say so until it is ready[/]")
    progress = StepProgress("building", quiet=quiet, bar_from=_BAR_FROM)  # follows the first build only
    first = {"done": False}

    def built(report) -> None:
        progress.close()
        if not first["done"]:
            first["done"] = True
            _print_report(report, None)
            console.print(f"the site is ready at [bold]{address}[/]")
        elif report.rendered or report.removed or report.compile.skipped:
            _print_problems(report)
            console.print(f"rebuilt: {_count(len(report.rendered), 'page')} rendered, {len(report.removed)} removed")

    def failed(exc: DmkbError) -> None:
        progress.close()
        err = rich_console(stderr=True, highlight=False, soft_wrap=True)
        err.print(f"[bold red]error:[/] the site could not be built: {escape(exc.message)}")
        if exc.hint:
            err.print(f"[dim]hint: {escape(exc.hint)}[/]")

    with progress:
        if compiled:
            serve_compiled(root, site, sock, on_built=built)
        else:
            run_server(inputs, site, sock, on_built=built, on_build_error=failed, on_progress=progress)


def _waiting(out: Path) -> None:
    rich_console(stderr=True, highlight=False).print(f"waiting for another build into {escape(str(out))} to finish…")


def _print_report(report, seconds: float | None) -> None:
    console = rich_console(highlight=False, soft_wrap=True)
    _print_problems(report)
    compiled = report.compile
    timing = f" in {seconds:.2f} s" if seconds is not None else ""
    console.print(
        f"{_count(report.pages, 'disorder page')}: {len(report.rendered)} rendered, "
        f"{report.pages - len(report.rendered)} unchanged, {len(report.removed)} removed; "
        f"{_count(len(compiled.compiled), 'entry', 'entries')} compiled, {compiled.unchanged} unchanged{timing}"
    )
    console.print(f"site: {escape(str(report.index))}")


def _print_problems(report) -> None:
    """Entries that could not be compiled, pages that could not be rendered, similar conditions not computed."""
    err = rich_console(stderr=True, highlight=False, soft_wrap=True)
    for skipped in report.compile.skipped:
        kept = "its page shows the last version that could be read" if skipped.kept else "it has no page"
        err.print(f"[bold red]error:[/] {escape(skipped.file)}:{skipped.line}: could not be compiled: "
                  f"{escape(skipped.message)} ({kept})")
        if skipped.hint:
            err.print(f"[dim]hint: {escape(skipped.hint)}[/]")
    if report.similar_problem:
        err.print(f"[yellow]warning:[/] similar conditions were not computed: {escape(report.similar_problem)}")
    for stem, error in report.failed:
        err.print(f"[bold red]error:[/] the page of {escape(stem)} could not be rendered ({escape(error)}); "
                  "this is a bug in dmkb: run again with DMKB_DEBUG=1 and report it")


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def register(app: typer.Typer) -> None:
    """Add the commands to the main application."""
    app.command()(build)
    app.command()(serve)
