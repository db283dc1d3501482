"""Cypher for what just arrived: who paid and who was paid in freshly written blocks or mempool transactions.

Real-time anomaly detection (screening/anomalies.py) gets the figures of ingested blocks from the ingest
itself; it reads them here for loose (mempool) transactions and for a block scanned again by hand. Each
query starts from indexed keys (block hash, txid) and walks only those transactions' own edges.
"""

from typing import TypedDict

from graph.store import GraphStore

# One row per address: the transactions it took part in (each once, though it may both pay and be paid in
# one), what it sent and what it received. The block is matched in a clause of its own: FalkorDB then seeks
# it by its index and expands from it.
_PER_ADDRESS = """
MATCH (a:Address)-[e:INPUT|OUTPUT]-(t)
RETURN a.address AS address, count(DISTINCT t) AS n_tx, max(time) AS time,
       sum(CASE WHEN type(e) = 'INPUT' THEN e.value ELSE 0 END) AS sent,
       sum(CASE WHEN type(e) = 'OUTPUT' THEN e.value ELSE 0 END) AS received
"""

_OF_BLOCKS = """
UNWIND $hashes AS h
MATCH (b:Block {hash: h})
WITH b
MATCH (t:Transaction)-[:IN_BLOCK]->(b)
WITH t, b.time AS time
"""

_OF_TXS = """
UNWIND $txids AS x
MATCH (t:Transaction {txid: x})
WITH t, null AS time
"""

_TOUCHING = """
MATCH (a:Address)-[:INPUT|OUTPUT]-(t)
WHERE a.address IN $addresses
RETURN DISTINCT a.address AS address, t.txid AS txid
"""

_CLUSTERS = """
UNWIND $addresses AS x
MATCH (a:Address {address: x})
WITH a, x
MATCH (a)-[:IN_CLUSTER]->(c:Cluster)
RETURN x AS address, c.cluster_id AS cluster
"""


class AddressActivity(TypedDict):
    """What one address did in the blocks or transactions read: screening's anomaly scan turns these rows
    into columns by key, as it does the ingest's own figures."""

    address: str
    n_tx: int
    time: int | None  # the block's time; None for a loose (mempool) transaction
    sent: int | float  # satoshis, as the engine's sum() gives them
    received: int | float


class Touch(TypedDict):
    """An address that took part in a transaction."""

    address: str
    txid: str


def activity_of(store: GraphStore, *, blocks: list[str], txids: list[str]) -> list[AddressActivity]:
    """Per address of the blocks `blocks` and the loose transactions `txids`: n_tx, sent, received and time
    (the block's; None for a loose transaction)."""
    rows = store.read(_OF_BLOCKS + _PER_ADDRESS, hashes=blocks) if blocks else []
    return rows + (store.read(_OF_TXS + _PER_ADDRESS, txids=txids) if txids else [])


def txids_touching(store: GraphStore, addresses: list[str], *, blocks: list[str], txids: list[str]) -> list[Touch]:
    """(address, txid) for the transactions of `blocks` and `txids` in which `addresses` took part."""
    if not addresses:
        return []
    rows = store.read(_OF_BLOCKS + _TOUCHING, hashes=blocks, addresses=addresses) if blocks else []
    return rows + (store.read(_OF_TXS + _TOUCHING, txids=txids, addresses=addresses) if txids else [])


def clusters_of(store: GraphStore, addresses: list[str]) -> dict[str, str]:
    """Address → cluster id, for the addresses that have a cluster."""
    if not addresses:
        return {}
    return {row["address"]: row["cluster"] for row in store.read(_CLUSTERS, addresses=addresses)}
