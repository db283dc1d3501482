"""The resolve phase: each input joined to the output it spends, in bounded memory, then the final tables.

No dictionary of unspent outputs: the parse phase already split outputs (by txid) and inputs (by the
txid they spend) into B buckets by the txid's first byte, so an input and the output it spends are
always in the same bucket. Each bucket is one DuckDB hash join (memory_limit, spilling to the
store's tmp/), cost linear in its rows; the joined inputs are written partitioned by the spender's
height partition. Then each height partition gets its final tables, with dense `tx_id`s (numbering).

Both steps are resumable: a bucket's join is written under a temporary name and its `_done.json`
written last; a partition's four tables each replace their file whole and its done-marker comes last.

BIP30: two early coinbases were repeated byte for byte (mainnet blocks 91,842 and 91,880). The store
keeps both transactions (it records the chain as it is) and flags the later copy `repeated`; inputs
spending such an output resolve to the first copy, as the graph keeps only the first (chain/loading.py).
"""

import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa

from chain.store import layout

_JOIN = """
COPY (
  WITH outs AS (
    SELECT n.tx_base + o.tx_pos AS tx_id, o.txid, o.n, o.coinbase, o.value, o.script_type, o.address
    FROM read_parquet($outputs, hive_partitioning = true) o JOIN numbering n ON n.part = o.part
  ),
  kept AS (SELECT * FROM outs WHERE tx_id NOT IN (SELECT tx_id FROM repeats))
  SELECT i.part, n.tx_base + i.tx_pos AS tx_id, i.index, i.prev_txid, i.prev_n, o.tx_id AS prev_tx_id,
    CASE WHEN o.tx_id IS NOT NULL THEN o.value ELSE i.source_value END AS value,
    CASE WHEN o.tx_id IS NOT NULL THEN o.script_type WHEN i.source_value IS NOT NULL THEN i.source_type
         ELSE i.derived_type END AS script_type,
    CASE WHEN o.tx_id IS NOT NULL THEN o.address WHEN i.source_value IS NOT NULL THEN i.source_address
         ELSE i.derived_address END AS address,
    (o.tx_id IS NOT NULL OR i.source_value IS NOT NULL) AS resolved,
    i.derived_type, i.derived_address
  FROM read_parquet($inputs, hive_partitioning = true) i
  JOIN numbering n ON n.part = i.part
  LEFT JOIN kept o ON o.txid = i.prev_txid AND o.n = i.prev_n
) TO '{target}' (FORMAT parquet, PARTITION_BY (part), COMPRESSION zstd)
"""

# Later copies of a repeated coinbase (BIP30): a coinbase txid seen more than once in the bucket.
_REPEATS = """
CREATE OR REPLACE TEMP TABLE repeats AS
WITH coinbases AS (
  SELECT n.tx_base + o.tx_pos AS tx_id, o.txid
  FROM read_parquet($outputs, hive_partitioning = true) o JOIN numbering n ON n.part = o.part
  WHERE o.coinbase AND o.n = 0
)
SELECT tx_id FROM coinbases WHERE txid IN (SELECT txid FROM coinbases GROUP BY txid HAVING count(*) > 1)
  AND tx_id NOT IN (SELECT min(tx_id) FROM coinbases GROUP BY txid)
"""

FINAL_INPUTS = pa.schema(
    [
        ("tx_id", pa.int64()),
        ("index", pa.int32()),
        ("prev_txid", layout.TXID),
        ("prev_n", pa.int64()),
        ("prev_tx_id", pa.int64()),
        ("value", pa.int64()),
        ("script_type", pa.string()),
        ("address", pa.string()),
        ("resolved", pa.bool_()),
        ("derived_type", pa.string()),
        ("derived_address", pa.string()),
    ]
)


