"""The one HTTP client the fetchers share: base URL, rate limit, timeouts, retries with backoff.

Each source gets its own :class:`SourceClient` (its own base URL and rate). Answers 429 and
5xx, timeouts and dropped connections are retried after a pause that doubles each time (or
what ``Retry-After`` asks, within reason); 404 means the record does not exist; any other
4xx is the request's fault and is not retried.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from dmkb import __version__
from dmkb.bounded_http import TooLarge, TooLate, read_bounded
from dmkb.errors import DmkbError


class SourceError(DmkbError):
    """A source did not give the record asked for."""


class SourceUnavailable(SourceError):
    """A source kept failing (5xx, 429, timeouts, no connection) through every retry; the
    client then fails at once for the rest of its life rather than wait on the source again."""


class NotFound(SourceError):
    """The source has no such record (HTTP 404)."""


class BadResponse(SourceError):
    """The source answered, but not with something that can be read."""


@dataclass(frozen=True)
class HttpSettings:
    """How patient to be with a source."""

    timeout: float = 30.0  # seconds to connect, and between bytes read
    deadline: float = 120.0  # seconds for a whole answer, however slowly it comes
    max_bytes: int = 64 * 2**20  # the largest answer taken (decompressed)
    retries: int = 4  # further tries after the first
    backoff: float = 0.5  # seconds before the first retry; doubled for each further one
    max_wait: float = 60.0  # the longest pause, whatever Retry-After asks


class RateLimiter:
    """At most ``per_second`` requests a second, spaced evenly."""

    def __init__(self, per_second: float, sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / per_second
        self._next = 0.0
        self._lock = threading.Lock()
        self._sleep = sleep

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            self._sleep(delay)


class SourceClient:
    """GET requests to one service, politely."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        per_second: float,
        settings: HttpSettings = HttpSettings(),
        params: Mapping[str, str] | None = None,
        setting_name: str | None = None,
        contact: str | None = None,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """
        :param name: the service as messages name it ("PubMed").
        :param params: query parameters sent with every request (an API key, the tool's name).
        :param setting_name: the environment variable that sets ``base_url``, for hints.
        :param client: an ``httpx.Client`` to use instead of a new one.
        :param sleep: how to pause between retries (tests record the pauses instead).
        """
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.settings = settings
        self.params = dict(params or {})
        self.setting_name = setting_name
        self.limiter = RateLimiter(per_second)
        self._down: SourceUnavailable | None = None
        self._sleep = sleep
        agent = f"dmkb/{__version__}" + (f" (mailto:{contact})" if contact else "")
        self._client = client or httpx.Client(
            timeout=settings.timeout, follow_redirects=True, headers={"User-Agent": agent}
        )

    def close(self) -> None:
        self._client.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        """GET ``base_url/path``; a successful response, after retries if need be.

        :raises NotFound: on 404 or 410.
        :raises SourceUnavailable: when every try failed.
        :raises BadResponse: on any other 4xx.
        """
        if self._down is not None:  # it stayed down through every retry: do not wait on it again
            raise self._down
        url = f"{self.base_url}/{path.lstrip('/')}"
        query = {**self.params, **(params or {})}
        tries = self.settings.retries + 1
        problem = ""
        for attempt in range(tries):
            self.limiter.wait()
            outcome, wait = self._try(url, query, attempt)
            if isinstance(outcome, httpx.Response):
                return outcome
            problem = outcome
            if attempt + 1 < tries:
                self._sleep(wait)
        self._down = SourceUnavailable(
            f"{self.name} ({self.base_url}) is not answering: {problem} "
            f"(tried {'once' if tries == 1 else f'{tries} times'})",
            "try again later" + (f"; check {self.setting_name}" if self.setting_name else ""),
        )
        raise self._down

    def _try(self, url: str, query: dict[str, Any], attempt: int) -> tuple[httpx.Response | str, float]:
        """One request: the response, or what went wrong and how long to wait before the next."""
        backoff = min(self.settings.backoff * 2**attempt, self.settings.max_wait)
        try:
            response = self._get(url, query)
        except TooLate:
            return f"no whole answer within {self.settings.deadline:g} s", backoff
        except httpx.TimeoutException:
            return f"no answer within {self.settings.timeout:g} s", backoff
        except httpx.TooManyRedirects as exc:
            raise BadResponse(f"{self.name} redirects in a loop for {url}", "check the id, or try again later") from exc
        except httpx.TransportError as exc:
            return f"cannot connect ({exc})", backoff
        except httpx.HTTPError as exc:  # a redirect to a bad URL, a body that cannot be decoded
            raise BadResponse(f"{self.name} gave an answer that cannot be read ({exc})") from exc
        status = response.status_code
        if status < 300:
            return response, 0.0
        if status in (404, 410):
            raise NotFound(f"{self.name} has no {response.request.url.path}")
        if status == 429 or status >= 500:
            return f"HTTP {status}", _retry_after(response, self.settings.max_wait, backoff)
        excerpt = " ".join(response.text.split())[:200]
        raise BadResponse(f"{self.name} refused the request: HTTP {status} {excerpt}".rstrip(),
                          "check the id; the source could not make sense of it")

    def _get(self, url: str, query: dict[str, Any]) -> httpx.Response:
        """The whole response, read within the deadline and the size cap.

        :raises TooLate: when the answer is still coming at the deadline.
        :raises BadResponse: when it is larger than the cap.
        """
        try:
            return read_bounded(self._client, "GET", url, params=query, deadline=self.settings.deadline,
                                max_bytes=self.settings.max_bytes)
        except TooLarge as exc:
            raise BadResponse(f"{self.name}'s answer is {exc}; it was not read",
                              "raise DMKB_HTTP_MAX_MB if such answers are expected") from None


def json_of(response: httpx.Response, what: str) -> Any:
    """The JSON of a response. :raises BadResponse: naming ``what`` when it is not JSON, or is nested
    too deeply to read."""
    try:
        return response.json()
    except (ValueError, RecursionError) as exc:
        raise BadResponse(f"{what} is not readable JSON"
                          + (" (nested too deeply)" if isinstance(exc, RecursionError) else "")) from exc


def _retry_after(response: httpx.Response, limit: float, default: float) -> float:
    """The pause a ``Retry-After`` header asks for (seconds or a date), at most ``limit``."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return default
    if value.isdigit():
        return min(float(value), limit)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return min(max(0.0, when.timestamp() - time.time()), limit)
