"""Generate ``model.py`` from the LinkML schema ``dmkb.yaml``.

The model is what the checks use at run time: for every class, each slot it allows (its own
and those it inherits through ``is_a``) with range, multiplicity and whether it is required;
the permissible values of every enum; and the ontology binding of every term slot. Reading
it is a plain import, so validation never has to parse the schema.

Run ``python -m dmkb.schema.generate`` after changing the schema; a test fails when the
checked-in model is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path
from pprint import pformat
from typing import Any

import yaml

SCHEMA = Path(__file__).with_name("dmkb.yaml")
MODEL = Path(__file__).with_name("model.py")

_HEADER = '''"""The dmkb schema as Python data. GENERATED from dmkb.yaml by dmkb.schema.generate: do not edit."""

from typing import NamedTuple


class Slot(NamedTuple):
    """A slot as a class uses it: ranges (several for any_of), list or single, required or not."""

    ranges: tuple[str, ...]
    multivalued: bool = False
    required: bool = False
    deprecated: bool = False

'''


def build_model(schema: dict[str, Any]) -> dict[str, Any]:
    """The run-time model of a parsed LinkML schema."""
    classes: dict[str, Any] = schema.get("classes") or {}
    enums: dict[str, Any] = schema.get("enums") or {}
    return {
        "SCHEMA_VERSION": str(schema.get("version", "")),
        "ROOT_CLASS": "Disease",
        "CLASSES": {name: _class_slots(name, classes) for name in classes},
        "ENUMS": {
            name: tuple(spec["permissible_values"])
            for name, spec in enums.items()
            if spec and spec.get("permissible_values")
        },
        "TERM_BINDINGS": {
            name: spec["annotations"]["term_binding"]
            for name, spec in classes.items()
            if (spec.get("annotations") or {}).get("term_binding")
        },
        "ONTOLOGY_ROOTS": {
            name: tuple(spec["reachable_from"]["source_nodes"])
            for name, spec in enums.items()
            if spec and spec.get("reachable_from")
        },
        "TERM_PREFIXES": {name: prefixes for name, spec in enums.items() if (prefixes := _term_prefixes(spec))},
    }


def _term_prefixes(spec: dict[str, Any] | None) -> tuple[str, ...]:
    """The id prefixes a term enum admits: those of its roots and any declared in ``id_prefixes``."""
    spec = spec or {}
    roots = (spec.get("reachable_from") or {}).get("source_nodes") or []
    declared = str((spec.get("annotations") or {}).get("id_prefixes") or "").split()
    prefixes = {root.partition(":")[0] for root in roots} | set(declared)
    return tuple(sorted(prefixes, key=str.lower))


def _class_slots(name: str, classes: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    spec = classes[name] or {}
    slots = dict(_class_slots(spec["is_a"], classes)) if spec.get("is_a") else {}
    for slot, attr in (spec.get("attributes") or {}).items():
        attr = attr or {}
        ranges = tuple(alt["range"] for alt in attr["any_of"]) if "any_of" in attr else (
            attr.get("range", "string"),
        )
        slots[slot] = (
            ranges,
            bool(attr.get("multivalued")),
            bool(attr.get("required")),
            bool(attr.get("deprecated")),
        )
    return slots


def render_model(model: dict[str, Any]) -> str:
    """The source text of ``model.py``."""
    parts = [_HEADER]
    parts.append(f"SCHEMA_VERSION = {model['SCHEMA_VERSION']!r}\n")
    parts.append(f"ROOT_CLASS = {model['ROOT_CLASS']!r}\n\n")
    parts.append("CLASSES: dict[str, dict[str, Slot]] = {\n")
    for name, slots in model["CLASSES"].items():
        parts.append(f"    {name!r}: {{\n")
        for slot, (ranges, multivalued, required, deprecated) in slots.items():
            parts.append(f"        {slot!r}: Slot({ranges!r}, {multivalued}, {required}, {deprecated}),\n")
        parts.append("    },\n")
    parts.append("}\n\n")
    for key, annotation in (
        ("ENUMS", "dict[str, tuple[str, ...]]"),
        ("TERM_BINDINGS", "dict[str, str]"),
        ("ONTOLOGY_ROOTS", "dict[str, tuple[str, ...]]"),
        ("TERM_PREFIXES", "dict[str, tuple[str, ...]]"),
    ):
        parts.append(f"{key}: {annotation} = {pformat(model[key], width=100, sort_dicts=False)}\n\n")
    return "".join(parts).rstrip("\n") + "\n"


def generated_source() -> str:
    """What ``model.py`` should contain for the current ``dmkb.yaml``."""
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    return render_model(build_model(schema))


def main() -> int:
    source = generated_source()
    if MODEL.exists() and MODEL.read_text(encoding="utf-8") == source:
        print(f"{MODEL.name} is up to date")
        return 0
    tmp = MODEL.with_suffix(".py.tmp")
    tmp.write_text(source, encoding="utf-8")
    tmp.replace(MODEL)
    print(f"wrote {MODEL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
