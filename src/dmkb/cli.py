"""The command line: parse arguments, call one function, print. Nothing else lives here."""

from __future__ import annotations

import inspect
import itertools
import os
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dmkb import __version__
from dmkb.cli_common import FormatOption, OutputFormat, QuietOption, escape, rich_console
from dmkb.cli_progress import StepProgress
from dmkb.errors import DmkbError

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    name="dmkb",
    help="dmkb: the Disorder Mechanisms Knowledge Base.\n\nExample: dmkb validate ROOT, then dmkb serve ROOT",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

_PROGRESS_FROM_FILES = 50  # smaller KBs are validated faster than a bar can be drawn




def _version(value: bool) -> None:
    if value:
        print(f"dmkb {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """dmkb: the Disorder Mechanisms Knowledge Base."""


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="A KB root (holding kb/disorders/), or disorder files. Default: the current folder."),
    ] = None,
    output: FormatOption = OutputFormat.text,
    info: Annotated[bool, typer.Option("--info", help="Also show info findings in text output.")] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Check every file again instead of reusing remembered findings.")
    ] = False,
    quiet: QuietOption = False,
    watch: Annotated[
        bool, typer.Option("--watch", "-w", help="Keep running: validate again each time a file of the KB changes "
                           "and print what changed (with --format json: one line per run). Ctrl-C ends it.")
    ] = False,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Processes that check files side by "
                                                "side; the report is the same. Default: one a core (one for a "
                                                "few files to check).", show_default=False)] = None,
) -> None:
    """Validate disorder entries: YAML, schema, graph, references, snippets and terms.

    Exits 0 when there is no error, 1 when there are errors, 2 when it cannot run (--watch: 0 on Ctrl-C).

    Example: dmkb validate ROOT --format json   (or: dmkb validate kb/disorders/Gout.yaml, dmkb validate --watch ROOT)
    """
    workers = workers or len(os.sched_getaffinity(0))
    if watch:
        _watch(paths or [], output, show_info=info, use_memo=not no_cache, workers=workers)
        raise typer.Exit(0)
    from dmkb.forked import workers_allowed
    from dmkb.validate import validate as run_validation

    started = time.perf_counter()
    with StepProgress("validating", quiet=quiet or output is OutputFormat.json,
                      bar_from=_PROGRESS_FROM_FILES) as progress, workers_allowed():
        done = itertools.count(1)
        report = run_validation(paths or [], use_memo=not no_cache, workers=workers,
                                on_file=lambda _name, total: progress("disorder files", next(done), total))
    if output is OutputFormat.json:
        from dmkb.report.json_report import write_json

        write_json(report, sys.stdout)
        sys.stdout.write("\n")
    else:
        from dmkb.report.text_report import render_text

        render_text(report, sys.stdout, show_info=info, seconds=time.perf_counter() - started)
    raise typer.Exit(0 if report.ok else 1)


def _watch(paths: list[Path], output: OutputFormat, *, show_info: bool, use_memo: bool, workers: int) -> None:
    """Validate, then print what changed after each change of the KB's files, until Ctrl-C."""
    from dmkb.pipeline.revalidate import revalidate
    from dmkb.report.changes import Revalidation, json_line, text_lines

    def changed(change: Revalidation) -> None:
        if output is OutputFormat.json:
            sys.stdout.write(json_line(change) + "\n")
        elif not change.changed:  # the first run: the whole report
            from dmkb.report.text_report import render_text

            render_text(change.report, sys.stdout, show_info=show_info, seconds=change.seconds)
            print(f"watching {change.report.root} for changes (Ctrl-C to stop)")
        else:
            print("\n".join(text_lines(change, show_info=show_info)))
        sys.stdout.flush()

    def failed(exc: DmkbError, names: list[str]) -> None:
        if output is OutputFormat.json:
            import orjson

            line = orjson.dumps({"changed": names, "error": exc.message, "hint": exc.hint}).decode()
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        else:
            _print_error(rich_console(stderr=True, soft_wrap=True), exc.message, exc.hint)

    import signal
    import threading

    stop = threading.Event()

    def interrupted(_signum: int, _frame: object) -> None:
        # the event ends the watch even where Python drops the exception (a finalizer running then)
        stop.set()
        raise KeyboardInterrupt

    from dmkb.forked import workers_allowed

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        with workers_allowed():  # the watch polls in this thread: no other holds a lock a fork would copy
            revalidate(paths, changed, failed, use_memo=use_memo, stop=stop, workers=workers)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, previous)
    print("stopped watching", file=sys.stderr)


@app.command()
def settings(output: FormatOption = OutputFormat.text) -> None:
    """Show the environment variables dmkb reads, their values here and what each does.

    Example: dmkb settings --format json
    """
    from dmkb.settings import SETTINGS, dmkb_home, shown_value

    values = {s.env: shown_value(s) for s in SETTINGS}
    values["DMKB_HOME"] = str(dmkb_home())  # the folder in use, set or not
    if output is OutputFormat.json:
        import json

        rows = [{"name": s.env, "value": values[s.env], "help": s.help} for s in SETTINGS]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    from rich.table import Table

    table = Table("setting", "value here", "what it does", box=None, header_style="bold")
    for s in SETTINGS:
        table.add_row(s.env, escape(values[s.env] or "-"), escape(s.help))
    rich_console(highlight=False).print(table)


