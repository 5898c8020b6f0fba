"""A top-down layered layout of a directed graph (the Sugiyama method), for the static picture.

1. Edges that close a cycle are turned round, so the graph flows one way.
2. Each node gets a layer: one below its lowest predecessor; nodes that only point at others
   (treatments) sit just above their first successor.
3. Edges that skip layers get a chain of invisible points, so they bend around nodes.
4. The nodes of each layer are ordered by the mean position of their neighbours, sweeping down
   and up, keeping the order with the fewest crossings.
5. Horizontal positions: each node as near the mean of its neighbours as its layer's order and
   spacing allow (isotonic regression, solved exactly by pooling adjacent violators).
6. Nodes without links go in a grid below the rest.
Pure and deterministic: the same graph always gives the same picture.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass

NODE_GAP = 20.0  # between neighbouring boxes of a layer
DUMMY_GAP = 14.0  # beside an edge's bend point
LAYER_GAP = 56.0  # between layers
MARGIN = 12.0
SWEEPS = 10
GRID_WIDTH = 840.0  # the least width of the grid of nodes without links


@dataclass(frozen=True)
class Layout:
    """Centres of the nodes, the points each edge passes through, and the drawing's size."""

    centres: dict[str, tuple[float, float]]
    routes: list[list[tuple[float, float]]]  # one per input edge (empty for self-loops), source to target
    width: float
    height: float
    layers: int


def layered_layout(sizes: dict[str, tuple[float, float]], edges: list[tuple[str, str]]) -> Layout:
    """Lay out nodes (id -> (width, height)) and directed edges (source id, target id). Nodes that no
    edge touches go in a grid below the others, rather than in one endless row."""
    links = [(u, v) for u, v in dict.fromkeys(edges) if u != v and u in sizes and v in sizes]
    touched = {n for edge in links for n in edge}
    linked = _linked_layout({n: size for n, size in sizes.items() if n in touched}, edges, links)
    unlinked = [n for n in sizes if n not in touched]
    if not unlinked:
        return linked
    top = linked.height + (LAYER_GAP - MARGIN if linked.centres else 0.0)
    centres, width, height = _grid({n: sizes[n] for n in unlinked}, top, max(linked.width, GRID_WIDTH))
    return Layout({**linked.centres, **centres}, linked.routes, max(linked.width, width), height,
                  linked.layers + 1)


