"""Cypher for loading the chain: what is already there, resolving outpoints, writing a block.

Graph shape written here (see docs/architecture.md, "Chain in the graph"):

    (:Block {hash, height, prev_hash, time, n_tx, repeated[]})
    (:Transaction {txid, height, time, block_hash, coinbase, n_in, n_out, value, in_value,
                   unresolved, fee, size, out_value[], out_address[], out_type[]})-[:IN_BLOCK]->(:Block)
    (:Transaction)-[:OUTPUT {n, value}]->(:Address {address, script_type, first_seen, last_seen,
                                                    first_height, last_height, received, sent, n_tx})
    (:Address)-[:INPUT {outpoint, value}]->(:Transaction)   (value null until the spent output is loaded,
                                                            the address then read from the input itself)
    (:Transaction)-[:SPENT_BY {n, pending}]->(:Transaction)
    (:Address)-[:IN_CLUSTER {txid, heuristic, confidence}]->(:Cluster {cluster_id, size, received, sent,
                                                                      first_seen, last_seen, ...})
    (:Cluster)-[:MERGED_INTO {txid, heuristic, height}]->(:Cluster)

A transaction's `out_*` lists are the outpoint index: output n's address
("" when it has none), value and script type, found by one indexed txid
look-up. SPENT_BY links every spend, also before the spent transaction is
known (it is then a stub with no height); a spend whose value was unknown is
`pending` and is completed when that transaction's block arrives (one the
node's prevouts resolved, or an unconfirmed one, is not). An unconfirmed transaction's
block replaces what it had written, but keeps the spends of it by other unconfirmed
transactions (a chain of spends in the mempool).
"""

from dataclasses import dataclass
from typing import Any

from graph.store import GraphStore

_EXISTING_BLOCKS = "UNWIND $hashes AS h MATCH (b:Block {hash: h}) RETURN b.hash AS hash, b.height AS height"

_RESOLVE_OUTPOINTS = """
UNWIND $outpoints AS op
MATCH (p:Transaction {txid: op.txid})
WHERE p.out_value IS NOT NULL AND op.n < size(p.out_value)
RETURN op.txid AS txid, op.n AS n, p.out_address[op.n] AS address, p.out_value[op.n] AS value,
       p.out_type[op.n] AS script_type
"""

# `derived`: the address the spender's INPUT edge already names (read from the input itself), if any.
_PENDING_SPENDS = """
UNWIND $txids AS txid
MATCH (p:Transaction {txid: txid})-[s:SPENT_BY]->(t:Transaction)
WHERE p.out_value IS NULL AND s.pending = true
OPTIONAL MATCH (a:Address)-[e:INPUT]->(t)
WHERE e.outpoint = txid + ':' + toString(s.n)
RETURN p.txid AS prev_txid, s.n AS prev_n, t.txid AS txid, a.address AS derived
"""

