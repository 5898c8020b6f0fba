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
)


def dmkb_home() -> Path:
    """The folder for dmkb's own caches (see ``DMKB_HOME``)."""
    configured = os.environ.get("DMKB_HOME")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dmkb"
