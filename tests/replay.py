"""A real HTTP server on localhost that answers from recorded responses, for the fetcher tests.

Routes match a path and, optionally, some query parameters. Each route answers its replies
in turn and then repeats the last one, so "429, 429, then 200" is three replies. A reply may
be delayed (to make a client time out). Every request is logged for assertions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "refs"


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/xml; charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def recorded(name: str, status: int = 200) -> Reply:
    """A reply whose body is the fixture ``name``, typed by its extension."""
    kind = "application/json" if name.endswith(".json") else "text/xml; charset=UTF-8"
    return Reply(status, (FIXTURES / name).read_bytes(), kind)


def failure(status: int, retry_after: str | None = None) -> Reply:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    body = b'{"error":"API rate limit exceeded"}' if status == 429 else b"<html><body>Service Unavailable</body></html>"
    return Reply(status, body, "application/json" if status == 429 else "text/html", headers)


@dataclass
class _Route:
    path: str
    when: dict[str, str]
    replies: list[Reply]
    served: int = 0

    def next_reply(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


class ReplayServer:
    """Serve recorded replies at ``self.url`` until closed."""

    def __init__(self) -> None:
        self.routes: list[_Route] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, *replies: Reply, **when: str) -> None:
        """Answer GET ``path`` (with query parameters ``when``, if given) with ``replies`` in turn."""
        self.routes.append(_Route(path, when, list(replies)))

    def hits(self, path: str) -> list[dict[str, str]]:
        """The query parameters of every request made to ``path``."""
        return [query for p, query in self.requests if p == path]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _answer(self, path: str, query: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append((path, query))
            for route in self.routes:
                if route.path == path and all(query.get(k) == v for k, v in route.when.items()):
                    return route.next_reply()
        return Reply(404, f"no recording for {path} {query}".encode(), "text/plain")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                reply = server._answer(parts.path, dict(parse_qsl(parts.query)))
                time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, as it was meant to

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    replay = ReplayServer()
    yield replay
    replay.close()
