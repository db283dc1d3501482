# ruff: noqa: S608 - DuckDB SQL built from the store's own paths and constant names, never from user text
"""The graph's nodes and relationships, computed from the chain store by DuckDB, for a bulk first load.

The rows are exactly what the incremental path (chain/loading.py, graph/chain.py) writes for the same
blocks: a bulk-loaded graph is one the `ingest` path can continue from (docs/scale.md, "Bulk loads").
Every entity set is a DuckDB query ordered by `nid`, the node's position in the load: blocks first,
then transactions in chain order, the stub transactions that only spends name, addresses and clusters.
A relationship names its two ends by `nid`, joined here, so the loader never holds an id map: the
work and its memory are DuckDB's (bounded by `memory_limit`, spilling to disk), whatever the chain's
length.

A window (`first`..`last` heights) loads what an incremental ingest that started at `first` would
have built: an input whose spent output lies before the window is unresolved (its value unknown, its
address the one its own scripts name) and its spent transaction is a stub.

Clusters come from a cluster assignment (by default the store's own, `chainstore cluster`'s
`<store>/clusters`): Parquet files with `address` (or `address_id` with an `addresses` table),
`cluster_id` and optionally the IN_CLUSTER edge's `txid`, `heuristic`, `confidence`; and optionally
`tx_clustering` (tx_id, coinjoin, change_n, change_heuristics, change_confidence: the graph's names)
for the transactions' verdicts.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from chain.store.layout import StoreLayout

# Property types, as both loaders name them (graph/bulk.py maps them to the engines' own).
LONG, DOUBLE, BOOL, STRING = "long", "double", "boolean", "string"
LONGS, STRINGS = "long[]", "string[]"


@dataclass(frozen=True)
class EntitySet:
    """One label's nodes or one type's relationships: its properties and the query that yields them.

    Node queries return `nid` then the properties; relationship queries `src`, `dst` then the properties,
    in `properties`' order. A null property is absent on the entity, as a null SET leaves it in Cypher."""

    kind: str  # "node" or "relationship"
    name: str
    properties: tuple[tuple[str, str], ...]
    query: str
    key: str | None = None  # nodes: the property that identifies them (graph/schema.py's UNIQUE_KEYS)
    ends: tuple[str, str] | None = None  # relationships: the labels of their start and end nodes
    # How many rows `query` yields, counted without running it (its joins and lists): a progress bar's total.
    count: str | None = None


BLOCK = (("hash", STRING), ("height", LONG), ("prev_hash", STRING), ("time", LONG), ("n_tx", LONG))
BLOCK += (("repeated", STRINGS),)
TRANSACTION = (
    ("txid", STRING),
    ("height", LONG),
    ("time", LONG),
    ("block_hash", STRING),
    ("coinbase", BOOL),
    ("n_in", LONG),
    ("n_out", LONG),
    ("value", LONG),
    ("in_value", LONG),
    ("unresolved", LONG),
    ("fee", LONG),
    ("size", LONG),
    ("out_value", LONGS),
    ("out_address", STRINGS),
    ("out_type", STRINGS),
    ("coinjoin", STRING),
    ("multi_input", BOOL),
    ("change_n", LONG),
    ("change_heuristics", STRINGS),
    ("change_confidence", DOUBLE),
)
ADDRESS = (
    ("address", STRING),
    ("script_type", STRING),
    ("received", LONG),
    ("sent", LONG),
    ("n_tx", LONG),
    ("first_seen", LONG),
    ("first_height", LONG),
    ("last_seen", LONG),
    ("last_height", LONG),
)
CLUSTER = (
    ("cluster_id", STRING),
    ("size", LONG),
    ("received", LONG),
    ("sent", LONG),
    ("first_seen", LONG),
    ("last_seen", LONG),
    ("first_height", LONG),
    ("last_height", LONG),
)


def _columns(properties) -> str:
    return ", ".join(f'"{name}"' for name, _ in properties)


