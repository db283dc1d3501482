"""Incremental clusters: turn one block's links into joins, merges and cluster figures.

An address belongs to a cluster once a heuristic links it to another address;
addresses never linked stay on their own (no cluster node). Linking addresses
of two clusters merges the smaller into the larger (its members move, and the
merge is recorded with the transaction and heuristic that caused it), so the
work over a whole chain stays near-linear. A new cluster is named after its
first address, which makes ids repeatable for the same input.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chain.clustering import MULTI_INPUT_CONFIDENCE, TxClustering
from graph.chain import Membership


@dataclass(frozen=True)
class Group:
    """Addresses one transaction links, and why."""

    txid: str
    heuristic: str
    confidence: float
    addresses: tuple[str, ...]


@dataclass
class ClusterPlan:
    joins: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    clusters: list[dict[str, Any]] = field(default_factory=list)


def groups_of(txid: str, analysis: TxClustering, min_change_confidence: float) -> list[Group]:
    groups = []
    if analysis.multi_input:
        groups.append(Group(txid, "multi_input", MULTI_INPUT_CONFIDENCE, analysis.input_addresses))
    change = analysis.change
    if change and analysis.input_addresses and change.confidence >= min_change_confidence:
        heuristic = "+".join(change.heuristics)
        groups.append(Group(txid, heuristic, change.confidence, (analysis.input_addresses[0], change.address)))
    return groups


def linked_components(links: Iterable[Sequence[str]]) -> list[list[str]]:
    """The sets of nodes that `links` join, directly or through others (union-find, path halving), each in
    the order its nodes were first met; a node no link joins to another is not listed."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for nodes in links:
        for node in nodes[1:]:
            parent[find(node)] = find(nodes[0])
    components: dict[str, list[str]] = defaultdict(list)
    for node in list(parent):
        components[find(node)].append(node)
    return list(components.values())


def plan_clusters(
    groups: list[Group],
    members: dict[str, Membership],
    volumes: dict[str, tuple[int, int]],
    *,
    time: int,
    height: int,
    last_time: int | None = None,
) -> ClusterPlan:
    """`members`: the batch's addresses already in the graph; `volumes`: (received, sent) per address in it.

    `time` is the first block's, `last_time` the last's (the same for one block); `height` the last block's.
    """
    cause: dict[str, Group] = {}  # the first group that touched each address or cluster
    links = []
    for group in groups:
        nodes = [_node(address, members) for address in group.addresses]
        for node in nodes:
            cause.setdefault(node, group)
        links.append(nodes)
    plan = ClusterPlan()
    target_of: dict[str, str] = {}
    deltas: dict[str, dict[str, Any]] = defaultdict(lambda: _empty_delta(time, last_time or time, height))
    known = {m.cluster: m for m in members.values() if m.cluster}
    for nodes in linked_components(links):
        if len(nodes) > 1:
            _plan_component(nodes, members, known, cause, plan, target_of, deltas, height)
    _add_activity(members, volumes, target_of, deltas)
    plan.clusters = [{"id": cluster, **delta} for cluster, delta in deltas.items()]
    return plan


def _node(address: str, members: dict[str, Membership]) -> str:
    cluster = members.get(address, Membership()).cluster
    return f"cluster:{cluster}" if cluster else f"address:{address}"


def _plan_component(nodes, members, known, cause, plan, target_of, deltas, height) -> None:
    clusters = {node.removeprefix("cluster:") for node in nodes if node.startswith("cluster:")}
    if clusters:
        target = max(sorted(clusters), key=lambda c: known[c].size)  # the largest absorbs the rest
    else:
        founder = min((n for n in nodes if n.startswith("address:")), key=lambda n: (cause[n].txid, n))
        target = f"cl_{founder.removeprefix('address:')}"
    for cluster in sorted(clusters - {target}):
        group = cause[f"cluster:{cluster}"]
        plan.merges.append(
            {"from": cluster, "to": target, "txid": group.txid, "heuristic": group.heuristic, "height": height}
        )
        _absorb(deltas[target], known[cluster])
        target_of[cluster] = target
    for node in nodes:
        if node.startswith("address:"):
            address = node.removeprefix("address:")
            group = cause[node]
            _absorb_address(deltas[target], members.get(address))
            plan.joins.append(
                {
                    "address": address,
                    "cluster": target,
                    "txid": group.txid,
                    "heuristic": group.heuristic,
                    "confidence": group.confidence,
                }
            )
            target_of[f"address:{address}"] = target


def _add_activity(members, volumes, target_of, deltas) -> None:
    """This batch's volumes count toward the cluster each active address is in after the block."""
    for address, (received, sent) in volumes.items():
        cluster = members.get(address, Membership()).cluster
        cluster = target_of.get(cluster, cluster) if cluster else target_of.get(f"address:{address}")
        if cluster:
            delta = deltas[cluster]
            delta["received"] += received
            delta["sent"] += sent


def _absorb_address(delta: dict[str, Any], joining: Membership | None) -> None:
    """A joining address brings its history: what it received and sent before this block."""
    delta["size"] += 1
    if joining is not None:
        delta["received"] += joining.own_received
        delta["sent"] += joining.own_sent
        if joining.own_first_seen is not None:
            delta["first_seen"] = min(delta["first_seen"], joining.own_first_seen)


def _absorb(delta: dict[str, Any], merged: Membership) -> None:
    delta["size"] += merged.size
    delta["received"] += merged.received
    delta["sent"] += merged.sent
    if merged.first_seen is not None:
        delta["first_seen"] = min(delta["first_seen"], merged.first_seen)


def _empty_delta(first: int, last: int, height: int) -> dict[str, Any]:
    return {"size": 0, "received": 0, "sent": 0, "first_seen": first, "last_seen": last, "height": height}