def connect(
    store: layout.StoreLayout, *, threads: int, memory_limit: str, database: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """`database`: a file for the tables a phase makes (made afresh), where they live on disk like the store's;
    without one they live in memory, which DuckDB spills less willingly (docs/scale.md, "Memory")."""
    store.temp.mkdir(parents=True, exist_ok=True)
    if database is not None:
        database.unlink(missing_ok=True)
        Path(f"{database}.wal").unlink(missing_ok=True)
    con = duckdb.connect(str(database) if database is not None else ":memory:")
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET memory_limit = ?", [memory_limit])
    con.execute("SET temp_directory = ?", [str(store.temp)])
    con.execute("SET preserve_insertion_order = false")  # lets big COPYs stream instead of buffering
    return con


def plan_fingerprint(manifests: dict[int, dict]) -> str:
    text = ",".join(f"{part}:{manifests[part]['digest']}" for part in sorted(manifests))
    return hashlib.sha256(text.encode()).hexdigest()


def resolve_prepare(store: layout.StoreLayout, manifests: dict[int, dict]) -> None:
    """Start over when the parsed partitions changed since the last resolve (a source with more blocks);
    otherwise keep every bucket and partition already done. Then number the transactions."""
    fingerprint = plan_fingerprint(manifests)
    if (layout.read_json(store.resolve_plan) or {}).get("fingerprint") == fingerprint:
        return  # the plan is written after the numbering: both are there and current
    shutil.rmtree(store.resolve, ignore_errors=True)
    shutil.rmtree(store.tables, ignore_errors=True)
    parts, bases, total = sorted(manifests), [], 0
    for part in parts:
        bases.append(total)
        total += manifests[part]["txs"]
    layout.write_table(store.numbering, pa.table({"part": parts, "tx_base": bases}, schema=_NUMBERING))
    layout.write_json(store.resolve_plan, {"fingerprint": fingerprint})


_NUMBERING = pa.schema([("part", pa.int64()), ("tx_base", pa.int64())])


def bucket_join(con, store: layout.StoreLayout, bucket: int, parts: list[int]) -> dict:
    """Join one bucket's inputs to its outputs; returns (and records) its counts. Skipped when done."""
    done = layout.read_json(store.joined_done(bucket))
    if done is not None:
        return done | {"present": True}
    _load_numbering(con, store)
    outputs = [str(layout.bucket_file(store.staged(part), "outputs", bucket)) for part in parts]
    inputs = [str(layout.bucket_file(store.staged(part), "inputs", bucket)) for part in parts]
    final = store.joined(bucket)
    temporary = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.parent.mkdir(parents=True, exist_ok=True)
    con.execute(_REPEATS, {"outputs": outputs})
    con.execute(_JOIN.format(target=_quoted(temporary)), {"outputs": outputs, "inputs": inputs})
    temporary.mkdir(exist_ok=True)  # no inputs at all: COPY made no directory
    repeated = [row[0] for row in con.execute("SELECT tx_id FROM repeats ORDER BY tx_id").fetchall()]
    layout.write_table(temporary / "repeats.parquet", pa.table({"tx_id": pa.array(repeated, pa.int64())}))
    counts = _join_counts(con, temporary)
    layout.replace_dir(temporary, final)
    record = {"bucket": bucket, "repeated": len(repeated), **counts}
    layout.write_json(store.joined_done(bucket), record)
    return record | {"present": False}


def _join_counts(con, directory: Path) -> dict:
    files = sorted(str(path) for path in directory.glob("part=*/*.parquet"))
    if not files:
        return {"inputs": 0, "resolved": 0}
    total, resolved = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE resolved) FROM read_parquet($files)", {"files": files}
    ).fetchone()
    return {"inputs": total, "resolved": resolved}


