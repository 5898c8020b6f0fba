"""Reading an HTTP answer within a deadline and a size cap, so that a server sending one byte a
second, or sending without end, can neither hang a run nor exhaust its memory. Used by the
reference fetchers and by the research writer."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx


class TooLate(Exception):
    """The answer was still coming at the deadline."""


class TooLarge(Exception):
    """The answer is (or announces itself) larger than the cap."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {limit / 2**20:g} MiB")
        self.limit = limit


def read_bounded(client: httpx.Client, method: str, url: str, *, deadline: float, max_bytes: int,
                 **request: Any) -> httpx.Response:
    """The whole response to one request, read within ``deadline`` seconds and ``max_bytes``
    (decompressed); ``request`` holds httpx's request arguments (params, json, headers).

    The request runs in a thread of its own, so that a server dripping even its status line or
    headers (where httpx's timeouts apply to each read, not to the whole) cannot hold the caller
    past the deadline; such a thread is left to end with its connection.

    :raises TooLate: when the answer is still coming at the deadline.
    :raises TooLarge: when it is larger than the cap.
    :raises httpx.HTTPError: as httpx does (connection, timeout between bytes, …).
    """
    outcome: list[httpx.Response | BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append(_read(client, method, url, time.monotonic() + deadline, max_bytes, request))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="dmkb-http-request", daemon=True).start()
    if not done.wait(deadline):
        raise TooLate()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _read(client: httpx.Client, method: str, url: str, ends: float, max_bytes: int,
          request: dict[str, Any]) -> httpx.Response:
    with client.stream(method, url, **request) as streamed:
        declared = streamed.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise TooLarge(max_bytes)
        body = bytearray()
        for chunk in streamed.iter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise TooLarge(max_bytes)
            if time.monotonic() > ends:
                raise TooLate()
        headers = [(k, v) for k, v in streamed.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx.Response(streamed.status_code, headers=headers, content=bytes(body), request=streamed.request)
