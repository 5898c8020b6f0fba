"""Answers of a hostile HTTP server, for the handlers of test servers: a body dripped a byte every
50 ms, headers dripped the same way, and a chunked body without end. Each ends quietly when the
client hangs up, as it is meant to."""

from __future__ import annotations

import contextlib
import time
from http.server import BaseHTTPRequestHandler

_PAUSE = 0.05  # seconds between dripped bytes: longer in all than any deadline of the tests


def drip_body(handler: BaseHTTPRequestHandler) -> None:
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        handler.send_response(200)
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        for _ in range(100_000):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(_PAUSE)


def drip_headers(handler: BaseHTTPRequestHandler) -> None:
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"s" * 100_000:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(_PAUSE)


def endless_body(handler: BaseHTTPRequestHandler) -> None:
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = b" " * 65536
        while True:
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