def _load_numbering(con, store: layout.StoreLayout) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE numbering AS SELECT * FROM read_parquet(?)", [str(store.numbering)])


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def partition_finalize(con, store: layout.StoreLayout, part: int, buckets: int) -> dict:
    """Write partition `part`'s four tables (each file whole), then its marker. Skipped when done."""
    done = layout.read_json(store.final_done(part))
    if done is not None:
        return done | {"present": True}
    _load_numbering(con, store)
    base = con.execute("SELECT tx_base FROM numbering WHERE part = ?", [part]).fetchone()[0]
    joined = sorted(str(p) for b in range(buckets) for p in store.joined(b).glob(f"part={part}/*.parquet"))
    repeats = [str(store.joined(b) / "repeats.parquet") for b in range(buckets)]
    _final_inputs(con, store, part, joined)
    _copy(con, store, "blocks", part, _BLOCKS, {"files": [str(store.staged(part) / "blocks.parquet")], "base": base})
    staged_outputs = [str(layout.bucket_file(store.staged(part), "outputs", b)) for b in range(buckets)]
    _copy(con, store, "outputs", part, _OUTPUTS, {"files": staged_outputs, "base": base})
    transactions = {
        "files": [str(store.staged(part) / "transactions.parquet")],
        "inputs": str(store.table("inputs", part)),
        "repeats": repeats,
        "base": base,
    }
    _copy(con, store, "transactions", part, _TRANSACTIONS, transactions)
    n_inputs = con.execute("SELECT count(*) FROM read_parquet(?)", [str(store.table("inputs", part))]).fetchone()[0]
    record = {"part": part, "inputs": n_inputs}
    layout.write_json(store.final_done(part), record)
    return record | {"present": False}


def _final_inputs(con, store: layout.StoreLayout, part: int, joined: list[str]) -> None:
    """A partition's inputs in chain order: as many rows as the partition's transactions have inputs."""
    if not joined:
        layout.write_table(store.table("inputs", part), FINAL_INPUTS.empty_table())
        return
    _copy(con, store, "inputs", part, _INPUTS, {"files": joined})


_INPUTS = f"SELECT {', '.join(FINAL_INPUTS.names)} FROM read_parquet($files) ORDER BY tx_id, index"  # noqa: S608
_BLOCKS = """
SELECT height, hash, prev_hash, time, n_tx, "where", $base + first_tx_pos AS first_tx_id
FROM read_parquet($files) ORDER BY height
"""
_OUTPUTS = """
SELECT $base + tx_pos AS tx_id, n, value, script_type, address FROM read_parquet($files) ORDER BY tx_id, n
"""
_TRANSACTIONS = """
WITH spent AS (
  SELECT tx_id, sum(value) FILTER (WHERE resolved) AS in_value, count(*) FILTER (WHERE NOT resolved) AS unresolved
  FROM read_parquet($inputs) GROUP BY tx_id
),
repeated AS (SELECT tx_id FROM read_parquet($repeats))
SELECT t.tx_id, t.txid, t.height, t.index, t.time, t.size, t.coinbase, t.n_inputs, t.n_outputs, t.output_value,
  coalesce(s.in_value, 0)::BIGINT AS input_value, coalesce(s.unresolved, 0)::INTEGER AS unresolved,
  CASE WHEN t.coinbase OR coalesce(s.unresolved, 0) > 0 THEN NULL
       ELSE coalesce(s.in_value, 0) - t.output_value END::BIGINT AS fee,
  t.tx_id IN (SELECT tx_id FROM repeated) AS repeated
FROM (SELECT $base + tx_pos AS tx_id, * EXCLUDE (tx_pos) FROM read_parquet($files)) t
LEFT JOIN spent s ON s.tx_id = t.tx_id
ORDER BY t.tx_id
"""


def _copy(con, store: layout.StoreLayout, table: str, part: int, query: str, parameters: dict) -> None:
    final = store.table(table, part)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    con.execute(f"COPY ({query}) TO '{_quoted(temporary)}' (FORMAT parquet, COMPRESSION zstd)", parameters)
    layout.fsync_file(temporary)
    os.replace(temporary, final)
    layout.fsync_dir(final.parent)
