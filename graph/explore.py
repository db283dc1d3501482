"""Cypher for investigators: details, neighbours, paths and expansions, each bounded.

Every traversal takes limits, because exchanges and pools have hundreds of thousands of edges:
a neighbour query looks at no more than `scan` edges per direction, and every answer says
whether it was cut (`Page.cut`) and by how much, so the explorer can tell the user to narrow it
with a time or amount filter. Amounts are satoshis; times are block times (Unix seconds).
"""

import dataclasses
from dataclasses import dataclass, field
from typing import Any, TypedDict

from graph.refusals import ExploreError
from graph.store import GraphStore

SCAN = 2_000  # matching edges one neighbour query collects per direction
MAX_HOPS = 6  # address hops (address → transaction → address is one)

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


@dataclass(frozen=True, slots=True)
class AddressSnapshot:
    """What a case keeps of an address it takes on: typed, so a renamed Cypher alias fails loudly, and
    stored as JSON through `dataclasses.asdict` (the keys are the query's aliases)."""

    risk: float | None
    label: str | None
    model: str | None
    reasons: list[Any] | None
    received: int | None
    sent: int | None
    cluster: str | None


@dataclass(frozen=True, slots=True)
class ClusterSnapshot:
    """What a case keeps of a cluster it takes on; `size` decides whether its members join the case's
    addresses (investigations.selectors.CLUSTER_LIMIT)."""

    risk: float | None
    flagged: Any
    flagged_addresses: Any  # a count, which FalkorDB's sum() gives as a float
    model: str | None
    size: int | None
    received: int | None
    sent: int | None


@dataclass(frozen=True, slots=True)
class TransactionSnapshot:
    """What a case keeps of a transaction it takes on."""

    height: int | None
    fee: int | None
    coinjoin: Any
    n_in: int | None
    out_value: list[int] | None

    @property
    def risk(self) -> None:
        """A transaction has no risk score of its own (the audit of a subject records one for every kind)."""
        return None


Snapshot = AddressSnapshot | ClusterSnapshot | TransactionSnapshot
_SNAPSHOT_TYPES: dict[str, type[Snapshot]] = {
    "address": AddressSnapshot,
    "cluster": ClusterSnapshot,
    "transaction": TransactionSnapshot,
}


def snapshot(store: GraphStore, kind: str, ref: str) -> Snapshot | None:
    """The properties a case records when it takes `ref` on as a subject; None when the graph has no such
    node. `kind`: address, cluster or transaction."""
    rows = store.read(_SNAPSHOTS[kind], ref=ref)
    return _SNAPSHOT_TYPES[kind](**rows[0]) if rows else None


@dataclass
class Page:
    """Some of the answers: `matched` passed the filters among the `scanned` edges looked at; `complete`
    when every edge was looked at. `total`: how many there are in all, when the graph keeps that count."""

    items: list[dict[str, Any]]
    matched: int
    scanned: int
    complete: bool = True
    total: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def cut(self) -> bool:
        return not self.complete or self.matched > len(self.items)

    @property
    def returned(self) -> int:
        return len(self.items)

    @property
    def omitted(self) -> int:
        """How many matching answers were left out: exact when complete, a lower bound otherwise."""
        return self.matched - len(self.items)

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "cut": self.cut,
            "complete": self.complete,
            "returned": self.returned,
            "matched": self.matched,
            "omitted": self.omitted,
            "scanned": self.scanned,
            "total": self.total,
            "notes": self.notes,
        }


# --- details ---------------------------------------------------------------------------------

_ADDRESS = """
MATCH (a:Address {address: $address})
OPTIONAL MATCH (a)-[:IN_CLUSTER]->(c:Cluster)
RETURN a.address AS address, a.script_type AS script_type, a.first_seen AS first_seen, a.last_seen AS last_seen,
       a.first_height AS first_height, a.last_height AS last_height, a.received AS received, a.sent AS sent,
       a.n_tx AS n_tx, a.risk AS risk, a.risk_label AS risk_label, a.risk_model AS risk_model,
       a.risk_reasons AS reasons, a.risk_reason_weights AS reason_weights, a.risk_neighbours AS influential,
       c.cluster_id AS cluster, c.size AS cluster_size, c.risk AS cluster_risk, c.flagged AS cluster_flagged
"""