def _grid(sizes: dict[str, tuple[float, float]], top: float, room: float) -> tuple[dict, float, float]:
    """Nodes in rows as wide as ``room`` allows, in their order, starting at ``top``."""
    cell = max(w for w, _ in sizes.values()) + NODE_GAP
    columns = max(1, min(len(sizes), int((room - 2 * MARGIN + NODE_GAP) // cell)))
    names = list(sizes)
    centres: dict[str, tuple[float, float]] = {}
    y = top + MARGIN
    for row in range(0, len(names), columns):
        tallest = max(sizes[n][1] for n in names[row:row + columns])
        for k, node in enumerate(names[row:row + columns]):
            centres[node] = (MARGIN + cell * k + (cell - NODE_GAP) / 2, y + tallest / 2)
        y += tallest + NODE_GAP
    return centres, 2 * MARGIN + cell * columns - NODE_GAP, y - NODE_GAP + MARGIN


def _linked_layout(sizes: dict[str, tuple[float, float]], edges: list[tuple[str, str]],
                   links: list[tuple[str, str]]) -> Layout:
    nodes = list(sizes)
    if not nodes:
        return Layout({}, [[] for _ in edges], 0.0, 0.0, 0)
    dag = _acyclic(nodes, links)
    layer = _layers(nodes, dag)
    chains, succ, pred, order_nodes = _with_dummies(nodes, dag, layer)
    width_of = {n: sizes[n][0] if n in sizes else 0.0 for n in order_nodes}
    rows = _order(_initial_rows(nodes, order_nodes, layer, succ), succ, pred)
    xs = _positions(rows, succ, pred, width_of)
    ys, height = _heights(rows, sizes)
    shift = MARGIN - min(xs[n] - width_of[n] / 2 for n in order_nodes)
    centres = {n: (xs[n] + shift, ys[n]) for n in order_nodes}
    width = max(centres[n][0] + width_of[n] / 2 for n in order_nodes) + MARGIN
    routes = [_route(u, v, chains, centres, sizes) for u, v in edges]
    _spread_ends(routes, edges, centres, sizes)
    return Layout({n: centres[n] for n in nodes}, routes, width, height, len(rows))


def _acyclic(nodes: list[str], edges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The edges with those that close a cycle (found by depth-first search) turned round."""
    out: dict[str, list[str]] = defaultdict(list)
    for u, v in edges:
        out[u].append(v)
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    back: set[tuple[str, str]] = set()
    for start in nodes:
        if start in state:
            continue
        stack = [(start, iter(out[start]))]
        state[start] = 1
        while stack:
            node, successors = stack[-1]
            nxt = next(successors, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(out[nxt])))
    turned = [(v, u) if (u, v) in back else (u, v) for u, v in edges]
    return list(dict.fromkeys(turned))


def _layers(nodes: list[str], dag: list[tuple[str, str]]) -> dict[str, int]:
    preds: dict[str, list[str]] = defaultdict(list)
    succs: dict[str, list[str]] = defaultdict(list)
    for u, v in dag:
        preds[v].append(u)
        succs[u].append(v)
    layer: dict[str, int] = {}

    def depth(node: str) -> int:
        stack = [node]
        while stack:
            current = stack[-1]
            pending = [p for p in preds[current] if p not in layer]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            layer[current] = max((layer[p] + 1 for p in preds[current]), default=0)
        return layer[node]

    for node in nodes:
        depth(node)
    for node in nodes:  # pull pure sources down next to what they point at
        if not preds[node] and succs[node]:
            layer[node] = min(layer[s] for s in succs[node]) - 1
    low = min(layer.values())
    return {n: layer[n] - low for n in nodes}


def _with_dummies(nodes: list[str], dag: list[tuple[str, str]], layer: dict[str, int]):
    """Split edges spanning several layers; returns the chains, the adjacency, and all nodes."""
    succ: dict[str, list[str]] = defaultdict(list)
    pred: dict[str, list[str]] = defaultdict(list)
    chains: dict[tuple[str, str], list[str]] = {}
    all_nodes = list(nodes)
    for u, v in dag:
        chain = [u]
        for k in range(layer[u] + 1, layer[v]):
            dummy = f"\0{u}\0{v}\0{k}"
            layer[dummy] = k
            all_nodes.append(dummy)
            chain.append(dummy)
        chain.append(v)
        for a, b in itertools.pairwise(chain):
            succ[a].append(b)
            pred[b].append(a)
        chains[(u, v)] = chain
    return chains, succ, pred, all_nodes


def _initial_rows(nodes: list[str], all_nodes: list[str], layer: dict[str, int],
                  succ: dict[str, list[str]]) -> list[list[str]]:
    """Layers in depth-first order from the first nodes, which keeps related nodes together."""
    seen: dict[str, None] = {}
    for start in nodes:
        stack = [start]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen[node] = None
            stack.extend(reversed(succ[node]))
    for node in all_nodes:
        seen.setdefault(node)
    rows: list[list[str]] = [[] for _ in range(max(layer[n] for n in all_nodes) + 1)]
    for node in seen:
        rows[layer[node]].append(node)
    return rows


def _order(rows: list[list[str]], succ: dict[str, list[str]], pred: dict[str, list[str]]) -> list[list[str]]:
    best = [list(r) for r in rows]
    best_crossings = _crossings(best, succ)
    current = [list(r) for r in rows]
    for sweep in range(SWEEPS):
        down = sweep % 2 == 0
        indexes = range(1, len(current)) if down else range(len(current) - 2, -1, -1)
        for i in indexes:
            fixed = current[i - 1] if down else current[i + 1]
            neighbours = pred if down else succ
            position = {n: k for k, n in enumerate(fixed)}
            current[i] = _sorted_by_barycentre(current[i], neighbours, position)
        crossings = _crossings(current, succ)
        if crossings < best_crossings:
            best, best_crossings = [list(r) for r in current], crossings
        if best_crossings == 0:
            break
    return best


def _sorted_by_barycentre(row: list[str], neighbours: dict[str, list[str]], position: dict[str, int]) -> list[str]:
    keys = {}
    for k, node in enumerate(row):
        places = [position[m] for m in neighbours[node] if m in position]
        keys[node] = sum(places) / len(places) if places else float(k)
    return sorted(row, key=lambda n: keys[n])  # stable: ties keep their order


def _crossings(rows: list[list[str]], succ: dict[str, list[str]]) -> int:
    total = 0
    for upper, lower in itertools.pairwise(rows):
        position = {n: k for k, n in enumerate(lower)}
        ends = [(i, position[m]) for i, n in enumerate(upper) for m in succ[n] if m in position]
        total += sum(1 for a in range(len(ends)) for b in range(a + 1, len(ends))
                     if (ends[a][0] - ends[b][0]) * (ends[a][1] - ends[b][1]) < 0)
    return total


def _positions(rows: list[list[str]], succ, pred, width_of: dict[str, float]) -> dict[str, float]:
    xs: dict[str, float] = {}
    for row in rows:
        x = 0.0
        for k, node in enumerate(row):
            if k:
                x += _gap(row[k - 1], node, width_of)
            xs[node] = x
    for sweep in range(2 * SWEEPS):
        down = sweep % 2 == 0
        indexes = range(1, len(rows)) if down else range(len(rows) - 2, -1, -1)
        for i in indexes:
            neighbours = pred if down else succ
            _place_row(rows[i], neighbours, xs, width_of)
    return xs


def _gap(left: str, right: str, width_of: dict[str, float]) -> float:
    gap = DUMMY_GAP if left.startswith("\0") or right.startswith("\0") else NODE_GAP
    return width_of[left] / 2 + gap + width_of[right] / 2


def _place_row(row: list[str], neighbours, xs: dict[str, float], width_of: dict[str, float]) -> None:
    """Move a row's nodes towards the mean of their neighbours, keeping order and spacing."""
    offsets = [0.0]
    for k in range(1, len(row)):
        offsets.append(offsets[-1] + _gap(row[k - 1], row[k], width_of))
    targets, weights = [], []
    for node, offset in zip(row, offsets):
        places = [xs[m] for m in neighbours[node]]
        wanted = sum(places) / len(places) if places else xs[node]
        targets.append(wanted - offset)
        weights.append(4.0 if node.startswith("\0") else (1.0 if places else 0.05))
    for node, offset, value in zip(row, offsets, _isotonic(targets, weights)):
        xs[node] = value + offset


def _isotonic(values: list[float], weights: list[float]) -> list[float]:
    """The non-decreasing sequence closest to ``values`` in weighted least squares."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for value, weight in zip(values, weights):
        blocks.append([value, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean2, w2, c2 = blocks.pop()
            mean1, w1, c1 = blocks.pop()
            blocks.append([(mean1 * w1 + mean2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    return [mean for mean, _, count in blocks for _ in range(int(count))]


def _heights(rows: list[list[str]], sizes: dict[str, tuple[float, float]]) -> tuple[dict[str, float], float]:
    ys: dict[str, float] = {}
    top = MARGIN
    for row in rows:
        tallest = max((sizes[n][1] for n in row if n in sizes), default=0.0)
        for node in row:
            ys[node] = top + tallest / 2
        top += tallest + LAYER_GAP
    return ys, top - LAYER_GAP + MARGIN


def _spread_ends(routes: list[list[tuple[float, float]]], edges: list[tuple[str, str]], centres, sizes) -> None:
    """Edges meeting one side of a box meet it side by side, in the order they come from."""
    sides: dict[tuple[str, bool], list[tuple[float, int, int]]] = defaultdict(list)
    for k, (points, (u, v)) in enumerate(zip(routes, edges)):
        if len(points) < 2:
            continue
        for node, end, neighbour in ((u, 0, points[1]), (v, -1, points[-2])):
            below = points[end][1] > centres[node][1]
            sides[(node, below)].append((neighbour[0], k, end))
    for (node, _), ends in sides.items():
        if len(ends) < 2:
            continue
        width = sizes[node][0] * 0.7
        left = centres[node][0] - width / 2
        for i, (_, k, end) in enumerate(sorted(ends)):
            routes[k][end] = (left + width * (i + 1) / (len(ends) + 1), routes[k][end][1])


def _route(u: str, v: str, chains, centres, sizes) -> list[tuple[float, float]]:
    """Points from the bottom of the upper box, through the bends, to the top of the lower one."""
    if u == v or u not in sizes or v not in sizes:
        return []
    chain = chains.get((u, v))
    flipped = chain is None
    if flipped:
        chain = chains.get((v, u))
    if chain is None:
        return []
    points = [centres[n] for n in chain]
    (x0, y0), (x1, y1) = points[0], points[-1]
    points[0] = (x0, y0 + sizes[chain[0]][1] / 2)
    points[-1] = (x1, y1 - sizes[chain[-1]][1] / 2)
    return points[::-1] if flipped else points
