"""What derived data depends on besides its inputs: dmkb's own code."""

from __future__ import annotations

import hashlib
import os
from functools import cache

import dmkb

_NOT_CODE = {"__pycache__", "node_modules"}  # the site's JavaScript packages: thousands of folders


@cache
def code_signature() -> str:
    """Changes whenever dmkb's code does, so nothing derived by older code is ever reused."""
    package = os.path.dirname(dmkb.__file__)
    parts = [dmkb.__version__]
    for directory, folders, files in os.walk(package):
        folders[:] = sorted(f for f in folders if f not in _NOT_CODE)
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                stat = os.stat(path)
                parts.append(f"{os.path.relpath(path, package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
