"""Check ``schema``: every field is known, of the right type, within its enum; required ones present."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from dmkb.checks.context import CheckContext
from dmkb.checks.finding import Finding
from dmkb.entry_path import Path
from dmkb.schema.model import CLASSES, ENUMS, ROOT_CLASS, Slot

NAME = "schema"

_TYPES = {
    "string": "text",
    "integer": "a whole number",
    "float": "a number",
    "boolean": "true or false",
    "uriorcurie": "an id (PREFIX:local) or a URI",
    "uri": "a URI",
    "datetime": "a date and time",
    "date": "a date",
}


def check(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.data is None:
        return
    yield from _check_object(ctx, ctx.data, ROOT_CLASS, ())


def _check_object(ctx: CheckContext, value: Any, class_name: str, path: Path) -> Iterator[Finding]:
    slots = CLASSES[class_name]
    if not slots and class_name == "Any":
        return
    if not isinstance(value, dict):
        yield ctx.finding("error", path, f"expected a mapping of fields ({class_name}), found {_kind(value)}",
                          "write the fields as 'key: value' lines, indented under this one")
        return
    meant: set[str] = set()  # fields that misspelt keys stand for
    for key, item in value.items():
        slot = slots.get(key)
        if slot is None:
            close = difflib.get_close_matches(key, [s for s in slots if s not in value], n=1, cutoff=0.6)
            meant.update(close)
            yield _unknown_field(ctx, key, class_name, slots, close, (*path, key))
        elif item is not None:
            yield from _check_slot(ctx, item, slot, key, (*path, key))
    for key, slot in slots.items():
        if slot.required and value.get(key) is None and key not in meant:
            yield ctx.finding("error", path, f"{class_name} is missing its required field '{key}'",
                              f"add '{key}:' here")


def _unknown_field(
    ctx: CheckContext, key: str, class_name: str, slots: dict[str, Slot], close: list[str], path: Path
) -> Finding:
    hint = f"did you mean '{close[0]}'?" if close else f"{class_name} fields: {', '.join(sorted(slots))}"
    return ctx.finding("error", path, f"unknown field '{key}' in {class_name}", hint)


def _check_slot(ctx: CheckContext, value: Any, slot: Slot, key: str, path: Path) -> Iterator[Finding]:
    if slot.multivalued:
        if not isinstance(value, list):
            yield ctx.finding("error", path, f"'{key}' holds a list, found {_kind(value)}",
                              "write each value on its own line starting with '- '")
            return
        for index, item in enumerate(value):
            if item is not None:
                yield from _check_value(ctx, item, slot.ranges, (*path, index))
    elif isinstance(value, list):
        yield ctx.finding("error", path, f"'{key}' holds a single value, found a list",
                          "keep one value, or move the others to a field that takes a list")
    else:
        yield from _check_value(ctx, value, slot.ranges, path)
    if slot.deprecated:
        yield ctx.finding("info", path, f"'{key}' is deprecated", "prefer the newer fields of the schema")


def _check_value(ctx: CheckContext, value: Any, ranges: tuple[str, ...], path: Path) -> Iterator[Finding]:
    """Check one value against its ranges; with several (any_of), the first that fits wins."""
    if len(ranges) == 1:
        yield from _check_range(ctx, value, ranges[0], path)
        return
    results = [list(_check_range(ctx, value, rng, path)) for rng in ranges]
    if all(results):
        yield from results[0]


def _check_range(ctx: CheckContext, value: Any, rng: str, path: Path) -> Iterator[Finding]:
    if rng in CLASSES:
        yield from _check_object(ctx, value, rng, path)
    elif rng in ENUMS:
        yield from _check_enum(ctx, value, rng, path)
    else:
        yield from _check_type(ctx, value, _TYPES.get(rng, "text"), rng, path)


def _check_enum(ctx: CheckContext, value: Any, enum: str, path: Path) -> Iterator[Finding]:
    allowed = ENUMS[enum]
    if isinstance(value, str) and value in allowed:
        return
    close = [v for v in allowed if isinstance(value, str) and v.lower() == value.strip().lower()]
    close = close or difflib.get_close_matches(str(value).upper(), allowed, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else f"use one of: {', '.join(allowed)}"
    yield ctx.finding("error", path, f"'{value}' is not a value of {enum}", hint)


def _check_type(ctx: CheckContext, value: Any, expected: str, rng: str, path: Path) -> Iterator[Finding]:
    if rng == "integer" and isinstance(value, int) and not isinstance(value, bool):
        return
    if rng == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return
    if rng == "boolean" and isinstance(value, bool):
        return
    if rng not in ("integer", "float", "boolean"):
        if isinstance(value, str):
            return
        if isinstance(value, (int, float)):
            # a number where text is expected reads fine, but YAML may have changed it (1.10 -> 1.1)
            yield ctx.finding("warning", path, f"expected {expected}, found the number {value}",
                              "put the value in quotes")
            return
    yield ctx.finding("error", path, f"expected {expected}, found {_kind(value)}",
                      _type_hint(rng))


def _type_hint(rng: str) -> str:
    if rng == "boolean":
        return "write true or false"
    if rng in ("integer", "float"):
        return "write a number without quotes or units"
    return "write a single value on this line"


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"the text '{value}'"