_CLUSTER = """
MATCH (c:Cluster {cluster_id: $cluster})
RETURN c.cluster_id AS cluster, c.size AS size, c.received AS received, c.sent AS sent, c.first_seen AS first_seen,
       c.last_seen AS last_seen, c.risk AS risk, c.flagged AS flagged, c.flagged_addresses AS flagged_addresses,
       c.risk_model AS risk_model, c.merged_into AS merged_into
"""

_CLUSTER_MEMBERS = """
MATCH (c:Cluster {cluster_id: $cluster})<-[:IN_CLUSTER]-(a:Address)
WITH a LIMIT $scan
RETURN a.address AS address, a.risk AS risk, a.risk_label AS risk_label, a.received AS received, a.n_tx AS n_tx
ORDER BY coalesce(a.risk, 0) DESC, address LIMIT $limit
"""

_TRANSACTION = """
MATCH (t:Transaction {txid: $txid})
RETURN t.txid AS txid, t.height AS height, t.time AS time, t.block_hash AS block_hash, t.coinbase AS coinbase,
       t.n_in AS n_in, t.n_out AS n_out, t.value AS value, t.in_value AS in_value, t.fee AS fee, t.size AS size,
       t.coinjoin AS coinjoin, t.unconfirmed AS unconfirmed, t.out_address AS out_address, t.out_value AS out_value
"""

_TRANSACTION_INPUTS = """
MATCH (:Transaction {txid: $txid})<-[i:INPUT]-(a:Address)
WITH a, i LIMIT $limit
RETURN a.address AS address, i.value AS value, i.outpoint AS outpoint
"""


@dataclass(frozen=True)
class AddressDetail:
    """One address as the graph holds it, with its cluster. Typed, so that screening and the API read
    attributes a type checker can follow instead of string keys a renamed Cypher alias would break
    silently. Amounts are satoshis, times block times; the risk fields are None before any model ran."""

    address: str
    script_type: str | None = None
    first_seen: int | None = None
    last_seen: int | None = None
    first_height: int | None = None
    last_height: int | None = None
    received: int | None = None
    sent: int | None = None
    n_tx: int | None = None
    risk: float | None = None
    risk_label: str | None = None
    risk_model: str | None = None
    reasons: list[Any] | None = None
    reason_weights: list[Any] | None = None
    influential: list[Any] | None = None
    cluster: str | None = None
    cluster_size: int | None = None
    cluster_risk: float | None = None
    cluster_flagged: bool | None = None

    @classmethod
    def unseen(cls, address: str) -> "AddressDetail":
        """An address the graph has never seen on chain: no amounts, no model, no cluster."""
        return cls(address=address)

    def as_dict(self) -> dict[str, Any]:
        """The API's JSON: every field, under the names the Cypher query gives them."""
        return dataclasses.asdict(self)


def address_detail(store: GraphStore, address: str) -> AddressDetail | None:
    """The address and its cluster; None when the graph holds no such address."""
    rows = store.read(_ADDRESS, address=address)
    return AddressDetail(**rows[0]) if rows else None


@dataclass(frozen=True)
class ClusterDetail:
    """A cluster as the graph holds it, and a page of its riskiest members (typed like AddressDetail, so
    screening reads attributes). `merged_into`: the cluster that absorbed this one, if any."""

    cluster: str
    size: int | None = None
    received: int | None = None
    sent: int | None = None
    first_seen: int | None = None
    last_seen: int | None = None
    risk: float | None = None
    flagged: Any = None
    flagged_addresses: Any = None
    risk_model: str | None = None
    merged_into: str | None = None
    members: dict[str, Any] = field(default_factory=dict)  # Page.as_dict of {address, risk, risk_label, ...}

    def as_dict(self) -> dict[str, Any]:
        """The API's JSON: every field, under the names the Cypher query gives them."""
        return dataclasses.asdict(self)


