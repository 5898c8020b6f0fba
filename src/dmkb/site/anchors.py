"""Element ids of the items on a disorder page, made from their place in the entry, so the
page's cards and the mechanism graph's nodes always agree."""

from __future__ import annotations

import re

_KINDS = {
    "pathophysiology": "step",
    "phenotypes": "phenotype",
    "treatments": "treatment",
    "genetic": "gene",
    "has_subtypes": "subtype",
    "infectious_agent": "agent",
    "differential_diagnoses": "differential",
    "diagnosis": "diagnosis",
    "histopathology": "histopathology",
    "progression": "progression",
    "clinical_trials": "trial",
    "mechanistic_hypotheses": "hypothesis",
}
_NON_WORD = re.compile(r"[^a-z0-9]+")


def slug(text: str, limit: int = 48) -> str:
    """``"JAK-STAT Pathway Activation"`` → ``"jak-stat-pathway-activation"``."""
    return _NON_WORD.sub("-", text.casefold()).strip("-")[:limit].strip("-")


def anchor_for(path: str, name: str) -> str:
    """The element id of the item at ``path`` (``stages[0].pathophysiology[2]`` → ``step-1-3-…``)."""
    key = path.rsplit(".", 1)[-1].split("[", 1)[0]
    numbers = [str(int(n) + 1) for n in re.findall(r"\[(\d+)\]", path)]
    kind = _KINDS.get(key, slug(key) or "item")
    tail = slug(name)
    return "-".join([kind, *numbers, *([tail] if tail else [])])
