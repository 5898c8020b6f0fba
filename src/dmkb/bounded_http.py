"""Reading an HTTP answer within a deadline and a size cap, so that a server sending one byte a
second, or sending without end, can neither hang a run nor exhaust its memory. Used by the
reference fetchers and by the research writer."""

from __future__ import annotations

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

    :raises TooLate: when the answer is still coming at the deadline.
    :raises TooLarge: when it is larger than the cap.
    :raises httpx.HTTPError: as httpx does (connection, timeout between bytes, …).
    """
    ends = time.monotonic() + deadline
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