def cluster_detail(store: GraphStore, cluster_id: str, *, limit: int = 100) -> ClusterDetail | None:
    """The cluster and its riskiest members among the first SCAN; the members page says if it was cut."""
    rows = store.read(_CLUSTER, cluster=cluster_id)
    if not rows:
        return None
    members = store.read(_CLUSTER_MEMBERS, cluster=cluster_id, scan=SCAN, limit=limit)
    size = rows[0]["size"] or 0
    looked = min(size, SCAN)
    page = Page(items=members, matched=looked, scanned=looked, complete=size <= SCAN, total=size)
    return ClusterDetail(**rows[0], members=page.as_dict())


# A cluster's transactions: any its members took part in, once each, newest first. The members and the
# edges are scanned up to `scan`, so a huge cluster answers quickly and says it was cut.
_CLUSTER_TRANSACTIONS = """
MATCH (c:Cluster {cluster_id: $cluster})
WITH c
MATCH (c)<-[:IN_CLUSTER]-(a:Address)
WITH a LIMIT $scan
MATCH (a)-[:INPUT|OUTPUT]-(t:Transaction)
WHERE $until IS NULL OR t.time < $until
WITH DISTINCT t LIMIT $scan
WITH t ORDER BY t.height DESC, t.txid
WITH collect({txid: t.txid, time: t.time, height: t.height, value: t.value}) AS rows
RETURN size(rows) AS matched, rows[0..$limit] AS rows
"""


_CLUSTER_BIGGEST = """
MATCH (c:Cluster {cluster_id: $cluster})
WITH c
MATCH (c)<-[:IN_CLUSTER]-(a:Address)
WITH a LIMIT $scan
RETURN a.address AS address
ORDER BY coalesce(a.received, 0) + coalesce(a.sent, 0) DESC, address LIMIT $limit
"""


def cluster_biggest_members(store: GraphStore, cluster_id: str, *, limit: int = 10, scan: int = SCAN) -> list[str]:
    """The members that moved the most (received plus sent), among the first `scan`."""
    return [row["address"] for row in store.read(_CLUSTER_BIGGEST, cluster=cluster_id, limit=limit, scan=scan)]


def cluster_transactions(
    store: GraphStore, cluster_id: str, *, until: int | None = None, limit: int = 50, scan: int = SCAN
) -> Page | None:
    """The transactions the cluster's members took part in, newest first (before `until`, block time);
    None for a cluster the graph does not hold."""
    if not store.read(_CLUSTER, cluster=cluster_id):
        return None
    row = store.read(_CLUSTER_TRANSACTIONS, cluster=cluster_id, until=until, limit=limit, scan=scan)[0]
    page = Page(items=row["rows"], matched=row["matched"], scanned=row["matched"], complete=row["matched"] < scan)
    if not page.complete:
        page.notes.append(f"more than {scan:,} transactions: narrow by time to see older ones")
    return page


class TransactionDetail(TypedDict):
    """A transaction as the API sends it: a TypedDict rather than a dataclass, because it is the JSON
    itself (each side a page, `Page.as_dict`) and the graph contract suite reads it by key."""

    txid: str
    height: int | None  # None while unconfirmed, or for a stub of a spend loaded before its block
    time: int | None
    block_hash: str | None
    coinbase: bool | None
    n_in: int | None
    n_out: int | None
    value: int | None
    in_value: int | None
    fee: int | None  # None while an input is unresolved
    size: int | None
    coinjoin: Any
    unconfirmed: bool | None
    inputs: dict[str, Any]  # a page of {address, value, outpoint, risk}
    outputs: dict[str, Any]  # a page of {n, address, value, risk}


