"""``dmkb ask`` and ``dmkb research index``: answer research questions from a KB's literature."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from dmkb.cli_common import QuietOption, escape, rich_console
from dmkb.cli_progress import StepProgress
from dmkb.errors import DmkbError, UsageError

research_app = typer.Typer(help="The literature index that dmkb ask answers from.\n\n"
                           "Example: dmkb research index examples/ankl", no_args_is_help=True)


class AskFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


KbOption = Annotated[Path | None, typer.Option("--kb", help="The KB root whose literature answers. "
                                                             "Default: the current folder.")]


def ask(
    question: Annotated[str | None, typer.Argument(help="The question, in words.", show_default=False)] = None,
    disorder: Annotated[str | None, typer.Option("--disorder", "-d", help="The disorder asked about (need not be "
                                                 "in the KB). Default: the one the question names.")] = None,
    kb: KbOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=50, help="How many passages of evidence.")] = 10,
    output: Annotated[AskFormat | None, typer.Option("--format", "-f", help="Output format (default: text; "
                                                    "json with --batch).", show_default=False)] = None,
    save: Annotated[bool, typer.Option("--save", help="Also write the report to ROOT/research/"
                                       "<Stem>-deep-research-dmkb.md.")] = False,
    batch: Annotated[Path | None, typer.Option("--batch", help="Answer every question of a JSON-lines file "
                                               '({"id", "question", "disorder"?}); one JSON line out each.')] = None,
    quiet: QuietOption = False,
) -> None:
    """Answer a research question from the KB's cached literature, with verified quotes.

    Every statement of the report is a passage found word for word in the reference it cites.
    With DMKB_LLM_URL set, a language model writes the prose from those passages (see README).
    Exits 0 with an answer, 2 when nothing could be answered.

    Example: dmkb ask "What drives JAK-STAT activation in aggressive NK-cell leukemia?" --kb examples/ankl
    """
    from dmkb.research.ask import ask as answer_question
    from dmkb.research.ask import check_question
    from dmkb.research.writer import Writer

    if batch is not None:
        _check_batch_options(question, disorder, save, output)
        _run_batch(batch, kb, limit, quiet)
        return
    if question is None:
        raise UsageError("no question given", 'e.g. dmkb ask "What drives JAK-STAT activation in aggressive '
                         'NK-cell leukemia?" --kb examples/ankl')
    check_question(question)  # before the index is opened (or built)
    library = _open(kb, quiet)
    started = datetime.now().astimezone()
    answer = answer_question(library, question, disorder=disorder, limit=limit, writer=Writer.from_settings())
    ended = datetime.now().astimezone()
    _print(answer, output or AskFormat.text)
    if not answer.evidence:  # the report says so; the exit status tells scripts (and nothing is saved)
        raise typer.Exit(2)
    if save:
        from dmkb.research.save import save_answer

        path = save_answer(library.root, answer, started, ended)
        rich_console(stderr=True, highlight=False).print(f"saved: {escape(str(path))}")


def _check_batch_options(question: str | None, disorder: str | None, save: bool, output: AskFormat | None) -> None:
    """:raises UsageError: for an option that does not go with --batch."""
    if question is not None:
        raise UsageError("--batch reads the questions from the file", "give either a question or --batch")
    if save:
        raise UsageError("--save is for one question, not for --batch", "ask the question alone to save its report")
    if disorder is not None:
        raise UsageError("--disorder is for one question, not for --batch",
                         'give the disorder on each line: {"id": "q1", "question": "…", "disorder": "…"}')
    if output not in (None, AskFormat.json):
        raise UsageError(f"--batch writes one JSON line a question, not {output.value}",
                         "leave out --format, or give --format json")


def _open(kb: Path | None, quiet: bool):
    from dmkb.research.ask import open_library

    with StepProgress("indexing", quiet=quiet, bar_from=50) as progress:
        library = open_library(kb or Path.cwd(), on_progress=lambda done, total: progress("references", done, total),
                               on_wait=_waiting(quiet))
    built = library.built
    err = rich_console(stderr=True, highlight=False)
    if not quiet and (built.fresh or built.added or built.updated or built.removed):
        err.print(f"[dim]literature index: {built.added} added, {built.updated} updated, {built.removed} removed, "
                  f"{built.unchanged} unchanged[/]")
    for name, problem in built.problems[:5] if not quiet else []:
        err.print(f"[yellow]warning:[/] {escape(name)}: {escape(problem)}")
    return library


def _waiting(quiet: bool):
    """What to say while another process builds the same literature index."""
    if quiet:
        return None
    return lambda: rich_console(stderr=True, highlight=False).print(
        "[dim]waiting for another dmkb building this literature index to finish…[/]")


def _print(answer, output: AskFormat) -> None:
    from dmkb.research.render import render_json, render_markdown, render_text

    if output is AskFormat.json:
        sys.stdout.write(render_json(answer) + "\n")
    elif output is AskFormat.markdown:
        sys.stdout.write(render_markdown(answer))
    else:
        sys.stdout.write(render_text(answer))


def _run_batch(path: Path, kb: Path | None, limit: int, quiet: bool) -> None:
    from dmkb.research.ask import ask as answer_question
    from dmkb.research.batch import BadLine, read_questions
    from dmkb.research.writer import Writer

    questions = read_questions(path)
    library = _open(kb, quiet)
    writer = Writer.from_settings()
    err = rich_console(stderr=True, highlight=False)
    answered = 0
    for item in questions:
        if isinstance(item, BadLine):
            err.print(f"[yellow]warning:[/] {escape(item.error)}")
            sys.stdout.write(json.dumps(item.to_json(), ensure_ascii=False) + "\n")
            continue
        try:
            answer = answer_question(library, item.question, disorder=item.disorder, limit=limit,
                                     question_id=item.id, writer=writer)
        except DmkbError as exc:
            err.print(f"[yellow]warning:[/] {escape(str(path))}:{item.line}: {escape(exc.message)}")
            sys.stdout.write(json.dumps({"id": item.id, "line": item.line, "question": item.question,
                                         "error": exc.message}, ensure_ascii=False) + "\n")
            continue
        answered += 1
        sys.stdout.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
    if not answered:
        raise DmkbError(f"{path}: no question could be answered", "see the warnings above")


@research_app.command("index")
def index(
    root: Annotated[Path | None, typer.Argument(help="A KB root. Default: the current folder.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Build the index again from scratch.")] = False,
    quiet: QuietOption = False,
) -> None:
    """Build or update the literature index of a KB (only changed cache files are read again).

    Example: dmkb research index examples/ankl
    """
    from dmkb.research.ask import open_library

    with StepProgress("indexing", quiet=quiet, bar_from=50) as progress:
        library = open_library(root or Path.cwd(), force=force, on_wait=_waiting(quiet),
                               on_progress=lambda done, total: progress("references", done, total))
    built = library.built
    count, _ = library.index.passage_count()
    rich_console(highlight=False).print(
        f"literature index: {built.added} added, {built.updated} updated, {built.removed} removed, "
        f"{built.unchanged} unchanged; {library.index.document_count():,} references, {count:,} passages"
        + (f", {built.statements:,} curated statements" if built.statements is not None else ""))
    rich_console(highlight=False).print(f"index: {escape(str(library.index.path))}")
    err = rich_console(stderr=True, highlight=False)
    for name, problem in built.problems:
        err.print(f"[yellow]warning:[/] {escape(name)}: {escape(problem)}")
    for note in library.notes:
        err.print(f"[dim]note: {escape(note)}[/]")


def register(app: typer.Typer) -> None:
    app.command()(ask)
    app.add_typer(research_app, name="research")