# One statement per batch of consecutive blocks, so blocks are in the graph whole or not
# at all, and a block already there is never written again (counting it twice would
# double the volumes), nor a rival block for a height already taken (a stale branch).
# Address nodes may exist without figures (made by an unconfirmed transaction, or by a
# tag), hence the coalesce. The guard is also why edges are CREATEd: a transaction's outputs and spends are
# written once, with its block (a stub made by an earlier spend has no edges of its own).
# FalkorDB passes rows through `WITH x WHERE x IS NULL` after an OPTIONAL MATCH that
# found x, so the guard counts instead; and a SET reads properties assigned earlier in
# the same FOREACH as FalkorDB and Neo4j disagree, so each SET reads only old values
# (graph/dialect.py).
_WRITE_BLOCKS = """
OPTIONAL MATCH (done:Block) WHERE done.hash IN $hashes
WITH count(done) AS present
OPTIONAL MATCH (rival:Block) WHERE rival.height IN $heights
WITH present, count(rival) AS rivals
WHERE present = 0 AND rivals = 0
UNWIND $blocks AS blk
CREATE (b:Block {hash: blk.block.hash, height: blk.block.height, prev_hash: blk.block.prev_hash,
                 time: blk.block.time, n_tx: blk.block.n_tx, repeated: blk.block.repeated})
WITH b, blk
CALL {
  WITH blk
  UNWIND blk.txs AS tx
  MATCH (u:Transaction {txid: tx.txid})
  WHERE u.unconfirmed = true
  OPTIONAL MATCH (u)-[own:OUTPUT]->(:Address)
  DELETE own
  WITH DISTINCT u
  OPTIONAL MATCH (:Address)-[paid:INPUT]->(u)
  DELETE paid
  WITH DISTINCT u
  OPTIONAL MATCH (:Transaction)-[spend:SPENT_BY]->(u)
  DELETE spend
  WITH DISTINCT u
  REMOVE u.unconfirmed
  RETURN count(*) AS confirmed
}
FOREACH (a IN blk.addresses |
  MERGE (n:Address {address: a.address})
  SET n.script_type = coalesce(n.script_type, a.script_type),
      n.received = coalesce(n.received, 0) + a.received, n.sent = coalesce(n.sent, 0) + a.sent,
      n.n_tx = coalesce(n.n_tx, 0) + a.n_tx,
      n.first_seen = CASE WHEN n.first_seen IS NULL OR a.time < n.first_seen THEN a.time ELSE n.first_seen END,
      n.first_height = CASE WHEN n.first_height IS NULL OR a.height < n.first_height THEN a.height
                            ELSE n.first_height END,
      n.last_seen = CASE WHEN n.last_seen IS NULL OR a.time > n.last_seen THEN a.time ELSE n.last_seen END,
      n.last_height = CASE WHEN n.last_height IS NULL OR a.height > n.last_height THEN a.height
                           ELSE n.last_height END)
FOREACH (tx IN blk.txs |
  MERGE (t:Transaction {txid: tx.txid})
  SET t.height = blk.block.height, t.time = blk.block.time, t.block_hash = blk.block.hash, t.coinbase = tx.coinbase,
      t.n_in = tx.n_in, t.n_out = tx.n_out, t.value = tx.value, t.in_value = tx.in_value,
      t.unresolved = tx.unresolved, t.fee = tx.fee, t.size = tx.size,
      t.out_value = tx.out_value, t.out_address = tx.out_address, t.out_type = tx.out_type,
      t.coinjoin = tx.coinjoin, t.multi_input = tx.multi_input, t.change_n = tx.change_n,
      t.change_heuristics = tx.change_heuristics, t.change_confidence = tx.change_confidence
  CREATE (t)-[:IN_BLOCK]->(b)
  FOREACH (n IN range(0, size(tx.out_address) - 1) |
    FOREACH (_ IN CASE WHEN tx.out_address[n] = '' THEN [] ELSE [1] END |
      MERGE (a:Address {address: tx.out_address[n]})
      CREATE (t)-[:OUTPUT {n: n, value: tx.out_value[n]}]->(a)))
  FOREACH (i IN tx.inputs |
    MERGE (p:Transaction {txid: i.prev_txid})
    CREATE (p)-[:SPENT_BY {n: i.prev_n, pending: i.value IS NULL}]->(t)
    FOREACH (_ IN CASE WHEN i.address IS NULL THEN [] ELSE [1] END |
      MERGE (a:Address {address: i.address})
      CREATE (a)-[:INPUT {outpoint: i.prev_txid + ':' + toString(i.prev_n), value: i.value}]->(t))))
FOREACH (c IN blk.completions |
  MERGE (t:Transaction {txid: c.txid})
  SET t.fee = CASE WHEN t.unresolved = 1 THEN t.in_value + c.value - t.value ELSE null END,
      t.in_value = t.in_value + c.value, t.unresolved = t.unresolved - 1
  FOREACH (_ IN CASE WHEN c.address IS NULL THEN [] ELSE [1] END |
    MERGE (n:Address {address: c.address})
    MERGE (n)-[e:INPUT {outpoint: c.outpoint}]->(t)
    SET e.value = c.value))
WITH count(b) AS written
FOREACH (c IN $clusters |
  MERGE (k:Cluster {cluster_id: c.id})
  ON CREATE SET k.size = 0, k.received = 0, k.sent = 0, k.first_seen = c.first_seen, k.last_seen = c.last_seen,
                k.first_height = c.height, k.last_height = c.height
  SET k.size = k.size + c.size, k.received = k.received + c.received, k.sent = k.sent + c.sent,
      k.first_seen = CASE WHEN c.first_seen < k.first_seen THEN c.first_seen ELSE k.first_seen END,
      k.last_seen = CASE WHEN c.last_seen > k.last_seen THEN c.last_seen ELSE k.last_seen END,
      k.last_height = CASE WHEN c.height > k.last_height THEN c.height ELSE k.last_height END)
FOREACH (j IN $joins |
  MERGE (a:Address {address: j.address})
  MERGE (k:Cluster {cluster_id: j.cluster})
  MERGE (a)-[r:IN_CLUSTER]->(k)
  SET r.txid = j.txid, r.heuristic = j.heuristic, r.confidence = j.confidence)
WITH written
CALL {
  UNWIND $merges AS m
  MATCH (source:Cluster {cluster_id: m.from}), (target:Cluster {cluster_id: m.to})
  CREATE (source)-[:MERGED_INTO {txid: m.txid, heuristic: m.heuristic, height: m.height}]->(target)
  SET source.merged_into = m.to, source.size = 0
  WITH source, target
  MATCH (a:Address)-[r:IN_CLUSTER]->(source)
  CREATE (a)-[moved:IN_CLUSTER]->(target)
  SET moved.txid = r.txid, moved.heuristic = r.heuristic, moved.confidence = r.confidence
  DELETE r
  RETURN count(*) AS moved
}
RETURN written
"""

