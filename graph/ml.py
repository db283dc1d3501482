"""Cypher that reads the graph in bulk for machine learning: addresses and confirmed transactions, page by page.

Pages are ranges of internal node ids, so each is one id-range seek and no page
is sorted; a page returns whole transactions with their inputs, so features and
edges are built in numpy without one query per node.
"""

from collections.abc import Iterator
from typing import Any

from graph.store import GraphStore

_TOP_ID = "MATCH (n) RETURN max(id(n)) AS top"

_ADDRESSES = """
MATCH (a:Address) WHERE id(a) >= $lo AND id(a) < $hi AND a.first_height IS NOT NULL
RETURN a.address AS address, a.script_type AS script_type
"""

# Inputs come as two lists collected from the same rows (a list of pairs would keep a [null, null]
# for a coinbase on FalkorDB, which collects non-null lists of nulls). collect() drops nulls, so an
# input whose value is not known yet (its address read from the input itself) counts as 0, keeping
# the two lists aligned.
_TRANSACTIONS = """
MATCH (t:Transaction) WHERE id(t) >= $lo AND id(t) < $hi AND t.height IS NOT NULL
OPTIONAL MATCH (a:Address)-[i:INPUT]->(t)
WITH t, collect(a.address) AS in_address,
     collect(CASE WHEN a IS NULL THEN null ELSE coalesce(i.value, 0) END) AS in_value
RETURN t.txid AS txid, t.height AS height, t.fee AS fee, t.size AS size, t.coinjoin AS coinjoin,
       t.coinbase AS coinbase, t.n_in AS n_in, t.out_address AS out_address, t.out_value AS out_value,
       t.multi_input AS multi_input, t.change_n AS change_n, t.change_confidence AS change_confidence,
       in_address, in_value
"""


def address_pages(store: GraphStore, *, page: int = 50_000) -> Iterator[list[dict[str, Any]]]:
    """Confirmed addresses (those with a first height) and their script types."""
    yield from _pages(store, _ADDRESSES, page)


def transaction_pages(store: GraphStore, *, page: int = 20_000) -> Iterator[list[dict[str, Any]]]:
    """Confirmed transactions with their outputs (address, value), resolved inputs (address, value) and what
    clustering made of them (multi-input linked; the change output and its confidence)."""
    yield from _pages(store, _TRANSACTIONS, page)


def _pages(store: GraphStore, query, page: int) -> Iterator[list[dict[str, Any]]]:
    top = store.read(_TOP_ID)[0]["top"]
    if top is None:
        return
    for lo in range(0, top + 1, page):
        rows = store.read(query, lo=lo, hi=lo + page)
        if rows:
            yield rows


_WRITE_SCORES = """
UNWIND $rows AS r
MATCH (a:Address {address: r.address})
SET a.risk = r.risk, a.risk_label = r.label, a.risk_model = $model
"""

# A cluster is as risky as its riskiest member, and flagged when any member is.
_FLAG_CLUSTERS = """
MATCH (a:Address)-[:IN_CLUSTER]->(c:Cluster)
WITH c, max(a.risk) AS risk, sum(CASE WHEN a.risk_label = 'illicit' THEN 1 ELSE 0 END) AS flagged
SET c.risk = risk, c.flagged_addresses = flagged, c.flagged = flagged > 0, c.risk_model = $model
RETURN sum(CASE WHEN flagged > 0 THEN 1 ELSE 0 END) AS flagged_clusters
"""


def write_scores(store: GraphStore, rows: list[dict[str, Any]], *, model: str) -> None:
    """rows: address, risk (0-1), label (illicit|licit); `model` (a version name) goes once per statement,
    not once per row: FalkorDB's client writes parameters into the query text, a cost per character."""
    for lo in range(0, len(rows), 5_000):
        store.write(_WRITE_SCORES, rows=rows[lo : lo + 5_000], model=model)


def flag_clusters(store: GraphStore, *, model: str) -> int:
    """Roll address scores up to their clusters; returns how many clusters are flagged."""
    rows = store.write(_FLAG_CLUSTERS, model=model)
    return int(rows[0]["flagged_clusters"] or 0) if rows else 0  # FalkorDB's sum() is a float


_CLUSTER_MEMBERS = "MATCH (a:Address)-[:IN_CLUSTER]->(:Cluster {cluster_id: $cluster}) RETURN a.address AS address"


def cluster_members(store: GraphStore, cluster_id: str) -> set[str]:
    return {row["address"] for row in store.read(_CLUSTER_MEMBERS, cluster=cluster_id)}


_WRITE_REASONS = """
UNWIND $rows AS r
MATCH (a:Address {address: r.address})
SET a.risk_reasons = r.features, a.risk_reason_weights = r.weights, a.risk_neighbours = r.neighbours
"""


def write_reasons(store: GraphStore, rows: list[dict[str, Any]]) -> None:
    """rows: address, features (names), weights, neighbours (addresses): why it was flagged."""
    store.write_rows(_WRITE_REASONS, rows, batch_size=1_000)
