# ruff: noqa: S608 - DuckDB SQL built from the store's own paths and constant names, never from user text
"""Helpers for the bulk-load tests: cut a blk source at a height, dump a graph, and the cluster scaffold.

The scaffold is a cluster assignment read from an incremental graph (the clusters and the transactions'
verdicts an ingest of the same blocks built), in the Parquet shape `chainstore cluster` writes
(`address_clusters`, `tx_clustering`): the `--clusters` override path, and windows, which the store's
own clustering (over the whole store) does not describe.
"""

import struct
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from chain.services import ingest_run_create, ingest_run_execute
from graph import get_graph
from graph.schema import ensure_schema
from tests.chain.storetools import rows


def blk_records(source: Path) -> list[bytes]:
    """Every framed record (magic, length, block) of a blk file or of a directory's blk*.dat files, in order."""
    files = sorted(source.glob("blk*.dat")) if source.is_dir() else [source]
    records = []
    for path in files:
        data, offset = path.read_bytes(), 0
        while offset + 8 <= len(data) and data[offset : offset + 4] != b"\x00\x00\x00\x00":
            (length,) = struct.unpack_from("<I", data, offset + 4)
            records.append(data[offset : offset + 8 + length])
            offset += 8 + length
    return records


def split_blk(source: Path, first: int, directory: Path) -> tuple[Path, Path]:
    """The first `first` records, and the rest, as two blk files."""
    records = blk_records(source)
    directory.mkdir(parents=True, exist_ok=True)
    head, tail = directory / "head" / "blk00000.dat", directory / "tail" / "blk00000.dat"
    for path, part in ((head, records[:first]), (tail, records[first:])):
        path.parent.mkdir()
        path.write_bytes(b"".join(part))
    return head.parent, tail.parent


def ingest_into(settings, graph_name: str, source: Path, *, network: str):
    """An incremental ingest into the graph `graph_name` (made with the schema if new); returns the store."""
    settings.GRAPH_NAME = graph_name
    store = get_graph()
    ensure_schema(store)
    run = ingest_run_execute(run_id=ingest_run_create(kind="blk", source=str(source), network=network).id)
    assert run.status == "succeeded", run.error
    return store


_KEY = "coalesce(n.txid, n.address, n.hash, n.cluster_id)"


def graph_dump(store) -> dict:
    """Every node but clusters (by label and key, with all its properties) and every relationship but
    cluster membership (type, ends, properties), so two graphs compare as a whole."""
    nodes = {}
    for row in store.read("MATCH (n) WHERE NOT n:Cluster RETURN labels(n) AS labels, properties(n) AS props"):
        props = row["props"]
        nodes[(tuple(row["labels"]), props.get("txid") or props.get("address") or props.get("hash"))] = props
    relationships = Counter(
        (row["type"], row["src"], row["dst"], tuple(sorted(row["props"].items())))
        for row in store.read(
            "MATCH (n)-[r]->(m) WHERE NOT type(r) IN ['IN_CLUSTER', 'MERGED_INTO'] "
            f"RETURN type(r) AS type, {_KEY} AS src, {_KEY.replace('n.', 'm.')} AS dst, properties(r) AS props"
        )
    )
    return {"nodes": nodes, "relationships": relationships}


def cluster_partition(store) -> set[frozenset[str]]:
    found = store.read(
        "MATCH (a:Address)-[:IN_CLUSTER]->(c:Cluster) RETURN c.cluster_id AS id, collect(a.address) AS members"
    )
    return {frozenset(row["members"]) for row in found if len(row["members"]) > 1}


def clusters_scaffold(store, store_dir: Path, out_dir: Path) -> Path:
    """address_clusters (address, cluster_id, txid, heuristic, confidence) and tx_clustering (tx_id, coinjoin,
    change_n, change_heuristics, change_confidence) as the incremental graph `store` has them: the shape
    `chainstore cluster` writes (which names addresses by `address_id` with an `addresses` table)."""
    members = store.read(
        "MATCH (a:Address)-[r:IN_CLUSTER]->(c:Cluster) RETURN a.address AS address, c.cluster_id AS cluster_id, "
        "r.txid AS txid, r.heuristic AS heuristic, r.confidence AS confidence"
    )
    kinds = {"address": pa.string(), "cluster_id": pa.string(), "txid": pa.string(), "heuristic": pa.string()}
    kinds["confidence"] = pa.float64()
    _write(out_dir / "address_clusters", {k: pa.array([r[k] for r in members], t) for k, t in kinds.items()})
    verdicts = store.read(
        "MATCH (t:Transaction) WHERE t.coinjoin IS NOT NULL OR t.change_n IS NOT NULL "
        "RETURN t.txid AS txid, t.coinjoin AS coinjoin, t.change_n AS change_n, t.change_heuristics AS h, "
        "t.change_confidence AS confidence"
    )
    ids = dict(rows(store_dir, "SELECT lower(hex(txid)), tx_id FROM {transactions} WHERE NOT repeated"))
    table = {
        "tx_id": pa.array([ids[r["txid"]] for r in verdicts], pa.int64()),
        "coinjoin": pa.array([r["coinjoin"] for r in verdicts], pa.string()),
        "change_n": pa.array([r["change_n"] for r in verdicts], pa.int32()),
        "change_heuristics": pa.array([r["h"] for r in verdicts], pa.list_(pa.string())),
        "change_confidence": pa.array([r["confidence"] for r in verdicts], pa.float64()),
    }
    _write(out_dir / "tx_clustering", table)
    return out_dir


def _write(directory: Path, columns: dict) -> None:
    directory.mkdir(parents=True)
    pq.write_table(pa.table(columns), directory / "data.parquet")


def csv_rows(path: Path) -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute(f"SELECT * FROM read_csv('{path}', header = false, all_varchar = true)").fetchall()