def transaction_detail(store: GraphStore, txid: str, *, limit: int = 500) -> TransactionDetail | None:
    """The transaction, its first `limit` inputs and outputs with each address's risk; None when absent."""
    rows = store.read(_TRANSACTION, txid=txid)
    if not rows:
        return None
    tx = rows[0]
    inputs = store.read(_TRANSACTION_INPUTS, txid=txid, limit=limit)
    outputs = [
        {"n": n, "address": address or None, "value": value}
        for n, (address, value) in enumerate(zip(tx.pop("out_address") or [], tx.pop("out_value") or [], strict=True))
    ]
    risks = risks_of(store, [row["address"] for row in [*inputs, *outputs[:limit]] if row["address"]])
    for row in [*inputs, *outputs]:
        row["risk"] = risks.get(row["address"])
    n_in = tx["n_in"] or len(inputs)
    return TransactionDetail(
        **tx,  # the row's keys are the Cypher aliases of _TRANSACTION
        inputs=Page(items=inputs, matched=n_in, scanned=len(inputs), total=n_in).as_dict(),  # n_in: exact
        outputs=Page(items=outputs[:limit], matched=len(outputs), scanned=len(outputs)).as_dict(),
    )


_RISKS = "UNWIND $addresses AS x MATCH (a:Address {address: x}) RETURN a.address AS address, a.risk AS risk"


def risks_of(store: GraphStore, addresses: list[str]) -> dict[str, float | None]:
    """The model's score of each address (one indexed look-up each, in one query); absent for ids the graph
    holds no address of (txids, cluster ids)."""
    return {row["address"]: row["risk"] for row in store.read(_RISKS, addresses=sorted(set(addresses)))}


# --- neighbours ------------------------------------------------------------------------------

_FILTERS = """($since IS NULL OR t.time >= $since) AND ($until IS NULL OR t.time < $until)
              AND ($min_value IS NULL OR e.value >= $min_value) AND ($max_value IS NULL OR e.value <= $max_value)"""

# Spending: the address is an input of t. Receiving: t pays the address. The filters come before the scan
# limit, so a time or amount filter reaches every edge; the newest of the scanned edges come back. The
# address is matched in a clause of its own: with the filters beside it, FalkorDB 4.16 planned a scan of
# every transaction (100x slower on 100,000 addresses).
_NEIGHBOURS = {
    way: f"""
MATCH {pattern}
WHERE ($since IS NULL OR t.time >= $since) AND ($until IS NULL OR t.time < $until)
  AND ($min_value IS NULL OR e.value >= $min_value) AND ($max_value IS NULL OR e.value <= $max_value)
WITH e, t LIMIT $scan
WITH e, t ORDER BY t.height DESC, t.txid
WITH collect({{txid: t.txid, time: t.time, height: t.height, value: e.value, n_in: t.n_in, n_out: t.n_out}}) AS rows
RETURN size(rows) AS matched, rows[0..$limit] AS rows
"""
    for way, pattern in (
        ("out", "(a:Address {address: $address}) WITH a MATCH (a)-[e:INPUT]->(t:Transaction)"),
        ("in", "(a:Address {address: $address}) WITH a MATCH (a)<-[e:OUTPUT]-(t:Transaction)"),
    )
}

_N_TX = "MATCH (a:Address {address: $address}) RETURN a.n_tx AS n_tx"


def neighbours(
    store: GraphStore,
    address: str,
    *,
    direction: str = "both",
    since: int | None = None,
    until: int | None = None,
    min_value: int | None = None,
    max_value: int | None = None,
    limit: int = 100,
    scan: int = SCAN,
) -> Page | None:
    """The address's transactions, newest first: `out` those it spends into, `in` those paying it. None
    for an address the graph does not hold."""
    found = store.read(_N_TX, address=address)
    if not found:
        return None
    items, matched, complete = [], 0, True
    for way in ("out", "in") if direction == "both" else (direction,):
        row = store.read(
            _NEIGHBOURS[way],
            address=address,
            scan=scan,
            limit=limit,
            since=since,
            until=until,
            min_value=min_value,
            max_value=max_value,
        )[0]
        items += [{**edge, "direction": way} for edge in row["rows"]]
        matched += row["matched"]
        complete = complete and row["matched"] < scan
    items.sort(key=lambda edge: (-(edge["height"] or 0), edge["txid"], edge["direction"]))
    page = Page(items=items[:limit], matched=matched, scanned=matched, complete=complete, total=found[0]["n_tx"])
    if not complete:
        page.notes.append(f"more than {scan:,} edges match in a direction: narrow by time or amount to see them all")
    return page


