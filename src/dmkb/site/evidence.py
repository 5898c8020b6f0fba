"""The evidence of a page, made short to read: every quote is shown once per item (a step, a
phenotype, …) with the other items it also backs, and each list of evidence is folded behind a
summary line (how many quotes, how many verified, what they say)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

from dmkb.site.views import Card, EvidenceView, Link, Section

ALSO_CITED_LIMIT = 6  # other items named beside a quote
_STATUS_WORDS = (("verified", "✓ {n} verified"), ("not_found", "✗ {n} not found in source"),
                 ("not_cached", "○ {n} source not cached"), ("no_snippet", "– {n} without a quote"))


def tidy_evidence(sections: list[Section]) -> None:
    """Mark quotes repeated within an item, name the other items each quote backs, and give every
    list of evidence its summary line (in place)."""
    cards = [card for section in sections for card in _walk(section.cards)]
    citing: dict[tuple[str, str], dict[int, Card]] = {}  # by the card's id(): cards compare by value
    for card in cards:
        for item in _items(card):
            key = _key(item)
            if key:
                citing.setdefault(key, {})[id(card)] = card
    for card in cards:
        seen: set[tuple[str, str]] = set()
        card.evidence = [_tidy(e, card, citing, seen) for e in card.evidence]
        card.evidence_summary = summary(card.evidence)
        for relation in card.relations:
            relation.evidence = [_tidy(e, card, citing, seen) for e in relation.evidence]
            relation.evidence_summary = summary(relation.evidence)


def summary(items: list[EvidenceView]) -> list[tuple[str, str]]:
    """``[(css class, text)]``: "3 quotes", "✓ 2 verified", "✗ 1 not found in source", "Supports"."""
    if not items:
        return []
    statuses = Counter(e.status for e in items)
    parts = [("count", f"{len(items)} {'quote' if len(items) == 1 else 'quotes'}")]
    parts += [(f"status status-{status}", words.format(n=statuses[status]))
              for status, words in _STATUS_WORDS if statuses[status]]
    parts += [(f"support tone-{tone}", text) for text, tone in dict.fromkeys((e.support, e.support_tone)
                                                                              for e in items)]
    return parts


def _tidy(item: EvidenceView, card: Card, citing: dict[tuple[str, str], dict[int, Card]],
          seen: set[tuple[str, str]]) -> EvidenceView:
    key = _key(item)
    if key is None:
        return item
    repeat = key in seen
    seen.add(key)
    others = [Link(other.title, f"#{other.anchor}") for other in citing[key].values()
              if other is not card and other.anchor]
    return replace(item, repeat=repeat, also_cited_by=tuple(others[:ALSO_CITED_LIMIT]))


def _key(item: EvidenceView) -> tuple[str, str] | None:
    return (item.reference, " ".join(item.snippet.casefold().split())) if item.snippet else None


def _items(card: Card) -> Iterator[EvidenceView]:
    yield from card.evidence
    for relation in card.relations:
        yield from relation.evidence


def _walk(cards: list[Card]) -> Iterator[Card]:
    for card in cards:
        yield card
        yield from _walk(card.children)
