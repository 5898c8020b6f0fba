"""Turn one item of an entry (a step, a phenotype, a treatment, …) into a :class:`Card`.

A :class:`CardSpec` says what a section's items put first (title, badges, relations); every
other field is shown by its kind: ontology terms as chips, long text as paragraphs, short
values as facts, lists as bullets, nested items as child cards. So a field that no template
knows still reaches the reader, and odd values never break a page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dmkb.entry_path import Path, format_path
from dmkb.links import term_url
from dmkb.references.ids import reference_url
from dmkb.site.anchors import anchor_for
from dmkb.site.graph import CAUSAL_LINK_WORDS
from dmkb.site.views import Badge, Card, EvidenceView, Link, Relation, Term, humanize, pretty

EVIDENCE_KEYS = ("evidence", "literature_evidence")
# never shown: curation bookkeeping, and what the card shows elsewhere
HIDDEN = frozenset({"review_notes", "curation_history", "images", "hypothesis_groups", "conforms_to"})
# text fields shown as paragraphs (labelled, except the description)
PARAGRAPHS = ("description", "association", "results", "markers", "features", "context", "effect",
              "mechanism", "rationale", "prompt", "consequence", "notes")
LONG_TEXT = 90  # longer texts are paragraphs, not facts
MAX_DEPTH = 2

_SUPPORT = {
    "SUPPORT": ("Supports", "good"),
    "REFUTE": ("Refutes", "bad"),
    "PARTIAL": ("Partially supports", "warn"),
    "NO_EVIDENCE": ("No evidence", "neutral"),
    "WRONG_STATEMENT": ("Wrong statement", "bad"),
}
STATUS_LABELS = {
    "verified": "Quote verified in source",
    "not_found": "Quote not found in source",
    "not_cached": "Source not cached",
    "no_snippet": "No quote",
}
_EFFECT_VERBS = {"INHIBITS": "Inhibits", "ACTIVATES": "Activates", "MODULATES": "Modulates",
                 "BYPASSES": "Bypasses", "RESTORES": "Restores"}


@dataclass
class PageContext:
    """What card builders need from the rest of the page."""

    evidence: dict[str, dict[str, Any]]  # evidence rows by path
    sources: dict[str, dict[str, Any]]  # by reference id
    node_anchor: dict[str, str] = field(default_factory=dict)  # step/phenotype name (folded) -> anchor
    anchor_by_path: dict[str, str] = field(default_factory=dict)  # graph items' anchors, as the graph has them
    in_graph: set[str] = field(default_factory=set)  # anchors drawn in the graph
    upstream: dict[str, list[Link]] = field(default_factory=dict)  # anchor -> what leads to it
    acted_on_by: dict[str, list[Link]] = field(default_factory=dict)  # step anchor -> treatments


@dataclass(frozen=True)
class CardSpec:
    """How a section's items become cards."""

    title_keys: tuple[str, ...] = ("name", "display_name", "phase", "preferred_term", "hypothesis_label")
    kicker: str | None = None  # a field shown small above the title
    badges: tuple[str, ...] = ()  # fields shown as badges, in this order
    relations: dict[str, str] = field(default_factory=dict)  # field -> verb ("downstream": "Leads to")
    skip: frozenset[str] = frozenset()
    children: dict[str, Callable[..., Card]] = field(default_factory=dict)  # field -> builder of its items


def fold(name: str) -> str:
    return " ".join(name.casefold().split())


def build_card(path: Path, item: dict[str, Any], spec: CardSpec, ctx: PageContext, depth: int = 0,
               fallback: str | None = None) -> Card:
    """The card of ``item``, found at ``path`` in the entry; ``fallback`` titles items without a name."""
    title = _title(item, spec, fallback)
    anchor = ctx.anchor_by_path.get(format_path(path)) or anchor_for(format_path(path), title)
    card = Card(title=title, anchor=anchor, in_graph=anchor in ctx.in_graph)
    used = {*spec.badges, *spec.relations, *spec.skip, *spec.children, *HIDDEN}
    if spec.kicker and isinstance(item.get(spec.kicker), str):
        card.kicker = pretty(item[spec.kicker])
        used.add(spec.kicker)
    if _title_key(item, spec) is not None:
        used.add(_title_key(item, spec))
    card.badges = [b for key in spec.badges if (b := _badge(key, item.get(key))) is not None]
    for key, verb in spec.relations.items():
        for j, edge in _dicts(item.get(key)):
            card.relations.append(_relation((*path, key, j), edge, verb, ctx))
    for key, builder in spec.children.items():
        card.children.extend(builder((*path, key, j), child, ctx) for j, child in _dicts(item.get(key)))
    for key, value in item.items():
        if key not in used:
            _add_field(card, path, key, value, ctx, depth)
    card.links = [(label, links) for label, links in (
        ("Arises from", ctx.upstream.get(anchor, [])),
        ("Acted on by", ctx.acted_on_by.get(anchor, [])),
    ) if links]  # what the item leads to is in its relations, each with its evidence
    return card


def _title_key(item: dict[str, Any], spec: CardSpec) -> str | None:
    return next((k for k in spec.title_keys if isinstance(item.get(k), (str, int, float))
                 and str(item[k]).strip()), None)


