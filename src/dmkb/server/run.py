"""``dmkb serve``: build the site, serve it, and build again whenever the KB changes."""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dmkb.errors import DmkbError, UsageError
from dmkb.load.layout import find_layout
from dmkb.server.app import create_app
from dmkb.server.connections import HEAD_TIMEOUT, bounded_h11
from dmkb.server.limits import HostPolicy
from dmkb.server.state import SiteState
from dmkb.server.watch import KbWatcher
from dmkb.site.build import SiteReport, build_site

logger = logging.getLogger(__name__)


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``. :raises UsageError: when it cannot be had."""
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
        raise UsageError(f"cannot listen on {host}:{port} ({exc.strerror})", "choose another --port") from exc
    return sock


def serve(
    inputs: Sequence[str | Path],
    out: Path,
    sock: socket.socket,
    *,
    on_built: Callable[[SiteReport], None],
    on_rebuild_error: Callable[[DmkbError], None],
) -> None:
    """Build the site into ``out``, then serve it on ``sock`` until interrupted.

    :param on_built: called after the first build and after every rebuild.
    :param on_rebuild_error: called when a rebuild fails; the last good build stays served.
    """
    root = find_layout(inputs).root
    on_built(build_site(inputs, out))
    state = SiteState(out.resolve())

    def rebuild() -> None:
        try:
            report = build_site(inputs, out)
            state.reload()
        except DmkbError as exc:
            on_rebuild_error(exc)
        except Exception as exc:  # noqa: BLE001 - a bug must not stop the rebuilds of later changes
            logger.exception("rebuild failed")
            on_rebuild_error(DmkbError(f"internal error: {exc!r}", "this is a bug in dmkb; please report it"))
        else:
            on_built(report)

    watcher = KbWatcher(root, rebuild)
    watcher.start()
    try:
        make_server(state, HostPolicy.bound_to(host_of(sock))).run(sockets=[sock])
    finally:
        watcher.stop()
        sys.stdout.flush()


def host_of(sock: socket.socket) -> str:
    """The address ``sock`` is bound to."""
    return str(sock.getsockname()[0])


def make_server(state: SiteState, hosts: HostPolicy, *, head_timeout: float = HEAD_TIMEOUT,
                limit_concurrency: int = 512) -> Any:
    """The uvicorn server of the application serving ``state`` (started with ``.run(sockets=[…])``).

    :param hosts: the ``Host`` names requests may carry (see :class:`HostPolicy`).
    :param head_timeout: seconds a connection has to send a whole request head.
    """
    import uvicorn

    config = uvicorn.Config(
        create_app(state, hosts),
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