def main() -> None:
    """Entry point: run the app; turn every error into a message and an exit code, never a traceback."""
    command_line = app if sys.argv[1:2] == ["validate"] else with_every_command()
    _reflow_help(command_line)  # a few dozen docstrings: microseconds
    try:
        code = command_line(prog_name="dmkb", standalone_mode=False)
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        sys.exit(_report(exc))
    sys.exit(code or 0)


def _reflow_help(typer_app: typer.Typer) -> None:
    """Each command's help with the lines of a paragraph joined, for the help to wrap them to the
    terminal (it keeps a docstring's own line breaks, which then break mid-sentence)."""
    for info in typer_app.registered_commands:
        text = info.help or (info.callback.__doc__ if info.callback else None)
        if text:
            info.help = "\n\n".join(_joined(p) for p in inspect.cleandoc(text).split("\n\n"))
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _reflow_help(group.typer_instance)


def _joined(paragraph: str) -> str:
    """The lines of a paragraph as one; a list item, an indented line or an example keeps a line of its own."""
    lines = paragraph.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        if line.startswith((" ", "-", "*", "Example")) or out[-1].endswith(":"):
            out.append(line)
        else:
            out[-1] += " " + line
    return "\n".join(out)


def _report(exc: BaseException) -> int:
    """Print ``exc`` as dmkb's errors read (a traceback only with DMKB_DEBUG); the exit code."""
    # made here: Rich is imported only when there is something to say; an error line stays one line in a log
    err = rich_console(stderr=True, soft_wrap=True)
    if isinstance(exc, DmkbError):
        _print_error(err, exc.message, exc.hint)
        return 2
    if isinstance(exc, KeyboardInterrupt) or type(exc).__name__ == "Abort":  # Abort: Ctrl-C, as the parser says it
        err.print("interrupted")
        return 130
    usage = _usage_error(exc)
    if usage is not None:
        if usage[0]:  # a group called without a command has printed its help already
            _print_error(err, *usage)
        return 2
    if os.environ.get("DMKB_DEBUG"):
        raise exc
    if isinstance(exc, OSError):  # the system refused a file or folder (permissions, a full disk, a file in the way)
        where = f"{exc.filename}: " if exc.filename else ""
        _print_error(err, f"{where}{(exc.strerror or str(exc)).lower()}",
                     "check that the path is a folder or file you may use (DMKB_HOME holds dmkb's caches); "
                     "run again with DMKB_DEBUG=1 for details")
        return 2
    err.print(f"[bold red]internal error:[/] {escape(repr(exc))}")
    err.print("[dim]this is a bug in dmkb; run again with DMKB_DEBUG=1 for details and report it[/]")
    return 2


def _usage_error(exc: Exception) -> tuple[str, str] | None:
    """``(message, hint)`` of the argument parser's usage errors (an unknown option, a missing or
    bad value), so they read like dmkb's own; ``None`` for other errors. Typer vendors its parser,
    so its exception classes are recognised by their attributes rather than imported."""
    if not (hasattr(exc, "format_message") and hasattr(exc, "ctx") and getattr(exc, "exit_code", None) == 2):
        return None
    message = _plain_numbers(exc.format_message().strip())
    command = exc.ctx.command_path if exc.ctx is not None else "dmkb"
    return message[:1].lower() + message[1:], f"see {command} --help"


_NUMBER_WORDING = (  # the parser's wording of a bad number, and how dmkb says it
    (re.compile(r"is not a valid integer( range)?\."), "is not a whole number."),
    (re.compile(r"is not in the range x>=(\S+)\."), r"is less than \1."),
    (re.compile(r"is not in the range x<=(\S+)\."), r"is more than \1."),
    (re.compile(r"is not in the range (\S+)<=x<=(\S+)\."), r"is not between \1 and \2."),
)


def _plain_numbers(message: str) -> str:
    for pattern, wording in _NUMBER_WORDING:
        message = pattern.sub(wording, message)
    return message


def _print_error(err: Console, message: str, hint: str | None) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}")
    if hint:
        err.print(f"[dim]hint: {escape(hint)}[/]")


def with_every_command() -> typer.Typer:
    """``app`` with every command. The modules of the commands other than validate are imported only
    when one of them (or the list of all) is asked for, so that ``dmkb validate`` starts sooner."""
    if not any(group.name == "refs" for group in app.registered_groups):
        from dmkb.cli_diagnose import register as register_diagnose_commands
        from dmkb.cli_export import register as register_export_command
        from dmkb.cli_refs import refs_app
        from dmkb.cli_research import register as register_research_commands
        from dmkb.cli_site import register as register_site_commands
        from dmkb.cli_terms import terms_app

        app.add_typer(refs_app, name="refs")
        app.add_typer(terms_app, name="terms")
        register_site_commands(app)
        register_diagnose_commands(app)
        register_export_command(app)
        register_research_commands(app)
    return app