# --- paths -----------------------------------------------------------------------------------

# Variable-length bounds cannot be parameters: one constant query per hop count (an address hop is two edges).
_ADDRESS_PATHS = {
    hops: """
MATCH (a:Address {address: $source}), (b:Address {address: $target})
WITH a, b
MATCH p = allShortestPaths((a)-[:INPUT|OUTPUT*..EDGES]->(b))
WITH p LIMIT $limit
RETURN [n IN nodes(p) | coalesce(n.address, n.txid)] AS nodes, [r IN relationships(p) | r.value] AS values
""".replace("EDGES", str(2 * hops))
    for hops in range(1, MAX_HOPS + 1)
}

_CLUSTER_PATHS = {
    hops: """
MATCH (a:Cluster {cluster_id: $source}), (b:Cluster {cluster_id: $target})
WITH a, b
MATCH p = allShortestPaths((a)-[:IN_CLUSTER|INPUT|OUTPUT*..EDGES]-(b))
WITH p LIMIT $limit
RETURN [n IN nodes(p) | coalesce(n.address, n.txid, n.cluster_id)] AS nodes,
       [r IN relationships(p) | r.value] AS values
""".replace("EDGES", str(2 * hops + 2))
    for hops in range(1, MAX_HOPS + 1)
}


class Path(TypedDict):
    """A path as paths() finds it: the node ids in order, and the value of each edge between them."""

    nodes: list[str]  # addresses, txids (and cluster ids, between clusters)
    values: list[int | None]  # satoshis; None for cluster membership
    risks: list[float | None]  # each node's score: an address's as the model left it, None for the others


def paths(
    store: GraphStore, source: str, target: str, *, kind: str = "address", hops: int = 4, limit: int = 5
) -> list[Path]:
    """The shortest paths from `source` to `target` of at most `hops` address hops, up to `limit` of them.
    Between addresses they follow the money (spend, then pay); between clusters they go either way, and
    a cluster on the way is one more hop (member to cluster to member: the same owner). Each path: the node ids in order
    (addresses, txids, cluster ids) and the edge values (None for cluster membership). A path from a node
    to itself is refused: Neo4j's allShortestPaths fails on it where FalkorDB answers."""
    if not 1 <= hops <= MAX_HOPS:
        raise ExploreError(f"hops: {hops} is not between 1 and {MAX_HOPS}")
    if source == target:
        raise ExploreError("target: the same as source; a path needs two ends")
    queries = _ADDRESS_PATHS if kind == "address" else _CLUSTER_PATHS
    found = store.read(queries[hops], source=source, target=target, limit=limit)
    risks = risks_of(store, [ref for path in found for ref in path["nodes"]])
    return [{**path, "risks": [risks.get(ref) for ref in path["nodes"]]} for path in found]


# --- hops for expansions and follow-the-money --------------------------------------------------

# Time order: forward, only spends at or after the block the funds arrived in (`r.height`), earliest
# first; backward, only payments at or before it, latest first.
_SPENDS = """
UNWIND $rows AS r
MATCH (a:Address {address: r.address})
CALL {
  WITH a, r
  MATCH (a)-[i:INPUT]->(t:Transaction)
  WHERE t.height IS NOT NULL AND t.height >= r.height
  RETURN t, i.value AS spent
  ORDER BY t.height, t.txid
  LIMIT $fanout
}
RETURN r.address AS address, a.received AS received, t.txid AS txid, t.height AS height, t.time AS time, spent,
       t.in_value AS in_value, t.out_address AS out_address, t.out_value AS out_value
"""

