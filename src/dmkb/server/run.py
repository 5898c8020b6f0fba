"""``dmkb serve``: build the site, serve it, and build again whenever the KB changes."""

from __future__ import annotations

import contextlib
import errno
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dmkb.errors import DmkbError, UsageError
from dmkb.load.layout import find_layout
from dmkb.server.app import create_app
from dmkb.server.state import SiteState
from dmkb.server.watch import KbWatcher
from dmkb.site.build import Progress, SiteReport, build_site


class PortTaken(UsageError):
    """Another program listens on the port."""


def listen_free(host: str, first: int, tries: int = 20) -> socket.socket:
    """A socket bound to ``host`` on ``first``, or on the next free port after it when it is taken."""
    for port in range(first, first + tries):
        with contextlib.suppress(PortTaken):
            return listen(host, port)
    return listen(host, 0)  # any port the system gives


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
            else:
                state.problem = None
                on_built(report)

    watcher = KbWatcher(root, build)
    watcher.start()
    threading.Thread(target=build, args=(on_progress,), name="dmkb-first-build", daemon=True).start()
    try:
        make_server(state).run(sockets=[sock])
    finally:
        watcher.stop()
        sys.stdout.flush()


def make_server(state: SiteState) -> Any:
    """The uvicorn server of the application serving ``state`` (started with ``.run(sockets=[…])``)."""
    import uvicorn

    config = uvicorn.Config(
        create_app(state),
        log_level="warning",
        access_log=False,
        http="h11",  # it bounds the size of request heads
        h11_max_incomplete_event_size=16 * 1024,
        loop="asyncio",
        timeout_keep_alive=5,
        limit_concurrency=512,
        server_header=False,
    )
    return uvicorn.Server(config)
