"""Ways through a disorder entry's values, shared by the checks, the compiler, the term sync and
the readers of compiled entries. Never trust the shape of the data: these walks skip whatever is
not where it should be (the schema check reports that)."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator
from typing import Any

from dmkb.entry_path import Path
from dmkb.schema.model import CLASSES, ROOT_CLASS, TERM_BINDINGS

EVIDENCE_KEYS = frozenset({"evidence", "literature_evidence"})
TERM_KEYS = frozenset({"term", "loinc_term"})
_STEP = re.compile(r"([A-Za-z_][\w-]*)|\[(\d+)\]")


def mappings(value: Any, path: Path = ()) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every mapping in ``value``, depth first, with its path."""
    stack = [(path, value)]
    push = stack.append
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            yield path, value
            for key, item in reversed(value.items()):
                if isinstance(item, (dict, list)):
                    push(((*path, key), item))
        elif isinstance(value, list):
            for index in range(len(value) - 1, -1, -1):
                if isinstance(value[index], (dict, list)):
                    push(((*path, index), value[index]))


def evidence_items(data: Any) -> list[tuple[Path, dict[str, Any]]]:
    """Evidence items: the mappings listed under an ``evidence`` key.

    The compiler and several checks ask in turn for those of one entry's data (never changed once
    read): the last answer is kept for the same object."""
    global _last_evidence
    if _last_evidence is not None and _last_evidence[0] is data:
        return _last_evidence[1]
    found = [(path, mapping) for path, mapping in mappings(data)
             if len(path) >= 2 and isinstance(path[-1], int) and path[-2] in EVIDENCE_KEYS]
    _last_evidence = (data, found)
    return found


_last_evidence: tuple[Any, list[tuple[Path, dict[str, Any]]]] | None = None


def term_references(data: Any) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Ontology term references: the ``{id, label}`` mappings under a ``term`` key."""
    for path, mapping in mappings(data):
        if path and path[-1] in TERM_KEYS:
            yield path, mapping


def items(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """The mappings of a list, with their indexes; nothing when ``value`` is not a list."""
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def text(value: Any) -> str | None:
    """``value`` when it is a non-empty string, else ``None``."""
    return value if isinstance(value, str) and value.strip() else None


def lenient_get(mapping: dict[str, Any], key: str) -> Any:
    """``mapping[key]``, or the value of a misspelt form of ``key`` when the key is absent.

    The schema check reports a misspelt key once; reading through it here keeps one typo
    from also breaking the graph around it.
    """
    if key in mapping:
        return mapping[key]
    for other, value in mapping.items():
        if isinstance(other, str) and _close(other, key):
            return value
    return None


@functools.lru_cache(maxsize=8192)  # the same few keys are compared in every entry
def _close(a: str, b: str) -> bool:
    if 2 * min(len(a), len(b)) < 0.8 * (len(a) + len(b)):  # lengths too far apart for a ratio of 0.8
        return False
    matcher = difflib.SequenceMatcher(None, a, b)
    # the quick ratios are upper bounds of the ratio: most keys are ruled out without computing it
    return matcher.real_quick_ratio() >= 0.8 and matcher.quick_ratio() >= 0.8 and matcher.ratio() >= 0.8


# the class of each class's fields that hold mappings of a class: class -> field -> class
_CHILD_CLASSES = {name: {key: child for key, slot in slots.items()
                         if (child := next((r for r in slot.ranges if r in CLASSES), None))}
                  for name, slots in CLASSES.items()}


def typed_mappings(data: Any, class_name: str = ROOT_CLASS, path: Path = ()) -> Iterator[tuple[Path, str, dict]]:
    """Every mapping the schema gives a class to, with its path and class name, depth first."""
    stack = [(path, class_name, data)]
    while stack:
        path, class_name, data = stack.pop()
        if not isinstance(data, dict):
            continue
        yield path, class_name, data
        children = _CHILD_CLASSES.get(class_name, {})
        below = []
        for key, value in data.items():
            child_class = children.get(key)
            if child_class is None:
                continue
            if isinstance(value, list):
                below.extend(((*path, key, i), child_class, item) for i, item in enumerate(value))
            else:
                below.append(((*path, key), child_class, value))
        stack.extend(reversed(below))


def bound_terms(data: Any) -> Iterator[tuple[Path, str, dict[str, Any]]]:
    """Term references whose slot binds them to an ontology: ``(path, term enum, {id, label})``."""
    for path, class_name, mapping in typed_mappings(data):
        binding = TERM_BINDINGS.get(class_name)
        term = mapping.get("term")
        if binding and isinstance(term, dict):
            yield (*path, "term"), binding, term


def value_at(data: Any, path: str) -> Any:
    """The value at a path written as findings and ``kb.sqlite`` write it
    (``stages[0].pathophysiology[1]``, see :func:`dmkb.entry_path.format_path`), or ``None``."""
    value = data
    for key, index in _STEP.findall(path):
        if key:
            value = value.get(key) if isinstance(value, dict) else None
        else:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
    return value
