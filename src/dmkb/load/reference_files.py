"""Read one cached reference: YAML front matter, then ``# Title``, then the text.

This is the cache format of dismech and linkml-reference-validator. Real files vary: ids
quoted or bare, extra keys, no trailing newline, sometimes no front matter at all.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(frozen=True)
class ReferenceText:
    """A cached reference as read from disk."""

    metadata: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    text: str = ""
    problem: str | None = None  # why the front matter could not be read, if it could not


def parse_reference(text: str) -> ReferenceText:
    """Split a cache file's text into front matter, title and body. Never raises."""
    metadata: dict[str, Any] = {}
    problem = None
    body = text
    first, _, rest = text.partition("\n")
    if first.rstrip() != "---" and (set(first.strip()) == {"-"} or first.startswith("reference_id:")):
        problem = f"the front matter's opening line is {first.strip()!r}, not '---'" if "-" in first else \
            "the front matter has no opening '---' line"
    elif first.rstrip() == "---":
        rest = "\n" + rest
        end = rest.find("\n---")
        if end == -1:
            problem = "the front matter is not closed by a '---' line"
        else:
            front, body = rest[1:end], rest[end + 4 :].lstrip("-").lstrip("\n")
            try:
                loaded = yaml.load(front, Loader=_Loader)
            except yaml.YAMLError as exc:
                problem = f"the front matter is not valid YAML ({str(exc).splitlines()[0]})"
            except (ValueError, RecursionError) as exc:  # a value YAML reads but Python cannot hold
                problem = f"the front matter cannot be read ({_reason(exc)})"
            else:
                if isinstance(loaded, dict):
                    metadata = loaded
                elif loaded is not None:
                    problem = "the front matter is not a mapping"
    title = metadata.get("title")
    if not isinstance(title, str) or not title.strip():
        title = _markdown_title(body)
    return ReferenceText(metadata=metadata, title=title, text=body, problem=problem)


def _reason(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    if "digits" in str(exc):
        return f"it holds an integer of more than {sys.get_int_max_str_digits()} digits"
    return str(exc).split(";")[0]


def _markdown_title(body: str) -> str | None:
    for line in body.split("\n", 20)[:20]:
        if line.startswith("# "):
            return line[2:].strip() or None
    return None
