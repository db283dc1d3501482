"""Reads of why the model scored an address or a cluster, worded (graphml/wording.py), with the neighbours
that weighed most, for the address and cluster pages.

A cluster has no reasons of its own: a job explains addresses. Its reasons are its explained members'
combined, each feature's attributions summed over the members that name it, so a feature that drove many
members' scores leads; its neighbours are the members' influential neighbours, those that influenced the
most members first.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from graph.explore import address_detail
from graph.ml import addresses_brief, cluster_explained_members
from graph.store import GraphStore
from graphml.wording import worded

SCAN = 2_000  # cluster members looked at for explained ones
MEMBERS = 50  # explained members combined, riskiest first
TOP_FEATURES = 6
TOP_NEIGHBOURS = 10


@dataclass
class ReasonsRead:
    """`explained`: how many addresses the reasons come from (1 for an address with reasons, 0 without);
    `complete`: every member of a cluster was looked at."""

    ref: str
    model: str | None
    risk: float | None
    reasons: list[dict]
    neighbours: list[dict]
    explained: int
    scanned: int = 1
    complete: bool = True
    notes: list[str] = field(default_factory=list)


def address_reasons(store: GraphStore, address: str) -> ReasonsRead | None:
    """None when the graph holds no such address; no reasons until a job explained it."""
    detail = address_detail(store, address)
    if detail is None:
        return None
    features = detail.reasons or []
    return ReasonsRead(
        ref=address,
        model=detail.risk_model,
        risk=detail.risk,
        reasons=worded(features, detail.reason_weights),
        neighbours=_neighbours(store, Counter(detail.influential or []), home=detail.cluster),
        explained=1 if features else 0,
    )


def cluster_reasons(store: GraphStore, cluster_id: str, *, size: int | None, risk, model) -> ReasonsRead:
    """The cluster's (`size`, `risk`, `model` from its detail) explained members' reasons, combined."""
    members = cluster_explained_members(store, cluster_id, scan=SCAN, limit=MEMBERS)
    summed: dict[str, float] = defaultdict(float)
    influenced: Counter[str] = Counter()
    for member in members:
        for name, weight in zip(member["features"] or [], member["weights"] or [], strict=False):
            summed[name] += float(weight)
        influenced.update(set(member["neighbours"] or []))
    strongest = sorted(summed, key=lambda name: -abs(summed[name]))[:TOP_FEATURES]
    notes = [] if (size or 0) <= SCAN else [f"reasons from the explained among the first {SCAN} of {size} members"]
    return ReasonsRead(
        ref=cluster_id,
        model=model,
        risk=risk,
        reasons=worded(strongest, [summed[name] for name in strongest]),
        neighbours=_neighbours(store, influenced, home=cluster_id),
        explained=len(members),
        scanned=min(size or 0, SCAN),
        complete=(size or 0) <= SCAN,
        notes=notes,
    )


def _neighbours(store: GraphStore, influenced: Counter[str], *, home: str | None) -> list[dict]:
    """The most influential first (by how many explained addresses named them, then as stored), each with its
    risk, label and whether it is in the same cluster as what was explained."""
    chosen = [address for address, _ in influenced.most_common(TOP_NEIGHBOURS)]
    known = addresses_brief(store, chosen) if chosen else {}
    return [
        {
            "address": address,
            "risk": known.get(address, {}).get("risk"),
            "label": known.get(address, {}).get("label"),
            "influenced": influenced[address],
            "same_cluster": home is not None and known.get(address, {}).get("cluster") == home,
        }
        for address in chosen
    ]
