"""The report's figure: a View drawn at its saved positions (or laid out by force when it has none), in the
explorer's risk colours, with labels placed where they overlap neither each other nor a node (labels.py).
A label with no free place is left out rather than drawn over another (the caption says how many)."""

import io
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch
from matplotlib.transforms import Bbox

from investigations.report.labels import Taken, Wanted, place
from investigations.report.view import Node, View, label

SIZE = (7.2, 4.0)  # inches: the page's width less its margins
DPI = 150
NODE_SIZES = {"address": 60, "transaction": 22, "cluster": 160}  # points², subjects twice as big
MARKERS = {"address": "o", "transaction": "s", "cluster": "h"}
# Around a node, nearest first: below as in the explorer, then above, right, left, the corners, farther out.
# (x, y) in units of the node's radius plus a gap; the text is anchored on the side facing the node.
AROUND = [(0, -1), (0, 1), (1, 0), (-1, 0), (1, -1), (-1, -1), (1, 1), (-1, 1), (0, -2.2), (0, 2.2)]
ALONG = (0.5, 0.33, 0.67)  # where on an edge its label may go: the middle, then a third from either end
EDGE_OFFSETS = [(0, 0), (0, 6), (0, -6)]  # points: on the line, then just off it
GAP = 2  # points between a node and its label
CLUSTER_PAD = (45, 24)  # pixels between a cluster's box and its outermost addresses (across, up): their labels fit
HORIZONTAL = {0: "center", 1: "left", -1: "right"}
VERTICAL = {0: "center", 1: "bottom", -1: "top"}
MARGIN = (70, 24)  # pixels left free around the outermost nodes (across, up): room for their labels
FORCE_MAX = 400  # nodes laid out by force at most (its cost grows with the square)
ROUNDS = 200
ARROWS = 300  # edges drawn as arrows at most; more are plain lines


@dataclass
class Drawn:
    png: bytes
    labels: list[tuple[str, Bbox]]  # each label drawn, with its box in pixels (origin bottom left)
    left_out: int  # labels with no free place
    centres: dict[str, tuple[float, float]]  # each node's centre in pixels (origin bottom left)


def risk_colour(risk: float | None) -> str:
    """Green through amber to red by risk, grey when unscored: the explorer's riskColour (frontend/src/format.ts)."""
    if risk is None:
        return "#9aa5b1"
    r = max(0.0, min(1.0, risk))
    low, high, t = (
        ((46, 160, 67), (230, 160, 20), r / 0.5) if r < 0.5 else ((230, 160, 20), (200, 30, 30), (r - 0.5) / 0.5)
    )
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(low, high, strict=True))


def figure_png(view: View) -> Drawn:
    figure = Figure(figsize=SIZE, dpi=DPI)  # no pyplot: no global state, no display backend
    renderer = FigureCanvasAgg(figure).get_renderer()
    axes = figure.add_axes((0.01, 0.08, 0.98, 0.91))  # the legend below
    axes.set_axis_off()
    at = _positions(view)
    _frame(axes, at, renderer)
    boxes = _clusters(axes, view, at)
    _edges(axes, view, at)
    _nodes(axes, view, at)
    _legend(figure)
    placed, left_out = place(axes, _wanted(view, at, boxes), Taken(_node_boxes(axes, view, at)), renderer, DPI)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    centres = {node_id: tuple(axes.transData.transform(point)) for node_id, point in at.items()}
    return Drawn(png=buffer.getvalue(), labels=placed, left_out=left_out, centres=centres)


def _positions(view: View) -> dict[str, tuple[float, float]]:
    if view.nodes and all(node.position is not None for node in view.nodes):
        return {node.id: (node.position[0], -node.position[1]) for node in view.nodes}  # the explorer's y is down
    return spread(view)


