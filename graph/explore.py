"""Cypher for investigators: what the graph says about one address, cluster or transaction right now."""

from typing import Any

from graph.store import GraphStore

_SNAPSHOTS = {
    "address": """
MATCH (a:Address {address: $ref})
OPTIONAL MATCH (a)-[:IN_CLUSTER]->(c:Cluster)
RETURN a.risk AS risk, a.risk_label AS label, a.risk_model AS model, a.risk_reasons AS reasons,
       a.received AS received, a.sent AS sent, c.cluster_id AS cluster
""",
    "cluster": """
MATCH (c:Cluster {cluster_id: $ref})
RETURN c.risk AS risk, c.flagged AS flagged, c.flagged_addresses AS flagged_addresses, c.risk_model AS model,
       c.size AS size, c.received AS received, c.sent AS sent
""",
    "transaction": """
MATCH (t:Transaction {txid: $ref})
RETURN t.height AS height, t.fee AS fee, t.coinjoin AS coinjoin, t.n_in AS n_in, t.out_value AS out_value
""",
}


def snapshot(store: GraphStore, kind: str, ref: str) -> dict[str, Any] | None:
    """The properties a case records when it takes `ref` on as a subject; None when the graph has no such
    node. `kind`: address, cluster or transaction."""
    rows = store.read(_SNAPSHOTS[kind], ref=ref)
    return rows[0] if rows else None