class StoreExport:
    """The window's entity sets over one DuckDB connection: its tables live in a database file under `work_dir`
    (not TEMP tables, which live in memory: DuckDB spilled them less willingly, docs/scale.md)."""

    def __init__(
        self,
        store_dir: Path,
        *,
        work_dir: Path,
        first: int | None = None,
        last: int | None = None,
        clusters_dir: Path | None = None,
        memory_limit: str = "1GB",
    ) -> None:
        self.layout = StoreLayout(Path(store_dir))
        work_dir.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(work_dir / "export.duckdb"))
        self.con.execute("SET memory_limit = ?", [memory_limit])  # a setting's value: a parameter, as in resolve
        self.con.execute("SET temp_directory = ?", [str(work_dir / "spill")])
        self.con.execute("SET preserve_insertion_order = false")
        self._prepare(first, last, clusters_dir)

    def close(self) -> None:
        self.con.close()

    def _table(self, name: str) -> str:
        return f"read_parquet('{self.layout.table_glob(name)}', hive_partitioning = true)"

    def _prepare(self, first: int | None, last: int | None, clusters_dir: Path | None) -> None:
        low = -1 if first is None else first
        high = 2**31 - 1 if last is None else last
        run = self.con.execute
        run(
            f"CREATE OR REPLACE TABLE w_blocks AS SELECT * FROM {self._table('blocks')} "
            f"WHERE height BETWEEN {low} AND {high}"
        )
        run(f"CREATE OR REPLACE TEMP VIEW transactions_all AS SELECT * FROM {self._table('transactions')}")
        run(
            f"CREATE OR REPLACE TABLE w_txs AS SELECT * FROM {self._table('transactions')} "
            f"WHERE height BETWEEN {low} AND {high} AND NOT repeated"
        )
        start = run("SELECT coalesce(min(tx_id), 0) FROM w_txs").fetchall()[0][0]
        run(_INPUTS.format(inputs=self._table("inputs"), start=start))
        run(
            f"CREATE OR REPLACE TABLE w_outputs AS SELECT o.* FROM {self._table('outputs')} o "
            "SEMI JOIN w_txs t USING (tx_id)"
        )
        run(_NODES)
        self._prepare_clusters(clusters_dir)

    def _prepare_clusters(self, clusters_dir: Path | None) -> None:
        run = self.con.execute
        tx_clustering = clusters_dir is not None and (clusters_dir / "tx_clustering").exists()
        source = (
            f"read_parquet('{clusters_dir}/tx_clustering/**/*.parquet')"
            if tx_clustering
            else "(SELECT NULL::BIGINT AS tx_id, NULL::VARCHAR AS coinjoin, NULL::INT AS change_n, "
            "NULL::VARCHAR[] AS change_heuristics, NULL::DOUBLE AS change_confidence WHERE false)"
        )
        run(f"CREATE OR REPLACE TEMP VIEW w_verdicts AS SELECT * FROM {source}")
        if clusters_dir is None or not (clusters_dir / "address_clusters").exists():
            run(
                "CREATE OR REPLACE TABLE w_members (address VARCHAR, cluster_id VARCHAR, txid VARCHAR, "
                "heuristic VARCHAR, confidence DOUBLE)"
            )
        else:
            run(_members_query(clusters_dir))
        run(_CLUSTERS)

    def entity_sets(self) -> Iterator[EntitySet]:
        """Nodes first, in `nid` order, then relationships."""
        yield EntitySet("node", "Block", BLOCK, _BLOCK_ROWS, key="hash", count=_rows_of("n_blocks"))
        yield EntitySet("node", "Transaction", TRANSACTION, _TX_ROWS, key="txid", count=_rows_of("n_txs"))
        yield EntitySet("node", "Transaction", (("txid", STRING),), _STUB_ROWS, key="txid", count=_rows_of("n_stubs"))
        yield EntitySet("node", "Address", ADDRESS, _ADDRESS_ROWS, key="address", count=_rows_of("n_addresses"))
        yield EntitySet("node", "Cluster", CLUSTER, _CLUSTER_ROWS, key="cluster_id", count=_rows_of("n_clusters"))
        yield from self.relationship_sets()

    def node_sets(self) -> list[EntitySet]:
        return [entity for entity in self.entity_sets() if entity.kind == "node"]

    def relationship_sets(self) -> Iterator[EntitySet]:
        tx, address = "Transaction", "Address"
        rel = "relationship"
        yield EntitySet(rel, "IN_BLOCK", (), _IN_BLOCK_ROWS, ends=(tx, "Block"), count=_rows_of("n_txs"))
        yield EntitySet(
            rel, "OUTPUT", (("n", LONG), ("value", LONG)), _OUTPUT_ROWS, ends=(tx, address), count=_ADDRESSED_OUTPUTS
        )
        yield EntitySet(
            rel,
            "INPUT",
            (("outpoint", STRING), ("value", LONG)),
            _INPUT_ROWS,
            ends=(address, tx),
            count=_ADDRESSED_INPUTS,
        )
        yield EntitySet(rel, "SPENT_BY", (("n", LONG), ("pending", BOOL)), _SPENT_BY_ROWS, ends=(tx, tx), count=_SPENDS)
        why = (("txid", STRING), ("heuristic", STRING), ("confidence", DOUBLE))
        yield EntitySet("relationship", "IN_CLUSTER", why, _IN_CLUSTER_ROWS, ends=(address, "Cluster"))

    def size(self, entity: EntitySet) -> int:
        count = entity.count or f"SELECT count(*) FROM ({entity.query})"
        return self.con.execute(count).fetchall()[0][0]

    def batches(self, entity: EntitySet, rows: int = 100_000):
        """The entity set as Arrow record batches, in `nid` (nodes) or any (relationships) order."""
        return self.con.sql(entity.query).to_arrow_reader(rows)


