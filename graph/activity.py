"""Cypher for what just arrived: who paid and who was paid in freshly written blocks or mempool transactions.

Real-time anomaly detection (screening/anomalies.py) asks this right after each write, so each query starts
from indexed keys (block hash, txid) and walks only the new transactions' own edges. One row per address and
transaction side; the caller sums them (a transaction that pays its own spender counts once as activity).
"""

from typing import Any

from graph.store import GraphStore

# The block is matched in a clause of its own: FalkorDB then seeks it by its index and expands from it.
_BLOCK_SENT = """
UNWIND $hashes AS h
MATCH (b:Block {hash: h})
WITH b
MATCH (t:Transaction)-[:IN_BLOCK]->(b)
MATCH (a:Address)-[e:INPUT]->(t)
RETURN a.address AS address, t.txid AS txid, b.time AS time, e.value AS value
"""

_BLOCK_RECEIVED = """
UNWIND $hashes AS h
MATCH (b:Block {hash: h})
WITH b
MATCH (t:Transaction)-[:IN_BLOCK]->(b)
MATCH (t)-[e:OUTPUT]->(a:Address)
RETURN a.address AS address, t.txid AS txid, b.time AS time, e.value AS value
"""

_TX_SENT = """
UNWIND $txids AS x
MATCH (t:Transaction {txid: x})
WITH t
MATCH (a:Address)-[e:INPUT]->(t)
RETURN a.address AS address, t.txid AS txid, t.time AS time, e.value AS value
"""

_TX_RECEIVED = """
UNWIND $txids AS x
MATCH (t:Transaction {txid: x})
WITH t
MATCH (t)-[e:OUTPUT]->(a:Address)
RETURN a.address AS address, t.txid AS txid, t.time AS time, e.value AS value
"""

_CLUSTERS = """
UNWIND $addresses AS x
MATCH (a:Address {address: x})
WITH a, x
MATCH (a)-[:IN_CLUSTER]->(c:Cluster)
RETURN x AS address, c.cluster_id AS cluster
"""


def block_activity(store: GraphStore, hashes: list[str]) -> list[dict[str, Any]]:
    """Rows of (address, txid, time, value, side) for every input and output of the blocks `hashes`;
    `time` is the block's, `side` is "sent" or "received"."""
    if not hashes:
        return []
    return _sided(store.read(_BLOCK_SENT, hashes=hashes), store.read(_BLOCK_RECEIVED, hashes=hashes))


def tx_activity(store: GraphStore, txids: list[str]) -> list[dict[str, Any]]:
    """The same rows for loose (mempool) transactions; `time` is None, as they are in no block yet."""
    if not txids:
        return []
    return _sided(store.read(_TX_SENT, txids=txids), store.read(_TX_RECEIVED, txids=txids))


def clusters_of(store: GraphStore, addresses: list[str]) -> dict[str, str]:
    """Address → cluster id, for the addresses that have a cluster."""
    if not addresses:
        return {}
    return {row["address"]: row["cluster"] for row in store.read(_CLUSTERS, addresses=addresses)}


def _sided(sent: list[dict[str, Any]], received: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "side": "sent"} for row in sent] + [{**row, "side": "received"} for row in received]