def spread(view: View, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold: linked nodes pull together, all push apart; seeded, so a report made twice
    draws the same figure. Past FORCE_MAX nodes, a sunflower spiral, subjects and the riskiest in the middle."""
    ids = [node.id for node in _order(view)]
    count = len(ids)
    if count > FORCE_MAX:
        turn, radius = np.arange(count) * np.pi * (3 - np.sqrt(5)), np.sqrt(np.arange(count))
        return {i: (float(r * np.cos(a)), float(r * np.sin(a))) for i, r, a in zip(ids, radius, turn, strict=True)}
    index = {node_id: i for i, node_id in enumerate(ids)}
    position = np.random.default_rng(seed).random((count, 2))
    linked = np.zeros((count, count))
    for edge in view.edges:
        a, b = index[edge.source], index[edge.target]
        linked[a, b] = linked[b, a] = 1.0
    k = 1 / np.sqrt(max(count, 1))
    for step in range(ROUNDS):
        delta = position[:, None, :] - position[None, :, :]
        squared = np.einsum("ijk,ijk->ij", delta, delta) + 1e-6
        pull = k * k / squared - linked * np.sqrt(squared) / k
        move = np.einsum("ij,ijk->ik", pull, delta)
        length = np.linalg.norm(move, axis=1, keepdims=True).clip(min=1e-9)
        position += move / length * np.minimum(length, 0.1 * (1 - step / ROUNDS))
    return {node_id: (float(x), float(y)) for node_id, (x, y) in zip(ids, position, strict=True)}


def _frame(axes, at: dict[str, tuple[float, float]], renderer) -> None:
    """Limits that keep the view's shape (one unit as long across as up: not stretched) and leave a margin
    around the outermost nodes for their labels."""
    box = axes.get_window_extent(renderer)
    xs, ys = zip(*at.values(), strict=True) if at else ((0.0,), (0.0,))
    wide, tall = max(max(xs) - min(xs), 1e-9), max(max(ys) - min(ys), 1e-9)
    scale = min((box.width - 2 * MARGIN[0]) / wide, (box.height - 2 * MARGIN[1]) / tall)  # pixels a unit
    middle = ((max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2)
    axes.set_xlim(middle[0] - box.width / scale / 2, middle[0] + box.width / scale / 2)
    axes.set_ylim(middle[1] - box.height / scale / 2, middle[1] + box.height / scale / 2)


def _clusters(axes, view: View, at) -> dict[str, Bbox]:
    """A pale box behind each cluster's addresses, as the explorer groups them; the boxes in data units."""
    boxes = {}
    for cluster, members in view.clusters.items():
        pixels = axes.transData.transform([at[member] for member in members])
        low, high = pixels.min(axis=0) - np.array(CLUSTER_PAD), pixels.max(axis=0) + np.array(CLUSTER_PAD)
        box = Bbox(axes.transData.inverted().transform([low, high]))
        boxes[cluster] = box
        axes.add_patch(
            FancyBboxPatch(
                (box.x0, box.y0),
                box.width,
                box.height,
                boxstyle="round,pad=0",
                fc="#eef2f6",
                ec="#cbd2d9",
                lw=0.6,
                zorder=0,
            )
        )
    return boxes


def _edges(axes, view: View, at) -> None:
    """Arrows, as the explorer draws them; plain lines past ARROWS (slow to draw, and too small to see)."""
    if len(view.edges) > ARROWS:
        lines = [(at[e.source], at[e.target]) for e in view.edges]
        axes.add_collection(LineCollection(lines, colors="#9aa5b1", linewidths=0.5, zorder=1))
        return
    arrow = {"arrowstyle": "-|>", "color": "#9aa5b1", "lw": 0.7, "shrinkA": 4, "shrinkB": 4}
    for edge in view.edges:
        axes.annotate("", xy=at[edge.target], xytext=at[edge.source], zorder=1, arrowprops=arrow)


def _nodes(axes, view: View, at) -> None:
    """One scatter per shape and size (a scatter per node is slow for thousands)."""
    groups: dict[tuple[str, bool], list[Node]] = {}
    for node in view.nodes:
        groups.setdefault((node.kind, node.subject), []).append(node)
    for (kind, subject), nodes in groups.items():
        xs, ys = zip(*(at[n.id] for n in nodes), strict=True)
        colours = [risk_colour(n.risk) for n in nodes]
        edge = "#1f2933" if subject else "white"
        size = NODE_SIZES[kind] * (2 if subject else 1)
        axes.scatter(xs, ys, s=size, marker=MARKERS[kind], color=colours, edgecolors=edge, linewidths=0.8, zorder=3)


def _legend(figure) -> None:
    shades = [("risk low (0)", 0.0), ("medium (0.5)", 0.5), ("high (1)", 1.0), ("unscored", None)]
    handles = [Patch(color=risk_colour(risk), label=name) for name, risk in shades]
    handles += [Line2D([], [], marker=MARKERS[kind], ls="", color="#52606d", label=kind) for kind in MARKERS]
    figure.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=5.5, frameon=False)


def _radius(node: Node) -> float:
    """The node's marker radius in points (scatter sizes are areas in points²)."""
    return (NODE_SIZES[node.kind] * (2 if node.subject else 1)) ** 0.5 / 2


def _node_boxes(axes, view: View, at) -> list[Bbox]:
    """Each node's marker as a box in pixels, so no label covers a node."""
    boxes = []
    for node in view.nodes:
        x, y = axes.transData.transform(at[node.id])
        half = _radius(node) * DPI / 72
        boxes.append(Bbox.from_extents(x - half, y - half, x + half, y + half))
    return boxes


def _order(view: View) -> list[Node]:
    """Subjects first, then the riskiest: when room runs out, the labels that matter are the ones kept."""
    return sorted(
        view.nodes, key=lambda n: (not n.subject, n.kind == "transaction", -(-1 if n.risk is None else n.risk))
    )


def _wanted(view: View, at, clusters: dict[str, Bbox]) -> list[Wanted]:
    nodes = [Wanted(n.label, _around(n, at[n.id]), 5.5 if n.kind == "transaction" else 6.5) for n in _order(view)]
    edges = [Wanted(e.label, _along(at[e.source], at[e.target]), 5) for e in view.edges if e.label]
    groups = [
        Wanted(
            f"cluster {label('cluster', cluster)}",
            [((box.x0, box.y1), 0, 1, "left", "bottom"), ((box.x0, box.y0), 0, -1, "left", "top")],
            5.5,
        )
        for cluster, box in clusters.items()
    ]
    return nodes + groups + edges


def _around(node: Node, point: tuple[float, float]) -> list:
    reach = _radius(node) + GAP
    return [(point, x * reach, y * reach, HORIZONTAL[int(np.sign(x))], VERTICAL[int(np.sign(y))]) for x, y in AROUND]


def _along(a: tuple[float, float], b: tuple[float, float]) -> list:
    points = [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for t in ALONG]
    return [(point, dx, dy, "center", "center") for point in points for dx, dy in EDGE_OFFSETS]
