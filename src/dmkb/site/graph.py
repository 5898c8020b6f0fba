"""The mechanism graph of a page: data for the interactive drawing, a static SVG picture (shown
when scripts are off) laid out by :mod:`dmkb.site.layout`, and the causal chain as a list (what a
phone or a screen reader follows best).

Nodes are mechanism steps, the phenotypes the graph links, and treatments acting on steps;
edges are ``downstream`` links, phenotype ``sequelae`` and treatment targets, drawn apart.
Every text in the SVG is escaped here; the browser data is escaped by the template.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from dmkb.site.anchors import anchor_for
from dmkb.site.layout import Layout, layered_layout

_CHARS_PER_LINE = 18
_MAX_LINES = 4
_FONT_SIZE = 13
_LINE_HEIGHT = 16.0
_PAD_X, _PAD_Y = 12.0, 9.0
_NARROW = frozenset("iljtfrI.,:;'!|()[]- ")
_WIDE = frozenset("mwMW@%")

KIND_LABELS = {"step": "Mechanism step", "phenotype": "Phenotype", "treatment": "Treatment"}
EDGE_LABELS = {"downstream": "causes / leads to", "sequela": "sequela", "treatment": "treatment acts on"}
# the causal link types of the format, in words
CAUSAL_LINK_WORDS = {
    "DIRECT": "directly",
    "INDIRECT_KNOWN_INTERMEDIATES": "indirectly, through known intermediate steps",
    "INDIRECT_UNKNOWN_INTERMEDIATES": "indirectly, through steps not yet known",
    "UNKNOWN": "directly or indirectly: not established",
}


@dataclass(frozen=True)
class GraphNode:
    id: str
    kind: str
    name: str
    anchor: str
    lines: tuple[str, ...]
    width: float
    height: float

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    kind: str
    label: str | None


@dataclass(frozen=True)
class ChainLink:
    """A link of the causal chain, seen from one of its ends: "leads to Fever (directly)"."""

    verb: str  # leads to | arises from | acts on | acted on by
    node: GraphNode
    qualifier: str | None  # how direct the link is, or what the treatment does


@dataclass(frozen=True)
class ChainItem:
    """One node of the graph with its links, as the list of the causal chain shows it."""

    node: GraphNode
    links: list[ChainLink]


@dataclass(frozen=True)
class Graph:
    """A page's mechanism graph, ready for the template."""

    nodes: list[GraphNode]
    edges: list[GraphEdge]
    svg: Markup
    height: int  # of the drawing area, in CSS pixels
    chain: list[ChainItem]  # every node in the drawing's reading order (treatments last), with its links

    @property
    def steps(self) -> int:
        return sum(1 for n in self.nodes if n.kind == "step")

    @property
    def unlinked(self) -> int:
        """Nodes no link touches (drawn in a grid below the linked ones)."""
        touched = {n for e in self.edges if e.source != e.target for n in (e.source, e.target)}
        return sum(1 for n in self.nodes if n.id not in touched)

    @property
    def kinds(self) -> set[str]:
        """The kinds of nodes and edges drawn (``step``, ``edge-downstream``, …), for the legend."""
        return {n.kind for n in self.nodes} | {f"edge-{e.kind}" for e in self.edges}

    def browser_data(self) -> dict[str, Any]:
        """What the interactive drawing reads (serialised with ``tojson`` in the page)."""
        return {
            "nodes": [{"id": n.id, "kind": n.kind, "label": "\n".join(n.lines), "name": n.name,
                       "anchor": n.anchor, "w": n.width, "h": n.height} for n in self.nodes],
            "edges": [{"source": e.source, "target": e.target, "kind": e.kind, "label": e.label or ""}
                      for e in self.edges],
        }


