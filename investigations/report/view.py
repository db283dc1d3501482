"""What the report's figure draws: the explorer view last saved to the case as evidence (its nodes and edges,
at the positions the investigator left them), or, when none was saved, the case's subjects with their latest
transactions, each address joined to its cluster when both are subjects."""

from dataclasses import dataclass, field

from graph import get_graph
from graph.explore import neighbours
from investigations.models import Case, Evidence
from investigations.report.document import short

NEIGHBOURS_DRAWN = 8  # per address subject, when no view was saved


@dataclass
class Node:
    id: str
    kind: str  # address, transaction, cluster
    label: str
    risk: float | None = None
    subject: bool = False  # drawn larger, labelled first
    position: tuple[float, float] | None = None  # as saved (explorer pixels, y down); None: laid out here


@dataclass
class Edge:
    source: str
    target: str
    label: str = ""


@dataclass
class View:
    caption: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    clusters: dict[str, list[str]] = field(default_factory=dict)  # a cluster → its addresses drawn (2 or more)


def case_view(case: Case) -> View:
    saved = case.evidence.filter(kind=Evidence.Kind.SNAPSHOT).order_by("-acquired_at", "-id").first()
    view = saved_view(saved) if saved is not None else None
    return view if view is not None and view.nodes else subjects_view(case)


def btc(satoshis) -> str:
    if not isinstance(satoshis, int | float):
        return ""
    value = satoshis / 1e8
    return f"{value:.2f} BTC" if value >= 1 else f"{value:.2g} BTC"


def label(kind: str, ref: str, note: str = "") -> str:
    """As the explorer labels a node (frontend/src/graph/model.ts): its note, then the ref shortened."""
    keep = 6 if kind == "address" else 5
    shown = f"{ref[:keep]}…{ref[-keep:]}" if len(ref) > 2 * keep + 1 else ref
    return f"{note} · {shown}" if note else shown


def saved_view(evidence: Evidence) -> View | None:
    """The snapshot as the explorer saved it (frontend/src/graph/model.ts `snapshot`): nodes {id, kind, ref,
    risk, note, position {x, y}}, edges {source, target, value}. Anything malformed is left out, not fatal:
    the snapshot is evidence as it was taken, and the report must still be made."""
    snapshot = evidence.snapshot if isinstance(evidence.snapshot, dict) else {}
    positions = snapshot.get("positions") if isinstance(snapshot.get("positions"), dict) else {}
    start = str(snapshot.get("start") or "")
    nodes = [node for raw in snapshot.get("nodes") or [] if (node := _saved_node(raw, positions, start))]
    known = {node.id for node in nodes}
    edges = [
        Edge(str(e["source"]), str(e["target"]), btc(e.get("value")))
        for e in snapshot.get("edges") or []
        if isinstance(e, dict) and str(e.get("source")) in known and str(e.get("target")) in known
    ]
    clusters: dict[str, list[str]] = {}
    for raw in snapshot.get("nodes") or []:
        if isinstance(raw, dict) and isinstance(raw.get("cluster"), str) and str(raw.get("id")) in known:
            clusters.setdefault(raw["cluster"], []).append(str(raw["id"]))
    caption = (
        f"The explorer view saved to the case as evidence “{evidence.name}” (SHA-256 {short(evidence.sha256)}, "
        f"{evidence.acquired_at:%Y-%m-%d %H:%M} UTC): {len(nodes)} nodes, {len(edges)} edges."
    )
    together = {cluster: members for cluster, members in clusters.items() if len(members) > 1}
    return View(caption=caption, nodes=nodes, edges=edges, clusters=together)


def _saved_node(raw, positions: dict, start: str) -> Node | None:
    if not isinstance(raw, dict) or not raw.get("id"):
        return None
    kind = raw.get("kind") if raw.get("kind") in ("address", "transaction", "cluster") else "address"
    ref = str(raw.get("ref") or raw["id"])
    risk = raw.get("risk") if isinstance(raw.get("risk"), int | float) else None
    note = raw.get("note") if isinstance(raw.get("note"), str) else ""
    node = Node(str(raw["id"]), kind, label(kind, ref, note), risk, subject=ref == start)
    node.position = _position(raw.get("position") or positions.get(node.id))
    return node


def _position(saved) -> tuple[float, float] | None:
    if isinstance(saved, dict) and all(isinstance(saved.get(axis), int | float) for axis in ("x", "y")):
        return float(saved["x"]), float(saved["y"])
    return None


def subjects_view(case: Case) -> View:
    """The subjects; each address subject's latest transactions (a transaction two share is drawn once, so
    the figure shows how they connect); an address subject joined to its cluster when that is a subject too."""
    store, view = get_graph(), View(caption="")
    subjects = list(case.subjects.order_by("id"))
    for subject in subjects:
        risk = (subject.snapshot or {}).get("risk")
        view.nodes.append(
            Node(f"{subject.kind}:{subject.ref}", subject.kind, label(subject.kind, subject.ref), risk, subject=True)
        )
    drawn = {node.id for node in view.nodes}
    for subject in subjects:
        if subject.kind == "address":
            _transactions(store, subject.ref, view, drawn)
            cluster = (subject.snapshot or {}).get("cluster")
            if cluster and f"cluster:{cluster}" in drawn:
                view.edges.append(Edge(f"address:{subject.ref}", f"cluster:{cluster}", "in cluster"))
    view.caption = (
        "The case's subjects and their latest transactions (no explorer view was saved to the case): "
        f"{len(view.nodes)} nodes, {len(view.edges)} edges."
    )
    return view


def _transactions(store, address: str, view: View, drawn: set[str]) -> None:
    """The address's latest transactions, one edge per transaction and direction (outputs summed)."""
    merged: dict[tuple[str, str], dict] = {}
    for edge in neighbours(store, address, limit=NEIGHBOURS_DRAWN * 4).items:
        key = (edge["txid"], edge["direction"])
        if key in merged:
            merged[key]["value"] += edge["value"]
        elif len(merged) < NEIGHBOURS_DRAWN:
            merged[key] = dict(edge)
    for (txid, direction), edge in merged.items():
        tx = f"transaction:{txid}"
        if tx not in drawn:
            drawn.add(tx)
            view.nodes.append(Node(tx, "transaction", label("transaction", txid)))
        ends = (f"address:{address}", tx) if direction == "out" else (tx, f"address:{address}")
        view.edges.append(Edge(*ends, btc(edge["value"])))