# A transaction seen outside a block (`ingest raw <tx>`): its outputs and spends, but no
# volumes or clusters, which count confirmed activity only. Its block replaces it.
_WRITE_UNCONFIRMED = """
OPTIONAL MATCH (known:Transaction {txid: $tx.txid})
WHERE known.out_value IS NOT NULL
WITH count(known) AS existing WHERE existing = 0
MERGE (t:Transaction {txid: $tx.txid})
SET t.unconfirmed = true, t.coinbase = false, t.n_in = $tx.n_in, t.n_out = $tx.n_out, t.value = $tx.value,
    t.in_value = $tx.in_value, t.unresolved = $tx.unresolved, t.fee = $tx.fee, t.size = $tx.size,
    t.out_value = $tx.out_value, t.out_address = $tx.out_address, t.out_type = $tx.out_type
FOREACH (n IN range(0, size($tx.out_address) - 1) |
  FOREACH (_ IN CASE WHEN $tx.out_address[n] = '' THEN [] ELSE [1] END |
    MERGE (a:Address {address: $tx.out_address[n]})
    CREATE (t)-[:OUTPUT {n: n, value: $tx.out_value[n]}]->(a)))
FOREACH (i IN $tx.inputs |
  MERGE (p:Transaction {txid: i.prev_txid})
  CREATE (p)-[:SPENT_BY {n: i.prev_n, pending: false}]->(t)
  FOREACH (_ IN CASE WHEN i.address IS NULL THEN [] ELSE [1] END |
    MERGE (a:Address {address: i.address})
    CREATE (a)-[:INPUT {outpoint: i.prev_txid + ':' + toString(i.prev_n), value: i.value}]->(t)))
RETURN count(t) AS written
"""

_MEMBERSHIP = """
UNWIND $addresses AS address
MATCH (a:Address {address: address})
OPTIONAL MATCH (a)-[:IN_CLUSTER]->(c:Cluster)
RETURN address, a.received AS own_received, a.sent AS own_sent, a.first_seen AS own_first_seen,
       c.cluster_id AS cluster, c.size AS size, c.received AS received, c.sent AS sent, c.first_seen AS first_seen
"""