def _members_query(clusters_dir: Path) -> str:
    members = f"read_parquet('{clusters_dir}/address_clusters/**/*.parquet')"
    columns = {row[0]: row[1] for row in duckdb.sql(f"DESCRIBE SELECT * FROM {members}").fetchall()}
    # Why each address joined (the linking transaction, heuristic and confidence), where the table says.
    why = ", ".join(
        f"m.{name}" if name in columns else f"NULL::{kind} AS {name}"
        for name, kind in (("txid", "VARCHAR"), ("heuristic", "VARCHAR"), ("confidence", "DOUBLE"))
    )
    if "address" in columns:
        base = f"SELECT m.address, m.cluster_id, {why} FROM {members} m"
    else:
        addresses = f"read_parquet('{clusters_dir}/addresses/**/*.parquet')"
        base = f"SELECT a.address, m.cluster_id, {why} FROM {members} m JOIN {addresses} a USING (address_id)"
    # Integer cluster ids are named after their least address, as the incremental path's are `cl_<founder>`.
    name = (
        "cluster_id" if columns["cluster_id"] == "VARCHAR" else "'cl_' || min(address) OVER (PARTITION BY cluster_id)"
    )
    # Two statements of one join each: DuckDB spilled the two joins of one statement worse (docs/scale.md).
    return f"""
CREATE OR REPLACE TABLE w_cluster_members AS {base};
CREATE OR REPLACE TABLE w_members AS
WITH here AS (SELECT m.* FROM w_cluster_members m SEMI JOIN n_addresses USING (address))
SELECT address, {name} AS cluster_id, txid, heuristic, confidence FROM here;
DROP TABLE w_cluster_members;
"""


# An input is known when its spent output is in the window (or the source gave it): only then do its
# value, and the spent output's address, count, as in an ingest that started at the window's first block.
_INPUTS = """
CREATE OR REPLACE TABLE w_inputs AS
WITH i AS (
  SELECT i.*, i.resolved AND (i.prev_tx_id IS NULL OR i.prev_tx_id >= {start}) AS known
  FROM {inputs} i SEMI JOIN w_txs t USING (tx_id))
SELECT tx_id, index, prev_txid, prev_n, known,
       CASE WHEN known THEN address ELSE derived_address END AS address,
       CASE WHEN known THEN script_type ELSE derived_type END AS script_type,
       CASE WHEN known THEN value END AS value
FROM i
"""

