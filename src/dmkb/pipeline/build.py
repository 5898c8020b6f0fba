"""``dmkb build``: compile the KB's files into ``OUT/kb.sqlite`` (with what ``dmkb validate`` finds in
each), then write its site into ``OUT``, one build at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from dmkb.compile.incremental import compile_kb
from dmkb.fs import exclusive
from dmkb.site.build import DB_NAME, LOCK, Progress, SiteReport, check_output, claim_output, write_site
from dmkb.validate import CompileChecks


def build_site(inputs: Sequence[str | Path], out: Path, *, on_progress: Progress | None = None,
               on_wait: Callable[[], None] | None = None) -> SiteReport:
    """Compile the KB of ``inputs`` and write its site into ``out``, one build at a time.

    :param on_wait: called when another build is writing into ``out``, before waiting for it.
    :raises UsageError: when ``out`` holds other files than an earlier build's, or the inputs are no KB.
    :raises LoadError: when the KB cannot be read.
    """
    out = out.resolve()
    check_output(out)
    out.mkdir(parents=True, exist_ok=True)
    with exclusive(out, LOCK, on_wait):
        check_output(out)  # as the build that held the lock left it
        claim_output(out)
        done = {"n": 0}

        def compiled_one(_name: str, total: int) -> None:
            done["n"] += 1
            if on_progress:
                on_progress("compiling", done["n"], total)

        compiled = compile_kb(inputs, out / DB_NAME, on_file=compiled_one, checks=CompileChecks())
        return write_site(out, compiled, on_progress)
