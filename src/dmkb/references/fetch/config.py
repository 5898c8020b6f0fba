"""Where the sources are and how to reach them, from the environment (see ``dmkb.settings``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from dmkb.errors import UsageError
from dmkb.references.fetch.http import HttpSettings

EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
CROSSREF_URL = "https://api.crossref.org"
CTGOV_URL = "https://clinicaltrials.gov/api/v2"


@dataclass(frozen=True)
class FetchConfig:
    """Base URLs of the services, the NCBI API key, a contact address and HTTP patience."""

    eutils_url: str = EUTILS_URL
    crossref_url: str = CROSSREF_URL
    ctgov_url: str = CTGOV_URL
    api_key: str | None = None
    email: str | None = None
    http: HttpSettings = field(default_factory=HttpSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> FetchConfig:
        """The configuration the environment asks for. :raises UsageError: on a bad value."""
        defaults = HttpSettings()
        return cls(
            eutils_url=_url(env, "DMKB_EUTILS_URL", EUTILS_URL),
            crossref_url=_url(env, "DMKB_CROSSREF_URL", CROSSREF_URL),
            ctgov_url=_url(env, "DMKB_CTGOV_URL", CTGOV_URL),
            api_key=env.get("NCBI_API_KEY") or None,
            email=env.get("DMKB_EMAIL") or None,
            http=HttpSettings(
                timeout=_number(env, "DMKB_HTTP_TIMEOUT", defaults.timeout, minimum=0.001),
                deadline=_number(env, "DMKB_HTTP_DEADLINE", defaults.deadline, minimum=0.001),
                max_bytes=int(_number(env, "DMKB_HTTP_MAX_MB", defaults.max_bytes / 2**20, minimum=0.001,
                                      kind="a number of MiB") * 2**20),
                retries=int(_number(env, "DMKB_HTTP_RETRIES", defaults.retries, minimum=0, whole=True)),
            ),
        )


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    if not value.startswith(("http://", "https://")):
        raise UsageError(f"{name}={value!r} is not an http(s) URL", f"unset {name} to use {default}")
    return value.rstrip("/")


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float, whole: bool = False,
            kind: str = "a number of seconds") -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value) if whole else float(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        kind = "a whole number" if whole else kind
        raise UsageError(f"{name}={value!r} is not {kind} of at least {minimum:g}", f"unset {name} for {default:g}")
    return number