# n_addresses groups twice (by address and transaction, then by address) instead of counting DISTINCT
# transactions and taking arg_min over a (tx, phase, pos) struct in one GROUP BY: DuckDB spills that one badly
# (out of memory at 600 bytes a row of w_events, where the two steps stay within 70; docs/scale.md). Positions
# pack into one BIGINT as chain/store/cluster_sql.py packs them (2^21 inputs or outputs a transaction at most).
_NODES = """
CREATE OR REPLACE TABLE n_blocks AS
SELECT row_number() OVER (ORDER BY height) - 1 AS nid, * FROM w_blocks;
CREATE OR REPLACE TABLE n_txs AS
SELECT (SELECT count(*) FROM n_blocks) + row_number() OVER (ORDER BY tx_id) - 1 AS nid, tx_id, txid, height
FROM w_txs;
CREATE OR REPLACE TABLE n_stubs AS
WITH named AS (SELECT DISTINCT prev_txid AS txid FROM w_inputs ANTI JOIN n_txs t ON t.txid = prev_txid)
SELECT (SELECT count(*) FROM n_blocks) + (SELECT count(*) FROM n_txs) + row_number() OVER (ORDER BY txid) - 1 AS nid,
       txid FROM named;
CREATE OR REPLACE TABLE w_events AS
SELECT tx_id, 0 AS phase, index AS pos, address, script_type, 0::BIGINT AS received, coalesce(value, 0) AS sent
FROM w_inputs WHERE address IS NOT NULL
UNION ALL
SELECT tx_id, 1, n, address, script_type, value, 0 FROM w_outputs WHERE address IS NOT NULL;
CREATE OR REPLACE TABLE n_addresses AS
WITH per_tx AS (
  SELECT address, tx_id, arg_min(script_type, phase * 2097152 + pos) AS script_type,
         min(phase * 2097152 + pos) AS pos, sum(received) AS received, sum(sent) AS sent
  FROM w_events GROUP BY address, tx_id
), figures AS (
  SELECT p.address, arg_min(p.script_type, p.tx_id * 4194304 + p.pos) AS script_type,
         sum(p.received)::BIGINT AS received, sum(p.sent)::BIGINT AS sent, count(*) AS n_tx,
         min(t.time) AS first_seen, min(t.height) AS first_height, max(t.time) AS last_seen,
         max(t.height) AS last_height
  FROM per_tx p JOIN w_txs t USING (tx_id) GROUP BY p.address)
SELECT (SELECT count(*) FROM n_blocks) + (SELECT count(*) FROM n_txs) + (SELECT count(*) FROM n_stubs)
       + row_number() OVER (ORDER BY address) - 1 AS nid, * FROM figures;
"""

# A cluster of one address is no cluster (the incremental path links addresses only in groups).
_CLUSTERS = """
CREATE OR REPLACE TABLE n_clusters AS
WITH groups AS (
  SELECT m.cluster_id, count(*) AS size, sum(a.received)::BIGINT AS received, sum(a.sent)::BIGINT AS sent,
         min(a.first_seen) AS first_seen, max(a.last_seen) AS last_seen, min(a.first_height) AS first_height,
         max(a.last_height) AS last_height
  FROM w_members m JOIN n_addresses a USING (address) GROUP BY m.cluster_id HAVING count(*) > 1)
SELECT (SELECT coalesce(max(nid) + 1, 0) FROM (SELECT nid FROM n_addresses UNION ALL SELECT nid FROM n_stubs
        UNION ALL SELECT nid FROM n_txs UNION ALL SELECT nid FROM n_blocks))
       + row_number() OVER (ORDER BY cluster_id) - 1 AS nid, * FROM groups
"""

_BLOCK_ROWS = """
SELECT b.nid, lower(hex(b.hash)) AS hash, b.height, lower(hex(b.prev_hash)) AS prev_hash, b.time, b.n_tx,
       r.repeated
FROM n_blocks b LEFT JOIN (
  SELECT t.height, list(lower(hex(t.txid)) ORDER BY t.index) AS repeated
  FROM transactions_all t WHERE t.repeated GROUP BY t.height) r USING (height)
ORDER BY b.nid
"""

