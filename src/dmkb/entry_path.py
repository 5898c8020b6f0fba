"""Where a value is in an entry: the keys and list indexes leading to it, and how findings and pages
write it (``phenotypes[3].evidence[1].snippet``)."""

from __future__ import annotations

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """Write a path the way findings show it: ``phenotypes[3].evidence[1].snippet``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            out.append(f".{part}" if out else str(part))
    return "".join(out)
