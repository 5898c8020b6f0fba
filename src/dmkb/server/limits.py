"""Refuse requests the server has no business reading, before the application sees them:
methods other than GET and HEAD, request bodies, very long URLs and headers, paths that climb
out (``..``) or carry control characters. Every response gets the site's security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from dmkb.site.policy import CONTENT_SECURITY_POLICY

MAX_TARGET = 2048  # bytes of path and query
MAX_HEADERS = 16 * 1024  # bytes of all headers together
MAX_BODY = 1024  # a GET may carry a small body; nothing is read from it

SECURITY_HEADERS = [
    (b"content-security-policy", f"{CONTENT_SECURITY_POLICY}; frame-ancestors 'none'".encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class RequestLimits:
    """ASGI middleware: answers bad requests with a 4xx itself, passes the rest on."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = refuse(scope)
        if refusal is not None:
            await _plain(send, *refusal)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                own = {name.lower() for name, _ in headers}  # a route may set its own policy
                message["headers"] = [*headers, *(h for h in SECURITY_HEADERS if h[0] not in own)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def refuse(scope: Scope) -> tuple[int, str] | None:
    """``(status, reason)`` when the request must be refused, else ``None``."""
    if scope["method"] not in ("GET", "HEAD"):
        return 405, "only GET and HEAD are served"
    raw = scope.get("raw_path") or scope["path"].encode("utf-8", "replace")
    if len(raw) + len(scope.get("query_string", b"")) > MAX_TARGET:
        return 414, "the URL is too long"
    headers = scope.get("headers", [])
    if sum(len(k) + len(v) for k, v in headers) > MAX_HEADERS:
        return 431, "the request headers are too large"
    for key, value in headers:
        if key == b"content-length" and (not value.isdigit() or int(value) > MAX_BODY):
            return 413, "the request body is too large"
        if key == b"transfer-encoding":
            return 413, "request bodies are not accepted"
    path = scope["path"]
    if any(ord(ch) < 32 or ch == "\\" for ch in path) or ".." in path.split("/"):
        return 400, "the path is not allowed"
    return None


async def _plain(send: Send, status: int, reason: str) -> None:
    body = f"{status}: {reason}\n".encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close"), *SECURITY_HEADERS]
    if status == 405:
        headers.append((b"allow", b"GET, HEAD"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
