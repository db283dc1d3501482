"""Rolling back a block that a reorganisation orphaned: its volumes, and the clusters it linked.

A cluster is the closure of its evidence (multi-input spends and confident change guesses). When a block
goes, the clusters its transactions touched are recomputed from the evidence that remains, so a cluster
that was one only because of an orphaned transaction splits back (docs/clustering.md). Only the members
of those clusters are read, never the whole graph. Each piece keeps an id it had: the largest keeps the
cluster's, a piece holding a merged-away cluster's founder gets that cluster back, and any other is
named after its founder as ingestion names a new cluster. The rollback is then announced
(`chain_rolled_back`) so screening can take the block's statistics back.
"""

import logging
from collections import defaultdict

from chain.clustering import MULTI_INPUT_CONFIDENCE
from chain.clusters import Group, linked_components
from chain.signals import chain_rolled_back
from graph import chain as chain_graph
from graph import recluster
from graph.store import GraphStore

log = logging.getLogger(__name__)


def block_rollback(store: GraphStore, block_hash: str, *, min_change_confidence: float) -> int:
    """Undo one block in one statement, its clusters recomputed; returns the transactions removed."""
    plan = recluster_plan(store, block_hash, min_change_confidence)
    removed = chain_graph.rollback_block(store, block_hash, plan)
    for receiver, error in chain_rolled_back.send_robust(sender=block_rollback, block=block_hash):
        if isinstance(error, Exception):
            log.error("a listener of rollbacks failed (%s): %r", receiver, error)
    return removed


def recluster_plan(store: GraphStore, block_hash: str, min_change_confidence: float) -> dict[str, list]:
    """What the rollback statement must change in the clusters the block's transactions linked."""
    linked = recluster.linked_by_block(store, block_hash)
    if not linked.clusters:
        return dict(chain_graph.NO_RECLUSTER)
    members = recluster.cluster_members(store, linked.clusters)
    merges = recluster.merged_by(store, linked.clusters, linked.txids)
    evidence = recluster.remaining_evidence(store, sorted(members), block_hash)
    components, cause = _components(_groups(evidence, members, min_change_confidence))
    names = _names(store, components, members, merges, cause, block_hash)
    refigured = sorted(set(names.values()))
    relinks = [
        {"address": address, "cluster": names[i], **cause[address]}
        for i, component in enumerate(components)
        for address in component
    ]
    gone = (set(linked.clusters) | {merge["source"] for merge in merges}) - set(refigured)
    return {
        "members": sorted(members),
        "unmerges": [{"source": merge["source"], "target": merge["target"]} for merge in merges],
        "txids": linked.txids,
        "dissolved": sorted(gone),
        "relinks": relinks,
        "refigured": refigured,
    }


def _groups(evidence: list[dict], members: dict[str, str], min_change_confidence: float) -> list[Group]:
    """The links the remaining transactions make among `members`, oldest first, as ingestion made them."""
    groups = []
    for row in sorted(evidence, key=lambda row: (row["height"], row["txid"])):
        inputs = tuple(sorted(address for address in row["inputs"] if address in members))
        if row["multi_input"] and len(inputs) > 1:
            groups.append(Group(row["txid"], "multi_input", MULTI_INPUT_CONFIDENCE, inputs))
        change_n, confidence = row["change_n"], row["change_confidence"]
        if change_n is None or confidence is None or confidence < min_change_confidence or not inputs:
            continue
        change = (row["out_address"] or [])[change_n] if change_n < len(row["out_address"] or []) else ""
        if change in members and change != inputs[0]:
            heuristic = "+".join(row["change_heuristics"] or [])
            groups.append(Group(row["txid"], heuristic, confidence, (inputs[0], change)))
    return groups


def _components(groups: list[Group]) -> tuple[list[list[str]], dict[str, dict]]:
    """Connected addresses (two or more), each sorted; and per address the first link that reached it."""
    cause: dict[str, dict] = {}
    for group in groups:
        for address in group.addresses:
            cause.setdefault(
                address, {"txid": group.txid, "heuristic": group.heuristic, "confidence": group.confidence}
            )
    pieces = linked_components(group.addresses for group in groups)
    return sorted(sorted(piece) for piece in pieces if len(piece) > 1), cause


def _names(store, components, members, merges, cause, block_hash) -> dict[int, str]:
    """Component index → cluster id (see the module's docstring)."""
    by_cluster: dict[str, list[int]] = defaultdict(list)
    for i, component in enumerate(components):
        by_cluster[members[component[0]]].append(i)
    given_back = defaultdict(list)  # live cluster → clusters merged into it by the orphaned transactions
    for merge in merges:
        given_back[merge["live"]].append(merge["source"])
    names: dict[int, str] = {}
    fresh: dict[int, str] = {}
    for cluster, pieces in by_cluster.items():
        pieces.sort(key=lambda i: (-len(components[i]), components[i][0]))
        names[pieces[0]] = cluster
        for i in pieces[1:]:
            own = set(components[i])
            back = [s for s in sorted(given_back[cluster]) if s.startswith("cl_") and s[3:] in own]
            if back and back[0] not in names.values():
                names[i] = back[0]
            else:
                founder = min(components[i], key=lambda address: (cause[address]["txid"], address))
                fresh[i] = f"cl_{founder}"
    taken = recluster.taken_ids(store, sorted(fresh.values()))
    for i, name in fresh.items():
        names[i] = f"{name}-{block_hash[:12]}" if name in taken or name in names.values() else name
    return names