# Address edges: what the ingest and bulk-load rates are counted in (docs/benchmarks.md).
_ADDRESS_EDGES = (
    "MATCH (:Address)-[r:INPUT]->() RETURN count(r) AS n",
    "MATCH ()-[r:OUTPUT]->(:Address) RETURN count(r) AS n",
)
_TIP = "MATCH (b:Block) RETURN b.hash AS hash, b.height AS height ORDER BY b.height DESC LIMIT 1"
_AT_HEIGHT = "MATCH (b:Block {height: $height}) RETURN b.hash AS hash"

# Undo one block (a reorganisation orphaned it), in one statement. Volumes of its
# addresses and their clusters go back, and addresses only it had seen go; first/last-seen
# times stay. The clusters its transactions linked are rebuilt from the evidence that
# remains (chain/reorg.py plans it from graph/recluster.py's reads): `members` lose their
# links, `relinks` are made again, the merges its transactions caused go, `dissolved`
# clusters (no longer holding two addresses, or merged away by it and not given back) go,
# and the figures of the `refigured` clusters are summed again from their members.
_ROLLBACK_BLOCK = """
MATCH (b:Block {hash: $hash})
OPTIONAL MATCH (t:Transaction)-[:IN_BLOCK]->(b)
WITH b, collect(t) AS txs
CALL {
  WITH txs
  UNWIND txs AS t
  MATCH (a:Address)-[e:INPUT|OUTPUT]-(t)
  WITH DISTINCT a, t
  WITH a, count(t) AS touched
  SET a.n_tx = a.n_tx - touched
  RETURN collect(a) AS touched_addresses
}
CALL {
  WITH txs
  UNWIND txs AS t
  MATCH (a:Address)-[e:INPUT]->(t)
  OPTIONAL MATCH (a)-[:IN_CLUSTER]->(c:Cluster)
  SET a.sent = a.sent - coalesce(e.value, 0)
  FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END | SET c.sent = c.sent - coalesce(e.value, 0))
  DELETE e
  RETURN count(*) AS inputs
}
CALL {
  WITH txs
  UNWIND txs AS t
  MATCH (t)-[r:OUTPUT]->(a:Address)
  OPTIONAL MATCH (a)-[:IN_CLUSTER]->(c:Cluster)
  SET a.received = a.received - r.value
  FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END | SET c.received = c.received - r.value)
  DELETE r
  RETURN count(*) AS outputs
}
CALL {
  WITH txs
  UNWIND txs AS t
  DETACH DELETE t
  RETURN count(*) AS deleted
}
CALL {
  WITH touched_addresses
  UNWIND touched_addresses AS a
  WITH a WHERE a.n_tx = 0
  OPTIONAL MATCH (a)-[:IN_CLUSTER]->(c:Cluster)
  FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END | SET c.size = c.size - 1)
  DETACH DELETE a
  RETURN count(*) AS forgotten
}
DETACH DELETE b
WITH deleted
CALL {
  UNWIND $members AS x
  MATCH (a:Address {address: x})-[r:IN_CLUSTER]->(:Cluster)
  DELETE r
  RETURN count(*) AS unlinked
}
CALL {
  UNWIND $unmerges AS u
  MATCH (:Cluster {cluster_id: u.source})-[m:MERGED_INTO]->(:Cluster {cluster_id: u.target})
  WHERE m.txid IN $txids
  DELETE m
  RETURN count(*) AS unmerged
}
CALL {
  UNWIND $dissolved AS id
  MATCH (k:Cluster {cluster_id: id})
  DETACH DELETE k
  RETURN count(*) AS dissolved
}
CALL {
  UNWIND $relinks AS j
  MATCH (a:Address {address: j.address})
  MERGE (k:Cluster {cluster_id: j.cluster})
  CREATE (a)-[r:IN_CLUSTER]->(k)
  SET r.txid = j.txid, r.heuristic = j.heuristic, r.confidence = j.confidence
  RETURN count(*) AS relinked
}
CALL {
  UNWIND $refigured AS id
  MATCH (a:Address)-[:IN_CLUSTER]->(k:Cluster {cluster_id: id})
  WITH k, count(a) AS size, sum(a.received) AS received, sum(a.sent) AS sent, min(a.first_seen) AS first_seen,
       max(a.last_seen) AS last_seen, min(a.first_height) AS first_height, max(a.last_height) AS last_height
  SET k.size = size, k.received = received, k.sent = sent, k.first_seen = first_seen, k.last_seen = last_seen,
      k.first_height = first_height, k.last_height = last_height, k.merged_into = null
  RETURN count(*) AS refigured
}
RETURN deleted
"""

