"""Cypher for reclustering after a rollback: which clusters an orphaned block linked, who is in them, and
what evidence for their links is left.

Each read starts from indexed keys (a block hash, cluster ids, addresses) and walks only their own edges,
so the cost is bounded by the members of the clusters the block touched, never the whole graph. The
write that applies the result is part of the rollback's own statement (graph/chain.py), so a block is
never gone while its merges stay.
"""

from dataclasses import dataclass
from typing import Any, TypedDict

from graph.store import GraphStore

# Clusters that a linking transaction of the block (multi-input or change) touched, and all its txids.
_LINKED_BY_BLOCK = """
MATCH (b:Block {hash: $hash})
MATCH (t:Transaction)-[:IN_BLOCK]->(b)
OPTIONAL MATCH (a:Address)-[:INPUT|OUTPUT]-(t)
WHERE t.multi_input = true OR t.change_n IS NOT NULL
OPTIONAL MATCH (a)-[:IN_CLUSTER]->(c:Cluster)
RETURN collect(DISTINCT t.txid) AS txids, collect(DISTINCT c.cluster_id) AS clusters
"""

_MEMBERS = """
UNWIND $clusters AS id
MATCH (a:Address)-[:IN_CLUSTER]->(:Cluster {cluster_id: id})
RETURN a.address AS address, id AS cluster
"""

# Merges the orphaned transactions caused, into the affected clusters or into clusters merged into them
# since: the merged-away ids can be given back.
_MERGED_BY = """
UNWIND $clusters AS id
MATCH (s:Cluster)-[m:MERGED_INTO]->(t:Cluster)-[:MERGED_INTO*0..8]->(:Cluster {cluster_id: id})
WHERE m.txid IN $txids
RETURN DISTINCT s.cluster_id AS source, t.cluster_id AS target, id AS live
"""

# The linking transactions the members spend in, outside the orphaned block: the evidence that remains.
_EVIDENCE = """
UNWIND $addresses AS x
MATCH (a:Address {address: x})-[:INPUT]->(t:Transaction)
WHERE t.height IS NOT NULL AND t.block_hash <> $hash AND (t.multi_input = true OR t.change_n IS NOT NULL)
WITH DISTINCT t
MATCH (i:Address)-[:INPUT]->(t)
RETURN t.txid AS txid, t.height AS height, t.multi_input AS multi_input, t.change_n AS change_n,
       t.change_heuristics AS change_heuristics, t.change_confidence AS change_confidence,
       t.out_address AS out_address, collect(DISTINCT i.address) AS inputs
"""

_TAKEN = "UNWIND $ids AS id MATCH (k:Cluster {cluster_id: id}) RETURN k.cluster_id AS id"


@dataclass(frozen=True)
class Linked:
    """What one block's transactions joined: their txids and the clusters their addresses are in."""

    txids: list[str]
    clusters: list[str]


def linked_by_block(store: GraphStore, block_hash: str) -> Linked:
    rows = store.read(_LINKED_BY_BLOCK, hash=block_hash)
    if not rows:
        return Linked([], [])
    return Linked(sorted(rows[0]["txids"] or []), sorted(c for c in rows[0]["clusters"] or [] if c))


def cluster_members(store: GraphStore, clusters: list[str]) -> dict[str, str]:
    """Address → cluster, for every member of `clusters`."""
    if not clusters:
        return {}
    return {row["address"]: row["cluster"] for row in store.read(_MEMBERS, clusters=clusters)}


class Merge(TypedDict):
    """A merge an orphaned transaction caused. TypedDicts, these rows: chain/reorg.py groups them by key."""

    source: str  # the merged-away cluster
    target: str  # the one it went into
    live: str  # the one of the asked clusters that holds its members now


class Evidence(TypedDict):
    """A linking transaction that remains: multi-input, or with a change output clustering trusted."""

    txid: str
    height: int
    multi_input: bool | None
    change_n: int | None
    change_heuristics: Any
    change_confidence: float | None
    out_address: list[str] | None
    inputs: list[str]


def merged_by(store: GraphStore, clusters: list[str], txids: list[str]) -> list[Merge]:
    """(source, target, live) for each merge that `txids` caused: the merged-away cluster, the one it went
    into, and the one of `clusters` that holds its members now."""
    if not clusters or not txids:
        return []
    return store.read(_MERGED_BY, clusters=clusters, txids=txids)


def remaining_evidence(store: GraphStore, addresses: list[str], block_hash: str) -> list[Evidence]:
    """The multi-input and change transactions that `addresses` spend in, the block `block_hash` left out."""
    if not addresses:
        return []
    return store.read(_EVIDENCE, addresses=addresses, hash=block_hash)


def taken_ids(store: GraphStore, ids: list[str]) -> set[str]:
    return {row["id"] for row in store.read(_TAKEN, ids=ids)} if ids else set()
