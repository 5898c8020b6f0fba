"""Refuse requests the server has no business reading, before the application sees them:
methods other than GET and HEAD (but POSTs of research questions, with small bodies), request
bodies, very long URLs and headers, paths that climb out (``..``) or carry control characters, and
``Host`` names the server was not bound for (a page of another site must not reach it through a
name of its own: DNS rebinding). Every response gets the site's security headers, and redirects
stay on the site (relative ``Location``)."""

from __future__ import annotations

import ipaddress
import json
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dmkb.settings import research_server
from dmkb.site.policy import content_security_policy

MAX_TARGET = 2048  # bytes of path and query
MAX_HEADERS = 16 * 1024  # bytes of all headers together
MAX_BODY = 1024  # a GET may carry a small body; nothing is read from it
MAX_QUESTION_BODY = 8 * 1024  # a research question (1,000 characters) and the disorder it is about, as JSON
# the only paths that take a POST (and its CORS preflight): asking and cancelling research questions
_POSTED = re.compile(r"/api/jobs(?:/[A-Za-z0-9_-]{1,64}/cancel)?")


def security_headers() -> list[tuple[bytes, bytes]]:
    """The headers of every response (the policy lets pages reach the research server a build names)."""
    policy = content_security_policy(research_server())
    return [
        (b"content-security-policy", f"{policy}; frame-ancestors 'none'".encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
    ]


Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class HostPolicy:
    """The names a request's ``Host`` may give: those of the address the server is bound to.

    Bound to one address: that address, its names, and for a loopback address ``localhost``.
    Bound to every address (``0.0.0.0``, ``::``): any address literal, the machine's names and
    ``localhost``. ``any_host`` accepts every name (for servers reached through a proxy's name).
    """

    names: frozenset[str]
    any_address: bool = False
    any_host: bool = False

    @classmethod
    def bound_to(cls, address: str) -> HostPolicy:
        ip = ipaddress.ip_address(address.split("%")[0])
        names = {str(ip)}
        if ip.is_loopback:
            names |= _LOOPBACK_NAMES
        if ip.is_unspecified:
            names |= _LOOPBACK_NAMES | {socket.gethostname().lower(), socket.getfqdn().lower()}
        return cls(frozenset(names), any_address=ip.is_unspecified)

    def allows(self, host_header: str | None) -> bool:
        if self.any_host or host_header is None:  # HTTP/1.0 may send none; browsers always do
            return True
        host = _host_name(host_header)
        if host in self.names:
            return True
        if self.any_address:
            try:
                ipaddress.ip_address(host)
            except ValueError:
                return False
            return True
        return False


ANY_HOST = HostPolicy(frozenset(), any_host=True)


def _host_name(header: str) -> str:
    """The name of a ``Host`` header, without its port: ``[::1]:8000`` → ``::1``."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    name, colon, port = value.rpartition(":")
    return (name if colon and port.isdigit() else value).rstrip(".")


class RequestLimits:
    """ASGI middleware: answers bad requests with a 4xx itself, passes the rest on."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], hosts: HostPolicy = ANY_HOST) -> None:
        self.app = app
        self.hosts = hosts
        self.headers = security_headers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = refuse(scope, self.hosts)
        if refusal is not None:
            await _plain(send, *refusal, self.headers, as_json=scope["path"].startswith("/api/jobs"))
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [(name, _relative(value) if name.lower() == b"location" else value)
                           for name, value in message.get("headers", [])]
                own = {name.lower() for name, _ in headers}  # a route may set its own policy
                message["headers"] = [*headers, *(h for h in self.headers if h[0] not in own)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _relative(location: bytes) -> bytes:
    """A redirect's target without scheme and host: it can only lead to this same site."""
    parts = urlsplit(location.decode("latin-1"))
    if not (parts.scheme or parts.netloc):
        return location
    path = "/" + parts.path.lstrip("/")  # "//evil.example" would name a host too
    return urlunsplit(("", "", path, parts.query, parts.fragment)).encode("latin-1")


def refuse(scope: Scope, hosts: HostPolicy = ANY_HOST) -> tuple[int, str] | None:
    """``(status, reason)`` when the request must be refused, else ``None``."""
    host = next((value.decode("latin-1") for key, value in scope.get("headers", []) if key == b"host"), None)
    if not hosts.allows(host):
        return 421, "this server does not answer for that host name"
    method = scope["method"]
    posted = method in ("POST", "OPTIONS") and _POSTED.fullmatch(scope["path"])
    if method not in ("GET", "HEAD") and not posted:
        return 405, "only GET and HEAD are served"
    raw = scope.get("raw_path") or scope["path"].encode("utf-8", "replace")
    if len(raw) + len(scope.get("query_string", b"")) > MAX_TARGET:
        return 414, "the URL is too long"
    headers = scope.get("headers", [])
    if sum(len(k) + len(v) for k, v in headers) > MAX_HEADERS:
        return 431, "the request headers are too large"
    largest = MAX_QUESTION_BODY if method == "POST" else MAX_BODY
    for key, value in headers:
        if key == b"content-length" and (not value.isdigit() or int(value) > largest):
            return 413, "the request body is too large"
        if key == b"transfer-encoding":
            return 413, "request bodies are accepted only with a Content-Length" if method == "POST" \
                else "request bodies are not accepted"
    path = scope["path"]
    if any(ord(ch) < 32 or ch == "\\" for ch in path) or ".." in path.split("/"):
        return 400, "the path is not allowed"
    return None


async def _plain(send: Send, status: int, reason: str, security: list[tuple[bytes, bytes]], *,
                 as_json: bool = False) -> None:
    """The refusal as text, or in the research service's shape (``{"error": …}``) for its routes."""
    body = json.dumps({"error": reason}).encode() if as_json else f"{status}: {reason}\n".encode()
    kind = b"application/json" if as_json else b"text/plain; charset=utf-8"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close"), *security]
    if status == 405:
        headers.append((b"allow", b"GET, HEAD"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