def build_graph(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> Graph | None:
    """The graph of ``graph_nodes`` / ``graph_edges`` rows (``node, kind, name`` / ``source, target, kind, label``)."""
    if not nodes:
        return None
    ids = {row["node"]: f"n{i}" for i, row in enumerate(nodes)}
    graph_nodes = [_node(ids[row["node"]], row) for row in nodes]
    graph_edges = [GraphEdge(ids[e["source"]], ids[e["target"]], e["kind"], e["label"])
                   for e in edges if e["source"] in ids and e["target"] in ids]
    layout = layered_layout({n.id: (n.width, n.height) for n in graph_nodes},
                            [(e.source, e.target) for e in graph_edges])
    svg, height = _svg(graph_nodes, graph_edges, layout)
    return Graph(graph_nodes, graph_edges, svg, height, _chain(graph_nodes, graph_edges, layout))


def _chain(nodes: list[GraphNode], edges: list[GraphEdge], layout: Layout) -> list[ChainItem]:
    """Each node with the links it starts, the treatments acting on it and, at the end of a chain
    (nothing leads on from it), the links that reach it; in the drawing's reading order, top-down,
    treatments last."""
    by_id = {n.id: n for n in nodes}
    links: dict[str, list[ChainLink]] = {n.id: [] for n in nodes}
    ends = {n.id for n in nodes} - {e.source for e in edges if e.kind != "treatment" and e.source != e.target}
    for edge in edges:
        if edge.source == edge.target:
            continue
        source, target = by_id[edge.source], by_id[edge.target]
        if edge.kind == "treatment":
            effect = edge.label.replace("_", " ").lower() if edge.label else None
            links[source.id].append(ChainLink("acts on", target, effect))
            links[target.id].append(ChainLink("acted on by", source, effect))
            continue
        # how direct, when known (the cards say "not established" for the others)
        words = CAUSAL_LINK_WORDS.get(edge.label, edge.label.replace("_", " ").lower()) \
            if edge.label and edge.label != "UNKNOWN" else None
        links[source.id].append(ChainLink("leads to", target, words))
        if target.id in ends:
            links[target.id].append(ChainLink("arises from", source, words))
    order = sorted(nodes, key=lambda n: (n.kind == "treatment", layout.centres[n.id][1], layout.centres[n.id][0]))
    return [ChainItem(node, links[node.id]) for node in order]


def _node(node_id: str, row: dict[str, Any]) -> GraphNode:
    name = row["name"]
    lines = textwrap.wrap(name, _CHARS_PER_LINE, break_long_words=False) or [name]
    if len(lines) > _MAX_LINES:
        lines = [*lines[: _MAX_LINES - 1], lines[_MAX_LINES - 1][: _CHARS_PER_LINE - 1] + "…"]
    width = max(text_width(line) for line in lines) + 2 * _PAD_X
    height = len(lines) * _LINE_HEIGHT + 2 * _PAD_Y
    return GraphNode(node_id, row["kind"], name, anchor_for(row["node"], name), tuple(lines),
                     round(max(width, 80.0), 1), round(height, 1))


def text_width(text: str) -> float:
    """About how wide ``text`` is in the labels' sans-serif font, in pixels."""
    units = sum(0.3 if ch in _NARROW else 0.85 if ch in _WIDE or ch.isupper() else 0.56 for ch in text)
    return units * _FONT_SIZE


def _svg(nodes: list[GraphNode], edges: list[GraphEdge], layout: Layout) -> tuple[Markup, int]:
    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" class="graph-svg" viewBox="0 0 {layout.width:.0f} '
         f'{layout.height:.0f}" width="{layout.width:.0f}" height="{layout.height:.0f}" role="img" '
         f'aria-label="Mechanism graph">'),
        '<defs>',
        *(f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
          f'orient="auto-start-reverse"><path class="arrow arrow-{kind}" d="M0,0 L10,5 L0,10 z"/></marker>'
          for kind in EDGE_LABELS),
        ('<marker id="arrow-inhibits" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="8" markerHeight="8" '
         'orient="auto"><path class="arrow arrow-treatment" d="M7,0 L10,0 L10,10 L7,10 z"/></marker>'),
        '</defs>',
    ]
    for edge, points in zip(edges, layout.routes):
        if points:
            words = CAUSAL_LINK_WORDS.get(edge.label or "", (edge.label or "").replace("_", " ").lower())
            title = escape(f"{EDGE_LABELS.get(edge.kind, edge.kind)}{f' ({words})' if words else ''}")
            marker = "inhibits" if edge.kind == "treatment" and edge.label == "INHIBITS" else edge.kind
            parts.append(f'<path class="edge edge-{escape(edge.kind)}" d="{_curve(points)}" '
                         f'marker-end="url(#arrow-{escape(marker)})"><title>{title}</title></path>')
    for node in nodes:
        x, y = layout.centres[node.id]
        parts.append(_svg_node(node, x, y))
    parts.append("</svg>")
    height = int(min(max(layout.height * 0.9 + 40, 320), 1100))
    return Markup("".join(parts)), height


def _svg_node(node: GraphNode, x: float, y: float) -> str:
    left, top = x - node.width / 2, y - node.height / 2
    shape = {"step": 6, "phenotype": 14, "treatment": 2}.get(node.kind, 6)
    first = y - (len(node.lines) - 1) * _LINE_HEIGHT / 2 + 4
    label = "".join(f'<tspan x="{x:.1f}" y="{first + i * _LINE_HEIGHT:.1f}">{escape(line)}</tspan>'
                    for i, line in enumerate(node.lines))
    return (f'<a href="#{escape(node.anchor)}" class="node node-{escape(node.kind)}">'
            f'<title>{escape(KIND_LABELS.get(node.kind, node.kind))}: {escape(node.name)}</title>'
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{node.width:.1f}" height="{node.height:.1f}" '
            f'rx="{shape:.1f}"/><text text-anchor="middle">{label}</text></a>')


def _curve(points: list[tuple[float, float]]) -> str:
    """A smooth path through the points: vertical tangents at each bend."""
    (x, y), rest = points[0], points[1:]
    path = [f"M{x:.1f},{y:.1f}"]
    for nx, ny in rest:
        mid = (y + ny) / 2
        path.append(f"C{x:.1f},{mid:.1f} {nx:.1f},{mid:.1f} {nx:.1f},{ny:.1f}")
        x, y = nx, ny
    return " ".join(path)
