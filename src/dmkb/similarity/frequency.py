"""How often a disease shows a feature, from the ways annotations write it.

HPO annotations give a fraction of patients (``3/7``), a percentage (``25%``) or a term of the
HPO frequency branch (``HP:0040282`` Frequent); KB entries give an enum (``FREQUENT``). Each
becomes a probability; fractions also keep their denominator, so that a feature seen in 1 of 1
patients can weigh less than one seen in 40 of 40.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# midpoints of the ranges HPO gives for its frequency terms (and the KB's enum of the same names)
_HPO_TERMS = {
    "HP:0040280": 1.0,    # Obligate (100%)
    "HP:0040281": 0.9,    # Very frequent (80-99%)
    "HP:0040282": 0.55,   # Frequent (30-79%)
    "HP:0040283": 0.17,   # Occasional (5-29%)
    "HP:0040284": 0.025,  # Very rare (1-4%)
    "HP:0040285": 0.0,    # Excluded (0%)
}
_WORDS = {
    "OBLIGATE": 1.0,
    "ALWAYS": 1.0,
    "VERY_FREQUENT": 0.9,
    "COMMON": 0.55,
    "FREQUENT": 0.55,
    "OCCASIONAL": 0.17,
    "RARE": 0.025,
    "VERY_RARE": 0.025,
    "EXCLUDED": 0.0,
}
_FRACTION = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


@dataclass(frozen=True)
class Frequency:
    """A probability and, for a fraction, the number of patients it was counted in (else 0)."""

    value: float
    patients: int = 0


def parse_frequency(text: object) -> Frequency | None:
    """``"3/7"``, ``"25%"``, ``"HP:0040282"``, ``"FREQUENT"`` or ``"very frequent"`` as a frequency;
    ``None`` for anything else (an unknown frequency)."""
    if not isinstance(text, str) or not text.strip():
        return None
    if text in _HPO_TERMS:
        return Frequency(_HPO_TERMS[text])
    word = re.sub(r"[\s-]+", "_", text.strip()).upper()
    if word in _WORDS:
        return Frequency(_WORDS[word])
    if match := _FRACTION.match(text):
        seen, total = int(match[1]), int(match[2])
        # a few published counts have more patients with the feature than patients
        return Frequency(min(seen, total) / total, total) if total else None
    if match := _PERCENT.match(text):
        return Frequency(min(float(match[1]), 100.0) / 100)
    return None


def pool(frequencies: list[Frequency]) -> Frequency:
    """One frequency from several sources: counts are added up when there are any, since they
    are the most direct evidence; otherwise the values are averaged."""
    counted = [f for f in frequencies if f.patients]
    if counted:
        total = sum(f.patients for f in counted)
        return Frequency(sum(f.value * f.patients for f in counted) / total, total)
    return Frequency(sum(f.value for f in frequencies) / len(frequencies))