_PAYMENTS = """
UNWIND $rows AS r
MATCH (a:Address {address: r.address})
CALL {
  WITH a, r
  MATCH (t:Transaction)-[o:OUTPUT]->(a)
  WHERE t.height IS NOT NULL AND t.height <= r.height
  RETURN t, o.value AS paid
  ORDER BY t.height DESC, t.txid
  LIMIT $fanout
}
RETURN r.address AS address, a.received AS received, t.txid AS txid, t.height AS height, t.time AS time, paid,
       t.in_value AS in_value, t.coinbase AS coinbase, t.value AS value, t.unresolved AS unresolved
"""

_INPUTS = """
UNWIND $txids AS txid
MATCH (t:Transaction {txid: txid})
CALL {
  WITH t
  MATCH (s:Address)-[i:INPUT]->(t)
  RETURN s.address AS source, i.value AS value
  ORDER BY value DESC, source
  LIMIT $fanout
}
RETURN txid, source, value
"""


class Hop(TypedDict):
    """Where a hop of follow-the-money starts: an address and the block its funds arrived in."""

    address: str
    height: int


class Spend(TypedDict):
    """A transaction an address spent into (spends()). TypedDicts, these hops: tracing keeps them as the
    trace's rows and the graph contract suite reads them by key."""

    address: str
    received: int | None  # all the address ever received
    txid: str
    height: int
    time: int | None
    spent: int | None  # what this address put in
    in_value: int | None
    out_address: list[str] | None
    out_value: list[int] | None


class Payment(TypedDict):
    """A transaction that paid an address (payments())."""

    address: str
    received: int | None
    txid: str
    height: int
    time: int | None
    paid: int | None  # what this address got from it
    in_value: int | None
    coinbase: bool | None
    value: int | None
    unresolved: Any


class Input(TypedDict):
    """One of a transaction's largest inputs (inputs_of())."""

    txid: str
    source: str
    value: int | None


def spends(store: GraphStore, rows: list[Hop], *, fanout: int) -> list[Spend]:
    """rows: address, height. The first `fanout` confirmed transactions each address spends into from that
    block on, with the whole transaction's outputs (its outpoint lists) and its total input value."""
    return store.read(_SPENDS, rows=rows, fanout=fanout) if rows else []


def payments(store: GraphStore, rows: list[Hop], *, fanout: int) -> list[Payment]:
    """rows: address, height. The last `fanout` confirmed transactions paying each address up to that block,
    with the value paid to it."""
    return store.read(_PAYMENTS, rows=rows, fanout=fanout) if rows else []


def inputs_of(store: GraphStore, txids: list[str], *, fanout: int) -> list[Input]:
    """The `fanout` largest inputs of each transaction: the spending address and the value."""
    return store.read(_INPUTS, txids=txids, fanout=fanout) if txids else []


_RECEIVED = "UNWIND $addresses AS x MATCH (a:Address {address: x}) RETURN x AS address, a.received AS received"


def received_of(store: GraphStore, addresses: list[str]) -> dict[str, int]:
    """What each address received in all (satoshis); absent for addresses the graph does not hold."""
    rows = store.read(_RECEIVED, addresses=addresses) if addresses else []
    return {row["address"]: row["received"] or 0 for row in rows}


# --- the flagged-cluster queue and watched activity --------------------------------------------

_FLAGGED_WHERE = "WHERE c.risk >= $min_risk AND c.flagged = true AND ($model IS NULL OR c.risk_model = $model)"

_FLAGGED_CLUSTERS = f"""
MATCH (c:Cluster) {_FLAGGED_WHERE}
RETURN c.cluster_id AS cluster, c.risk AS risk, c.size AS size, c.flagged_addresses AS flagged_addresses,
       c.received AS received, c.last_seen AS last_seen, c.risk_model AS risk_model
ORDER BY risk DESC, coalesce(received, 0) DESC, coalesce(last_seen, 0) DESC, cluster SKIP $offset LIMIT $limit
"""

_FLAGGED_COUNT = f"MATCH (c:Cluster) {_FLAGGED_WHERE} RETURN count(c) AS n"

