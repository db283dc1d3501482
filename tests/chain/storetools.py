"""Helpers for the chain-store tests: build a store through its service, read its tables, compare with the graph."""

import hashlib
from collections import Counter
from pathlib import Path

import duckdb

from chain.store.layout import StoreLayout
from chain.store.services import chainstore_run_create, chainstore_run_execute


def build(kind: str, source, store_dir: Path, *, network: str = "bitcoin", workers: int = 1):
    run = chainstore_run_create(kind=kind, source=str(source), store_dir=str(store_dir), network=network)
    return chainstore_run_execute(run_id=run.id, workers=workers)


def rows(store_dir: Path, query: str) -> list[tuple]:
    """`query` names tables as {blocks}, {transactions}, {outputs}, {inputs}."""
    store = StoreLayout(store_dir)
    tables = {
        name: f"read_parquet('{store.table_glob(name)}', hive_partitioning = true)"
        for name in ("blocks", "transactions", "outputs", "inputs")
    }
    with duckdb.connect() as con:
        return con.execute(query.format(**tables)).fetchall()


def store_inputs(store_dir: Path) -> Counter:
    """Each input that names an address, as the graph's INPUT edge would: (spender, outpoint, address, value)."""
    return Counter(
        rows(
            store_dir,
            "SELECT lower(hex(t.txid)), lower(hex(i.prev_txid)) || ':' || i.prev_n, i.address, i.value "
            "FROM {inputs} i JOIN {transactions} t USING (tx_id) WHERE i.address IS NOT NULL AND NOT t.repeated",
        )
    )


def graph_inputs(graph) -> Counter:
    found = graph.read(
        "MATCH (a:Address)-[i:INPUT]->(t:Transaction) RETURN t.txid AS txid, i.outpoint AS outpoint, "
        "a.address AS address, i.value AS value"
    )
    return Counter((r["txid"], r["outpoint"], r["address"], r["value"]) for r in found)


def store_outputs(store_dir: Path) -> Counter:
    return Counter(
        rows(
            store_dir,
            "SELECT lower(hex(t.txid)), o.n, o.address, o.value FROM {outputs} o JOIN {transactions} t USING (tx_id) "
            "WHERE o.address IS NOT NULL AND NOT t.repeated",
        )
    )


def graph_outputs(graph) -> Counter:
    found = graph.read(
        "MATCH (t:Transaction)-[o:OUTPUT]->(a:Address) RETURN t.txid AS txid, o.n AS n, a.address AS address, "
        "o.value AS value"
    )
    return Counter((r["txid"], r["n"], r["address"], r["value"]) for r in found)


def store_fees(store_dir: Path) -> dict:
    found = rows(store_dir, "SELECT lower(hex(txid)), fee, unresolved FROM {transactions} WHERE NOT repeated")
    return {txid: (fee, unresolved) for txid, fee, unresolved in found}


def graph_fees(graph) -> dict:
    found = graph.read(
        "MATCH (t:Transaction) WHERE t.height IS NOT NULL RETURN t.txid AS txid, t.fee AS fee, t.unresolved AS u"
    )
    return {r["txid"]: (r["fee"], r["u"]) for r in found}


def tables_snapshot(store_dir: Path) -> dict[str, str]:
    """Every table's rows, in order, hashed per table: equal snapshots mean equal tables row for row."""
    snapshot = {}
    for table, order in (("blocks", "height"), ("transactions", "tx_id"), ("outputs", "tx_id, n")):
        snapshot[table] = _digest(rows(store_dir, f"SELECT * FROM {{{table}}} ORDER BY {order}"))  # noqa: S608
    snapshot["inputs"] = _digest(rows(store_dir, "SELECT * FROM {inputs} ORDER BY tx_id, index"))
    return snapshot


def files_snapshot(store_dir: Path) -> dict[str, tuple[int, str]]:
    """Each file of the store: its modification time and content hash."""
    return {
        str(path.relative_to(store_dir)): (path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
        for path in sorted(store_dir.rglob("*"))
        if path.is_file()
    }


def _digest(found: list[tuple]) -> str:
    return hashlib.sha256(repr(found).encode()).hexdigest() + f":{len(found)}"
