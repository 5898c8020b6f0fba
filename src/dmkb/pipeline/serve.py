"""``dmkb serve``: build the site, serve it, and build again whenever a file of the KB changes; or serve
a compiled KB alone."""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from dmkb.compile.incremental import CompileReport
from dmkb.compile.read import connect_readonly, read_meta
from dmkb.compile.schema import SCHEMA_VERSION
from dmkb.errors import DmkbError, UsageError
from dmkb.fs import exclusive, write_atomic
from dmkb.load.layout import find_layout
from dmkb.pipeline.build import build_site
from dmkb.pipeline.watch import KbWatcher
from dmkb.research.jobs import JobQueue
from dmkb.server.limits import HostPolicy
from dmkb.server.run import host_of, make_server
from dmkb.server.state import SiteState
from dmkb.settings import setting_number
from dmkb.site.build import DB_NAME, LOCK, Progress, SiteReport, check_output, claim_output, write_site

logger = logging.getLogger(__name__)


def serve(
    inputs: Sequence[str | Path],
    out: Path,
    sock: socket.socket,
    *,
    on_built: Callable[[SiteReport], None],
    on_build_error: Callable[[DmkbError], None],
    on_progress: Progress | None = None,
) -> None:
    """Serve the site in ``out`` on ``sock`` until interrupted, building it in the background at once
    and again whenever a file of the KB changes. Until the first build is done, pages say that the
    site is being built (an earlier build in ``out`` is served meanwhile).

    :param on_built: called after the first build and after every rebuild.
    :param on_build_error: called when a build fails; the last good build stays served.
    :param on_progress: follows the first build.
    """
    root = find_layout(inputs).root
    state = SiteState(out.resolve())
    one_at_a_time = threading.Lock()

    def build(progress: Progress | None = None) -> None:
        with one_at_a_time:
            try:
                report = build_site(inputs, out, on_progress=progress)
                state.reload()
            except DmkbError as exc:
                state.problem = exc.message
                on_build_error(exc)
            except Exception as exc:  # noqa: BLE001 - a bug must not stop the rebuilds of later changes
                logger.exception("build failed")
                error = DmkbError(f"internal error: {exc!r}", "this is a bug in dmkb; please report it")
                state.problem = error.message
                on_build_error(error)
            else:
                state.problem = None
                on_built(report)

    watcher = KbWatcher(root, build)
    watcher.start()
    threading.Thread(target=build, args=(on_progress,), name="dmkb-first-build", daemon=True).start()
    jobs = research_jobs(root, state)
    jobs.start()
    try:
        make_server(state, HostPolicy.bound_to(host_of(sock)), jobs=jobs).run(sockets=[sock])
    finally:
        watcher.stop()
        jobs.stop()
        sys.stdout.flush()


def research_jobs(root: Path, state: SiteState) -> JobQueue:
    """The research questions of the KB at ``root``, kept in ``DMKB_HOME`` beside its literature index
    and answered from the served ``kb.sqlite`` (call ``start()``)."""
    from dmkb.research.ask import library_dir
    from dmkb.research.job_answer import STEPS, make_runner
    from dmkb.research.jobs import JobStore

    store = JobStore(library_dir(root) / "jobs.sqlite")
    workers = int(setting_number("DMKB_RESEARCH_WORKERS", 2, least=1))
    return JobQueue(store, make_runner(root, state.db_path), workers=workers, steps=STEPS)


def serve_compiled(db_path: Path, out: Path, sock: socket.socket, *, on_built: Callable[[SiteReport], None]) -> None:
    """Serve the compiled KB ``db_path`` (the ``kb.sqlite`` of a build) on ``sock`` until interrupted, with
    its site written into ``out`` from it alone. Nothing is rebuilt and no research question is
    answered: both need the KB's files.

    :raises UsageError: when ``db_path`` is no compiled KB this dmkb can read, or ``out`` is not a site folder.
    """
    check_compiled(db_path)
    out = out.resolve()
    check_output(out)
    out.mkdir(parents=True, exist_ok=True)
    with exclusive(out, LOCK):
        check_output(out)
        claim_output(out)
        data = db_path.read_bytes()
        target = out / DB_NAME
        if not target.is_file() or target.read_bytes() != data:
            write_atomic(target, data, mode=0o644)
        report = write_site(out, CompileReport(db_path.parent, target, stems=_stems(target)))
    state = SiteState(out)
    state.reload()
    on_built(report)
    make_server(state, HostPolicy.bound_to(host_of(sock))).run(sockets=[sock])
    sys.stdout.flush()


def check_compiled(db_path: Path) -> None:
    """:raises UsageError: when ``db_path`` is no compiled KB this dmkb can read."""
    version = read_meta(db_path, "schema_version")
    if version is None:
        raise UsageError(f"{db_path}: not a compiled knowledge base", "give the kb.sqlite written by dmkb build")
    if version != SCHEMA_VERSION:
        raise UsageError(f"{db_path}: compiled by another version of dmkb (format {version}, this one reads "
                         f"{SCHEMA_VERSION})", "compile it again: dmkb build ROOT --out DIR")


def _stems(db_path: Path) -> list[str]:
    with contextlib.closing(connect_readonly(db_path)) as conn:
        return [stem for (stem,) in conn.execute("SELECT stem FROM disorders ORDER BY file")]