# Of the clusters one model scored, how many are riskier than each risk: a rank that ties share.
_RISKIER = """
UNWIND $risks AS r OPTIONAL MATCH (c:Cluster) WHERE c.risk_model = $model AND c.risk > r
RETURN r AS risk, count(c) AS riskier
"""
_SCORED = "MATCH (c:Cluster) WHERE c.risk_model = $model RETURN count(c) AS n"

_ACTIVITY = {
    "address": "UNWIND $refs AS r MATCH (n:Address {address: r}) RETURN r AS ref, n.last_seen AS last_seen, "
    "coalesce(n.received, 0) + coalesce(n.sent, 0) AS volume",
    "cluster": "UNWIND $refs AS r MATCH (n:Cluster {cluster_id: r}) RETURN r AS ref, n.last_seen AS last_seen, "
    "coalesce(n.received, 0) + coalesce(n.sent, 0) AS volume",
}


class FlaggedCluster(TypedDict):
    """A row of the flagged-cluster queue: the queue endpoint sends it, labeling's alerts keep it as detail."""

    cluster: str
    risk: float  # never None: the query filters on it
    size: int | None
    flagged_addresses: float | None  # a count, which FalkorDB's sum() gives as a float
    received: int | None
    last_seen: int | None
    risk_model: str | None


def flagged_clusters(
    store: GraphStore, *, min_risk: float = 0.0, limit: int = 100, offset: int = 0, model: str | None = None
) -> list[FlaggedCluster]:
    """The queue investigators start from: riskiest first, then the most received, then the latest seen.
    `model` ("v3") keeps the clusters that version scored."""
    return store.read(_FLAGGED_CLUSTERS, min_risk=min_risk, limit=limit, offset=offset, model=model)


def flagged_clusters_count(store: GraphStore, *, min_risk: float = 0.0, model: str | None = None) -> int:
    """How many clusters the queue holds under the same filters (the pager's total)."""
    (row,) = store.read(_FLAGGED_COUNT, min_risk=min_risk, model=model)
    return int(row["n"])


class RiskRank(TypedDict):
    riskier: int  # clusters the same model scored higher
    scored: int  # clusters the model scored at all


def risk_ranks(store: GraphStore, *, model: str, risks: list[float]) -> dict[float, RiskRank]:
    """Each risk's place among every cluster `model` scored: the percentile behind "top 2%" when the
    calibrated probabilities bunch up near 1."""
    if not risks:
        return {}
    (scored,) = store.read(_SCORED, model=model)
    rows = store.read(_RISKIER, model=model, risks=sorted(set(risks)))
    return {row["risk"]: {"riskier": int(row["riskier"]), "scored": int(scored["n"])} for row in rows}


class Activity(TypedDict):
    """A watched ref's latest block time and volume. A TypedDict rather than a dataclass: the graph
    contract suite reads it by key, as it does TransactionDetail."""

    ref: str
    last_seen: int | None
    volume: int  # satoshis received plus sent; 0 when the graph has neither


def activity(store: GraphStore, kind: str, refs: list[str]) -> dict[str, Activity]:
    """Each ref's latest block time and volume (satoshis received plus sent): either grows with new activity."""
    rows = store.read(_ACTIVITY[kind], refs=refs) if refs else []
    return {row["ref"]: row for row in rows}


_CONFIRMED = """
UNWIND $txids AS x MATCH (t:Transaction {txid: x}) WHERE t.height IS NOT NULL
RETURN x AS txid, t.height AS height, t.out_address AS out_address, t.out_value AS out_value
"""


@dataclass(frozen=True, slots=True)
class Confirmed:
    """A transaction in a block, with its outputs in order (`out_address[n]` receives `out_value[n]`)."""

    txid: str
    height: int
    out_address: list[str] | None
    out_value: list[int] | None


def transactions_confirmed(store: GraphStore, txids: list[str]) -> dict[str, Confirmed]:
    """The ones of `txids` that are in a block, with their outputs."""
    rows = store.read(_CONFIRMED, txids=txids) if txids else []
    return {row["txid"]: Confirmed(**row) for row in rows}