NO_RECLUSTER = {"members": [], "unmerges": [], "txids": [], "dissolved": [], "relinks": [], "refigured": []}


@dataclass(frozen=True, slots=True)
class Prevout:
    address: str | None
    value: int
    script_type: str


@dataclass(frozen=True)
class Membership:
    """An address already in the graph: its own totals so far, and its cluster's figures if it has one."""

    own_received: int = 0
    own_sent: int = 0
    own_first_seen: int | None = None
    cluster: str | None = None
    size: int = 0
    received: int = 0
    sent: int = 0
    first_seen: int | None = None


def existing_blocks(store: GraphStore, hashes: list[str]) -> dict[str, int]:
    """Heights of those of `hashes` already in the graph."""
    rows = store.read(_EXISTING_BLOCKS, hashes=hashes) if hashes else []
    return {row["hash"]: row["height"] for row in rows}


def resolve_outpoints(store: GraphStore, outpoints: list[tuple[str, int]]) -> dict[tuple[str, int], Prevout]:
    if not outpoints:
        return {}
    rows = store.read(_RESOLVE_OUTPOINTS, outpoints=[{"txid": txid, "n": n} for txid, n in outpoints])
    return {(row["txid"], row["n"]): Prevout(row["address"] or None, row["value"], row["script_type"]) for row in rows}


def pending_spends(store: GraphStore, txids: list[str]) -> list[tuple[str, int, str, str | None]]:
    """(spent txid, output n, spender txid, derived address or None) for spends recorded before the spent
    transaction arrived."""
    if not txids:
        return []
    rows = store.read(_PENDING_SPENDS, txids=txids)
    return [(row["prev_txid"], row["prev_n"], row["txid"], row["derived"]) for row in rows]


def memberships(store: GraphStore, addresses: list[str]) -> dict[str, Membership]:
    """Which of `addresses` the graph already has, with their clusters' figures."""
    if not addresses:
        return {}
    rows = store.read(_MEMBERSHIP, addresses=addresses)
    return {
        row.pop("address"): Membership(**{key: value for key, value in row.items() if value is not None})
        for row in rows
    }


def write_blocks(store: GraphStore, payload: dict[str, Any]) -> bool:
    """Write consecutive blocks and everything in them in one statement; False (nothing written) when
    any of them, or a rival at one of their heights, was there."""
    rows = store.write(_WRITE_BLOCKS, **payload)
    return bool(rows) and rows[0]["written"] == len(payload["blocks"])


def write_unconfirmed(store: GraphStore, row: dict[str, Any]) -> bool:
    """Write a transaction seen outside any block; False when the graph already knows it."""
    return store.write(_WRITE_UNCONFIRMED, tx=row)[0]["written"] == 1


def block_at_height(store: GraphStore, height: int) -> str | None:
    rows = store.read(_AT_HEIGHT, height=height)
    return rows[0]["hash"] if rows else None


def rollback_block(store: GraphStore, block_hash: str, recluster: dict[str, list] | None = None) -> int:
    """Remove a block and its transactions, taking their volumes back, and apply `recluster` (the keys of
    NO_RECLUSTER; chain/reorg.py plans it); returns the transactions removed."""
    rows = store.write(_ROLLBACK_BLOCK, hash=block_hash, **(recluster or NO_RECLUSTER))
    return rows[0]["deleted"] if rows else 0


def chain_tip(store: GraphStore) -> tuple[str, int] | None:
    rows = store.read(_TIP)
    return (rows[0]["hash"], rows[0]["height"]) if rows else None


def address_edge_count(store: GraphStore) -> int:
    """INPUT and OUTPUT relationships: each names an address once."""
    return sum(int(store.read(query)[0]["n"]) for query in _ADDRESS_EDGES)
