"""``dmkb serve``: build the site, serve it, and build again whenever the KB changes."""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dmkb.errors import DmkbError, UsageError
from dmkb.load.layout import find_layout
from dmkb.research.jobs import JobQueue
from dmkb.server.app import create_app
from dmkb.server.connections import HEAD_TIMEOUT, bounded_h11
from dmkb.server.limits import HostPolicy
from dmkb.server.state import SiteState
from dmkb.server.watch import KbWatcher
from dmkb.settings import setting_number
from dmkb.site.build import Progress, SiteReport, build_site


class PortTaken(UsageError):
    """Another program listens on the port."""


def listen_free(host: str, first: int, tries: int = 20) -> socket.socket:
    """A socket bound to ``host`` on ``first``, or on the next free port after it when it is taken."""
    for port in range(first, first + tries):
        with contextlib.suppress(PortTaken):
            return listen(host, port)
    return listen(host, 0)  # any port the system gives

logger = logging.getLogger(__name__)


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``. :raises UsageError: when it cannot be had (:class:`PortTaken`
    when another program listens on it)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"{host}: not an address to listen on ({exc.strerror})", "give an address such as 127.0.0.1") from exc
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted connections
    try:
        sock.bind(address)
        sock.listen(2048)  # from now on connections wait in the queue until the server takes them
    except OSError as exc:
        sock.close()
        error = PortTaken if exc.errno == errno.EADDRINUSE else UsageError
        raise error(f"cannot listen on {host}:{port} ({exc.strerror})", "choose another --port") from exc
    return sock


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


def host_of(sock: socket.socket) -> str:
    """The address ``sock`` is bound to."""
    return str(sock.getsockname()[0])


def make_server(state: SiteState, hosts: HostPolicy, *, head_timeout: float = HEAD_TIMEOUT,
                limit_concurrency: int = 512, jobs: JobQueue | None = None) -> Any:
    """The uvicorn server of the application serving ``state`` (started with ``.run(sockets=[…])``).

    :param hosts: the ``Host`` names requests may carry (see :class:`HostPolicy`).
    :param head_timeout: seconds a connection has to send a whole request head.
    :param jobs: the research questions it answers (none: it answers none).
    """
    import uvicorn

    config = uvicorn.Config(
        create_app(state, hosts, jobs),
        log_level="warning",
        access_log=False,
        http=bounded_h11(head_timeout),  # h11 bounds the size of request heads, and this their time
        h11_max_incomplete_event_size=16 * 1024,
        loop="asyncio",
        timeout_keep_alive=5,
        limit_concurrency=limit_concurrency,
        server_header=False,
    )
    return uvicorn.Server(config)