def _title(item: dict[str, Any], spec: CardSpec, fallback: str | None) -> str:
    key = _title_key(item, spec)
    if key is not None:
        return str(item[key]).strip()
    for value in item.values():  # a term's name, when the item has no name of its own
        if isinstance(value, dict) and isinstance(value.get("preferred_term"), str):
            return value["preferred_term"]
    if fallback:
        return fallback
    for key, value in item.items():  # else its first short field: "Age range: 30-60"
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and 0 < len(str(value)) <= 60:
            return f"{humanize(key)}: {pretty(str(value))}"
    return "(unnamed)"


def _badge(key: str, value: Any) -> Badge | None:
    if value is True:
        return Badge(humanize(key), "strong")
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or str(value).strip() == "":
        return None
    text = pretty(str(value).strip())
    tone = "info" if key in ("frequency", "subtype_frequency", "status", "phase") else "neutral"
    if key == "severity":
        tone = "warn"
    label = {"frequency": "", "subtype_frequency": "", "severity": "Severity: "}.get(key, "")
    return Badge(f"{label}{text}", tone)


def _dicts(value: Any) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(value, list):
        return []
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]


def _add_field(card: Card, path: Path, key: str, value: Any, ctx: PageContext, depth: int) -> None:
    if value is None or value == [] or value == {}:
        return
    if key in EVIDENCE_KEYS:
        card.evidence.extend(evidence_views((*path, key), value, ctx))
    elif _is_descriptor(value):
        card.terms.append((_term_group(key), [term_of(value)]))
    elif isinstance(value, list) and value and all(_is_descriptor(v) for v in value):
        card.terms.append((_term_group(key), [term_of(v) for v in value]))
    elif isinstance(value, str):
        _add_text(card, key, value.strip())
    elif isinstance(value, bool):
        card.facts.append((humanize(key), "yes" if value else "no"))
    elif isinstance(value, (int, float)):
        card.facts.append((humanize(key), str(value)))
    elif isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        card.bullets.append((humanize(key), [pretty(str(v)) for v in value]))
    elif depth < MAX_DEPTH and isinstance(value, dict):
        card.children.append(build_card((*path, key), value, CardSpec(), ctx, depth + 1, fallback=humanize(key)))
    elif depth < MAX_DEPTH and isinstance(value, list):
        card.children.extend(build_card((*path, key, j), v, CardSpec(), ctx, depth + 1) for j, v in _dicts(value))


def _add_text(card: Card, key: str, value: str) -> None:
    if not value:
        return
    if key == "description":
        card.paragraphs.insert(0, (None, value))
    elif key in PARAGRAPHS or len(value) > LONG_TEXT:
        card.paragraphs.append((humanize(key), value))
    else:
        card.facts.append((humanize(key), pretty(value)))


def _is_descriptor(value: Any) -> bool:
    return isinstance(value, dict) and ("preferred_term" in value or isinstance(value.get("term"), dict))


def _term_group(key: str) -> str:
    for suffix in ("_term", "_terms"):
        if key.endswith(suffix) and key != suffix:
            key = key[: -len(suffix)]
    return humanize(key)


def term_of(descriptor: dict[str, Any]) -> Term:
    """A chip for a descriptor (``{preferred_term, term: {id, label}, modifier}``)."""
    term = descriptor.get("term") if isinstance(descriptor.get("term"), dict) else {}
    curie = term.get("id") if isinstance(term.get("id"), str) else None
    label = descriptor.get("preferred_term") or term.get("label") or curie or "?"
    modifier = descriptor.get("modifier")
    return Term(str(label), curie, term_url(curie), pretty(modifier).lower() if isinstance(modifier, str) else None)


def _relation(path: Path, edge: dict[str, Any], verb: str, ctx: PageContext) -> Relation:
    target = edge.get("target")
    name = str(target).strip() if isinstance(target, (str, int, float)) else "?"
    anchor = ctx.node_anchor.get(fold(name))
    effect = edge.get("treatment_effect")
    if isinstance(effect, str) and effect in _EFFECT_VERBS:
        verb = _EFFECT_VERBS[effect]
    link_type = edge.get("causal_link_type")
    qualifier = CAUSAL_LINK_WORDS.get(link_type, pretty(link_type).lower()) if isinstance(link_type, str) else None
    description = edge.get("description") if isinstance(edge.get("description"), str) else None
    evidence = next((evidence_views((*path, key), edge.get(key), ctx) for key in EVIDENCE_KEYS if key in edge), [])
    return Relation(verb, Link(name, f"#{anchor}" if anchor else None), qualifier, description, evidence)


def evidence_views(path: Path, items: Any, ctx: PageContext) -> list[EvidenceView]:
    """The evidence items of a list, each with the verification status compiled for it."""
    return [_evidence_view(ctx.evidence.get(format_path((*path, k)), {}), item, ctx) for k, item in _dicts(items)]


def _evidence_view(row: dict[str, Any], item: dict[str, Any], ctx: PageContext) -> EvidenceView:
    reference = _str(item.get("reference")) or "(no reference)"
    source = ctx.sources.get(reference, {})
    title = _str(item.get("reference_title")) or source.get("title") or source.get("cited_title")
    support, tone = _SUPPORT.get(_str(item.get("supports")) or "", (pretty(_str(item.get("supports")) or "—"),
                                                                   "neutral"))
    kind = _str(item.get("evidence_source"))
    status = row.get("status", "not_cached")
    href = reference_url(reference)
    return EvidenceView(
        reference=reference, href=href, title=title, snippet=_str(item.get("snippet")),
        explanation=_str(item.get("explanation")), support=support, support_tone=tone,
        source_type=pretty(kind) if kind else None, status=status, status_label=STATUS_LABELS.get(status, status),
    )


def _str(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None
