"""Cypher that reads the graph in bulk for machine learning: addresses and confirmed transactions, page by page.

Pages are ranges of internal node ids, so each is one id-range seek and no page
is sorted; a page returns whole transactions with their inputs, so features and
edges are built in numpy without one query per node.
"""

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
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


# What a labeling job writes against: each confirmed address's internal id (the write seeks by it) and the
# score it holds now (a re-run writes only what changed).
_SCORED = """
MATCH (a:Address) WHERE id(a) >= $lo AND id(a) < $hi AND a.first_height IS NOT NULL
RETURN id(a) AS id, a.address AS address, a.risk AS risk, a.risk_label AS label, a.risk_model AS model
"""

# Rows are [id, risk, flagged, address] lists, not maps: FalkorDB's client writes parameters into the query text,
# and a map repeats its keys on every row. The id is projected before the MATCH so that FalkorDB plans a
# NodeByIdSeek (`WHERE id(a) = r[0]` straight after UNWIND scans every address for each row). The address is
# checked too: both engines reuse a deleted node's id, so a reorg between the read and the write could
# otherwise hand one address's score to another. An address no longer flagged, or scored by another model,
# loses its reasons (setting null removes a property on both engines): the page must not explain a verdict
# with another model's reasons; the job writes this model's reasons after the scores.
_WRITE_SCORES = """
UNWIND $rows AS r
WITH r[0] AS node, r[1] AS risk, r[2] AS flagged, r[3] AS address
MATCH (a:Address) WHERE id(a) = node AND a.address = address
WITH a, risk, flagged, flagged = 1 AND a.risk_model = $model AS still_explained
SET a.risk_reasons = CASE WHEN still_explained THEN a.risk_reasons END,
    a.risk_reason_weights = CASE WHEN still_explained THEN a.risk_reason_weights END,
    a.risk_neighbours = CASE WHEN still_explained THEN a.risk_neighbours END,
    a.risk = risk, a.risk_label = CASE WHEN flagged = 1 THEN 'illicit' ELSE 'licit' END, a.risk_model = $model
"""
SCORES_BATCH = 50_000  # profiled at 200,000 addresses: 5,000 to 200,000 a statement are within noise


def scored_pages(store: GraphStore, *, page: int = 100_000) -> Iterator[list[dict[str, Any]]]:
    """Confirmed addresses with their internal id and the score they hold (risk, label, model; null if none)."""
    yield from _pages(store, _SCORED, page)


def write_scores(
    store: GraphStore, rows: list[list], *, model: str, on_batch: Callable[[int], None] = lambda n: None
) -> None:
    """rows: [internal id, risk (0-1), 1 if flagged else 0, address], from scored_pages; `model` (a version name)
    goes once per statement, not once per row; `on_batch` hears how many rows each statement wrote. Two
    statements are in flight at a time, so the client encodes one while the server applies the other
    (FalkorDB applies the writes to a graph one at a time)."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="write-scores") as pool:
        pending: list[tuple[Future, int]] = []
        for lo in range(0, len(rows), SCORES_BATCH):
            if len(pending) == 2:
                _settled(*pending.pop(0), on_batch)
            batch = rows[lo : lo + SCORES_BATCH]
            pending.append((pool.submit(store.write, _WRITE_SCORES, rows=batch, model=model), len(batch)))
        for future, size in pending:
            _settled(future, size, on_batch)


# A few addresses by key: an investigator's or a seed's small delta, where reading ids first costs more.
_WRITE_ADDRESS_SCORES = """
UNWIND $rows AS r
MATCH (a:Address {address: r.address})
SET a.risk = r.risk, a.risk_label = r.label, a.risk_model = $model,
    a.risk_reasons = CASE WHEN r.label = 'illicit' THEN a.risk_reasons END,
    a.risk_reason_weights = CASE WHEN r.label = 'illicit' THEN a.risk_reason_weights END,
    a.risk_neighbours = CASE WHEN r.label = 'illicit' THEN a.risk_neighbours END
"""


def write_address_scores(store: GraphStore, rows: list[dict[str, Any]], *, model: str) -> None:
    """rows: address, risk (0-1), label ('illicit' or 'licit'). For small deltas; a job uses write_scores."""
    store.write(_WRITE_ADDRESS_SCORES, rows=rows, model=model)


def _settled(future: Future, size: int, on_batch: Callable[[int], None]) -> None:
    future.result()
    on_batch(size)


# A cluster is as risky as its riskiest member, and flagged when any member is.
_FLAG_CLUSTERS = """
MATCH (a:Address)-[:IN_CLUSTER]->(c:Cluster)
WITH c, max(a.risk) AS risk, sum(CASE WHEN a.risk_label = 'illicit' THEN 1 ELSE 0 END) AS flagged
SET c.risk = risk, c.flagged_addresses = flagged, c.flagged = flagged > 0, c.risk_model = $model
RETURN sum(CASE WHEN flagged > 0 THEN 1 ELSE 0 END) AS flagged_clusters
"""


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


# --- what the model view and the reasons read ---------------------------------------------------------------

# Counted over the Address.risk index (`>= 0` makes it a range seek, not a scan of every address and its
# properties); one row per bucket comes back, whatever the graph's size. A risk of exactly 1 falls in the top
# bucket (the caller folds bucket `buckets` into `buckets - 1`).
_RISK_HISTOGRAM = """
MATCH (a:Address) WHERE a.risk >= 0
RETURN toInteger(floor(a.risk * $buckets)) AS bucket, count(a) AS addresses
"""


def risk_histogram(store: GraphStore, *, buckets: int) -> list[int]:
    """How many addresses hold a score in each of `buckets` equal ranges of 0 to 1, lowest first."""
    counts = [0] * buckets
    for row in store.read(_RISK_HISTOGRAM, buckets=buckets):
        counts[min(max(int(row["bucket"]), 0), buckets - 1)] += int(row["addresses"])
    return counts


# A cluster's members that a job gave reasons, riskiest first, among the first `scan` members (an exchange's
# cluster has millions: the answer says how many were looked at).
_CLUSTER_EXPLAINED = """
MATCH (:Cluster {cluster_id: $cluster})<-[:IN_CLUSTER]-(a:Address)
WITH a LIMIT $scan
WITH a WHERE a.risk_reasons IS NOT NULL
RETURN a.address AS address, a.risk AS risk, a.risk_reasons AS features, a.risk_reason_weights AS weights,
       a.risk_neighbours AS neighbours
ORDER BY a.risk DESC, address LIMIT $limit
"""


def cluster_explained_members(store: GraphStore, cluster_id: str, *, scan: int, limit: int) -> list[dict[str, Any]]:
    """Rows of address, risk, features, weights and neighbours (as `write_reasons` stored them)."""
    return store.read(_CLUSTER_EXPLAINED, cluster=cluster_id, scan=scan, limit=limit)


_ADDRESSES_BRIEF = """
UNWIND $addresses AS x
MATCH (a:Address {address: x})
OPTIONAL MATCH (a)-[:IN_CLUSTER]->(c:Cluster)
RETURN a.address AS address, a.risk AS risk, a.risk_label AS label, c.cluster_id AS cluster
"""


def addresses_brief(store: GraphStore, addresses: list[str]) -> dict[str, dict[str, Any]]:
    """Each address's risk, label and cluster (one indexed look-up each); absent when the graph has none."""
    return {row["address"]: row for row in store.read(_ADDRESSES_BRIEF, addresses=sorted(set(addresses)))}