_TX_ROWS = """
WITH spends AS (
  SELECT tx_id, sum(CASE WHEN known THEN value ELSE 0 END)::BIGINT AS in_value,
         count(*) FILTER (WHERE NOT known) AS unresolved, count(DISTINCT address) AS spenders
  FROM w_inputs GROUP BY tx_id),
outs AS (
  SELECT tx_id, list(value ORDER BY n) AS out_value, list(coalesce(address, '') ORDER BY n) AS out_address,
         list(script_type ORDER BY n) AS out_type
  FROM w_outputs GROUP BY tx_id)
SELECT n.nid, lower(hex(t.txid)) AS txid, t.height, t.time, lower(hex(b.hash)) AS block_hash, t.coinbase,
       t.n_inputs AS n_in, t.n_outputs AS n_out, t.output_value AS value, coalesce(s.in_value, 0) AS in_value,
       coalesce(s.unresolved, 0) AS unresolved,
       CASE WHEN t.coinbase OR coalesce(s.unresolved, 0) > 0 THEN NULL
            ELSE coalesce(s.in_value, 0) - t.output_value END AS fee,
       t.size, coalesce(o.out_value, []) AS out_value, coalesce(o.out_address, []) AS out_address,
       coalesce(o.out_type, []) AS out_type, v.coinjoin,
       v.coinjoin IS NULL AND coalesce(s.spenders, 0) > 1 AS multi_input, v.change_n,
       v.change_heuristics, v.change_confidence
FROM n_txs n JOIN w_txs t USING (tx_id) JOIN w_blocks b ON b.height = t.height
LEFT JOIN spends s USING (tx_id) LEFT JOIN outs o USING (tx_id) LEFT JOIN w_verdicts v USING (tx_id)
ORDER BY n.nid
"""


def _rows_of(table: str) -> str:
    return f"SELECT count(*) FROM {table}"


# Every window output or input with an address has its transaction and its address among the nodes, and every
# spent txid is a window transaction or a stub: the relationship sets' joins drop no row, so these count them.
_ADDRESSED_OUTPUTS = "SELECT count(*) FROM w_outputs WHERE address IS NOT NULL"
_ADDRESSED_INPUTS = "SELECT count(*) FROM w_inputs WHERE address IS NOT NULL"
_SPENDS = "SELECT count(*) FROM w_inputs WHERE prev_txid IS NOT NULL"

_STUB_ROWS = "SELECT nid, lower(hex(txid)) AS txid FROM n_stubs ORDER BY nid"

_ADDRESS_ROWS = f"SELECT nid, {_columns(ADDRESS)} FROM n_addresses ORDER BY nid"

_CLUSTER_ROWS = f"SELECT nid, {_columns(CLUSTER)} FROM n_clusters ORDER BY nid"

_IN_BLOCK_ROWS = "SELECT t.nid AS src, b.nid AS dst FROM n_txs t JOIN n_blocks b USING (height)"

_OUTPUT_ROWS = """
SELECT t.nid AS src, a.nid AS dst, o.n::BIGINT AS n, o.value
FROM w_outputs o JOIN n_txs t USING (tx_id) JOIN n_addresses a USING (address)
"""

_INPUT_ROWS = """
SELECT a.nid AS src, t.nid AS dst, lower(hex(i.prev_txid)) || ':' || i.prev_n AS outpoint, i.value
FROM w_inputs i JOIN n_txs t USING (tx_id) JOIN n_addresses a USING (address)
"""

_SPENT_BY_ROWS = """
WITH spent AS (SELECT nid, txid FROM n_txs UNION ALL SELECT nid, txid FROM n_stubs)
SELECT p.nid AS src, t.nid AS dst, i.prev_n AS n, NOT i.known AS pending
FROM w_inputs i JOIN n_txs t USING (tx_id) JOIN spent p ON p.txid = i.prev_txid
"""

_IN_CLUSTER_ROWS = """
SELECT a.nid AS src, c.nid AS dst, m.txid, m.heuristic, m.confidence
FROM w_members m JOIN n_addresses a USING (address) JOIN n_clusters c USING (cluster_id)
"""
