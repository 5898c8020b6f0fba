"""Listen on a port and run the server on a built site (:mod:`dmkb.pipeline.serve` builds it)."""

from __future__ import annotations

import contextlib
import errno
import socket
from typing import Any

from dmkb.errors import UsageError
from dmkb.research.jobs import JobQueue
from dmkb.server.app import create_app
from dmkb.server.connections import HEAD_TIMEOUT, bounded_h11
from dmkb.server.limits import HostPolicy
from dmkb.server.state import SiteState


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
