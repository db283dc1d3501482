"""Exposure: how close an address is to categories of actors, directly and through the flow of funds.

- **Direct**: the tags on the address itself and on its cluster (the same owner).
- **Indirect**: of everything the address received, the share that came from each category within N
  hops (backward); of everything it sent, the share that went to each category within N hops
  (forward), with the nearest hop. Value is traced by haircut (investigations/tracing.py) and stops
  at the first tagged address on each path: funds that reach a service have arrived, so a payment
  through an exchange does not also count for whatever the exchange pays later. Shares of one
  direction therefore add up to at most 1.

Only public tags count (graph/tags.py `own_pack=None`): a team's private hand-made tag names the subject
of its work, and must not show through an exchange's verdict or another team's exposure panel.

In the spirit of the exposure figures of Chainalysis KYT and TRM; the arithmetic is ours and tested
on a hand-built graph (tests/screening/test_screening.py).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from graph import get_graph
from graph.explore import AddressDetail, ClusterDetail, address_detail, cluster_biggest_members
from graph.tags import tags_for, tags_in_cluster
from investigations.tracing import follow_money

CLUSTER_TAGS = 50


@dataclass
class Exposure:
    direct: list[dict[str, Any]] = field(default_factory=list)  # category, risk_class, label, via (address|cluster)
    received: dict[str, dict[str, Any]] = field(default_factory=dict)  # category → share, hops, risk_class
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    cut: list[str] = field(default_factory=list)


def _category(tag: dict) -> str:
    return tag["abuse"] or tag["category"] or "unknown"


def exposure(detail: AddressDetail, *, hops: int = 2, fanout: int = 25) -> Exposure:
    """`detail`: the address as graph/explore.address_detail gives it (address, cluster, received, sent)."""
    store = get_graph()
    address, cluster = detail.address, detail.cluster
    in_cluster = tags_in_cluster(store, cluster, limit=CLUSTER_TAGS) if cluster else []
    found = Exposure(direct=_direct(tags_for(store, [address]).get(address, []), in_cluster))
    tagged: dict[str, dict] = {}

    def stop(reached: list[str]) -> set[str]:
        fresh = [a for a in reached if a not in tagged]
        for tagged_address, tags in tags_for(store, fresh).items():
            tagged[tagged_address] = tags[0]  # the most confident
        return {a for a in reached if a in tagged}

    for direction, bucket in (("backward", found.received), ("forward", found.sent)):
        trace = follow_money(address=address, direction=direction, hops=hops, fanout=fanout, stop=stop)
        if trace is None:
            continue
        found.cut += trace.cut
        whole = float((detail.received if direction == "backward" else detail.sent) or 0)
        shares: dict[str, dict[str, Any]] = defaultdict(lambda: {"share": 0.0, "hops": None, "risk_class": None})
        for reached, node in trace.addresses.items():
            tag = tagged.get(reached)
            if tag is None or reached == address or not whole:
                continue
            entry = shares[_category(tag)]
            entry["share"] += node["haircut"] / whole
            entry["hops"] = node["hop"] if entry["hops"] is None else min(entry["hops"], node["hop"])
            entry["risk_class"] = tag["risk_class"]
        bucket.update({category: {**v, "share": min(v["share"], 1.0)} for category, v in shares.items()})
    return found


def tags_exposure(address: str) -> Exposure | None:
    """The exposure of an address the graph has never seen on chain, from its own tags alone (a sanctions list
    names addresses before they are used); None when it has none."""
    own = tags_for(get_graph(), [address]).get(address, [])
    return Exposure(direct=_direct(own, [])) if own else None


def _direct(own: list[dict], in_cluster: list[dict]) -> list[dict[str, Any]]:
    """One entry per category and way (the address's own tags, its cluster's), most confident tag first."""
    direct, seen = [], set()
    for via, tags in (("address", own), ("cluster", in_cluster)):
        for tag in tags:
            if (_category(tag), via) not in seen:
                seen.add((_category(tag), via))
                direct.append({"category": _category(tag), "risk_class": tag["risk_class"], "label": tag["label"],
                               "via": via})  # fmt: skip
    return direct


def cluster_exposure(cluster: ClusterDetail, *, hops: int = 2, members: int = 10) -> Exposure:
    """A cluster's exposure, from its `members` biggest addresses (by value moved): each one's shares,
    weighted by what it received (or sent), so the cluster's shares are of the value those members moved,
    and still add up to at most 1 a direction. A bigger cluster says so in `cut`. `cluster`: as
    graph/explore.cluster_detail gives it."""
    store, found = get_graph(), Exposure()
    weights = {"received": 0.0, "sent": 0.0}
    sums: dict[str, dict[str, dict[str, Any]]] = {"received": {}, "sent": {}}
    for address in cluster_biggest_members(store, cluster.cluster, limit=members):
        detail = address_detail(store, address)
        own = exposure(detail, hops=hops)
        found.direct += [tag for tag in own.direct if tag not in found.direct]
        found.cut += own.cut
        for way in ("received", "sent"):
            volume = float(getattr(detail, way) or 0)
            weights[way] += volume
            for category, entry in getattr(own, way).items():
                into = sums[way].setdefault(category, {"share": 0.0, "hops": entry["hops"], "risk_class": None})
                into["share"] += entry["share"] * volume
                into["hops"] = min(into["hops"], entry["hops"])
                into["risk_class"] = entry["risk_class"]
    for way in ("received", "sent"):
        whole = weights[way]
        getattr(found, way).update({c: {**v, "share": v["share"] / whole} for c, v in sums[way].items() if whole})
    if (cluster.size or 0) > members:
        found.cut.append(f"from the cluster's {members} biggest addresses of {cluster.size:,}")
    return found
