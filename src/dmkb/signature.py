"""What derived data depends on besides its inputs: dmkb's own code."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import dmkb


@cache
def code_signature() -> str:
    """Changes whenever dmkb's code does, so nothing derived by older code is ever reused."""
    package = Path(dmkb.__file__).parent
    parts = [dmkb.__version__]
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        parts.append(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
