"""Bulk-load benchmark: the chain store into an empty FalkorDB graph (GRAPH.BULK) against today's incremental
ingest of the same blocks, in the same run, on the benchmarks' embedded server.

    .venv/bin/python -m bench.bulkload                          # simulated worlds of 20,000 and 100,000 tx
    .venv/bin/python -m bench.bulkload --sizes 100000 1000000

For each size: the world (bench/chainstore.py's, kept under var/bench/worlds), its store (built once,
2 workers), then in a spawned process each: an incremental ingest into a fresh graph, and a bulk load
into another. Address edges are INPUT + OUTPUT relationships, as in bench/ingest.py. Server memory is
INFO memory's used_memory after the load less before it, per transaction. Figures go to
docs/benchmarks.md ("Bulk load").
"""

import argparse
import multiprocessing
import resource
import shutil
import time
import uuid
from pathlib import Path

from bench.runtime import ROOT, server_start  # first: it sets Django up

# isort: split

from django.conf import settings

from bench.chainstore import REGTEST, entries_of, world
from bench.ingest import machine
from bench.report import write_section
from chain.ingest import IngestOptions, Tally, ingest_entries
from chain.store.build import StoreOptions, StoreTally, store_build
from chain.store.load import load_falkordb
from core.embedded import from_settings
from graph import open_graph
from graph.schema import ensure_schema

_EDGES = (
    "MATCH (:Address)-[r:INPUT]->() RETURN count(r) AS n",
    "MATCH ()-[r:OUTPUT]->(:Address) RETURN count(r) AS n",
)


def store_of(size: int, blocks: Path) -> Path:
    store = Path(settings.VAR_DIR) / "bulkload-stores" / str(size)
    if not (store / "tables" / "_done").is_dir():
        shutil.rmtree(store, ignore_errors=True)
        options = StoreOptions(partition_blocks=50, buckets=16, workers=2, memory_limit="1GB")
        store_build(entries_of(blocks), root=store, network=REGTEST, options=options, tally=StoreTally())
    return store


def in_child(target, *args) -> dict:
    """Run one path in a spawned process of its own, so its peak RSS is its own."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(target, args, send))
    process.start()
    result = receive.recv()
    process.join()
    return result


def _child(target, args, send) -> None:
    send.send(target(*args))


def _graph(name: str):
    return open_graph(settings.GRAPH_URL, graph_name=name, password=settings.GRAPH_PASSWORD, timeout_ms=600_000)


def _used_memory() -> int:
    return from_settings().client().info("memory")["used_memory"]


def _figures(store, seconds: float, txs: int, memory_before: int) -> dict:
    edges = sum(store.read(query)[0]["n"] for query in _EDGES)
    used = _used_memory() - memory_before
    store.delete_graph()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "txs": txs, "edges": edges, "server_bytes": used, "rss_mib": rss}


def incremental(blocks: Path) -> dict:
    store = _graph(f"bench_inc_{uuid.uuid4().hex}")
    ensure_schema(store)
    before, tally = _used_memory(), Tally()
    started = time.perf_counter()
    ingest_entries(entries_of(blocks), store=store, network=REGTEST, tally=tally, options=IngestOptions(workers=2))
    return _figures(store, time.perf_counter() - started, tally.txs, before)


def bulk(store_dir: Path) -> dict:
    store = _graph(f"bench_bulk_{uuid.uuid4().hex}")
    before = _used_memory()
    work = Path(settings.VAR_DIR) / "bulkload-work" / uuid.uuid4().hex
    started = time.perf_counter()
    result = load_falkordb(store_dir, store, work_dir=work)
    seconds = time.perf_counter() - started
    shutil.rmtree(work, ignore_errors=True)
    figures = _figures(store, seconds, result.by_set["Transaction"], before)
    return {**figures, "nodes": result.nodes, "relationships": result.relationships}


def measure(size: int) -> dict:
    blocks = world(size)
    store_dir = store_of(size, blocks)
    return {"size": size, "incremental": in_child(incremental, blocks), "bulk": in_child(bulk, store_dir)}


def _rows(run: dict) -> list[str]:
    inc, blk, size = run["incremental"], run["bulk"], f"{run['size']:,} tx"
    inc_rate, blk_rate = inc["edges"] / inc["seconds"], blk["edges"] / blk["seconds"]
    return [
        f"| {size}: incremental ingest (today's path) | {inc_rate:,.0f} address edges/s "
        f"({inc['edges']:,} in {inc['seconds']:.1f} s) | |",
        f"| {size}: bulk load (GRAPH.BULK, schema included) | {blk_rate:,.0f} address edges/s "
        f"({blk['edges']:,} in {blk['seconds']:.1f} s; {blk['relationships']:,} relationships, "
        f"{blk['nodes']:,} nodes) | ≥ 150,000 /s |",
        f"| {size}: bulk ÷ incremental | {blk_rate / inc_rate:.1f} × | ≥ 15 × |",
        f"| {size}: server memory per tx, incremental / bulk | {inc['server_bytes'] / inc['txs']:,.0f} / "
        f"{blk['server_bytes'] / blk['txs']:,.0f} bytes | ≤ 1,000 bytes |",
        f"| {size}: peak RSS, incremental / bulk process | {inc['rss_mib']:,.0f} / {blk['rss_mib']:,.0f} MiB "
        "| ≤ 3 GB, flat |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    args = parser.parse_args()
    server, started = server_start()
    try:
        runs = []
        for size in sorted(args.sizes):
            runs.append(measure(size))
            print("\n".join(_rows(runs[-1])), flush=True)
    finally:
        if started:
            server.stop()
    lines = [
        f"Machine: {machine()}. Command: `.venv/bin/python -m bench.bulkload --sizes "
        f"{' '.join(str(s) for s in args.sizes)}`. Simulated worlds (seed 1), embedded FalkorDB; each path in a "
        "spawned process. The bulk load has no cluster assignment here (the store's clustering phase is "
        "separate), so it writes no Cluster nodes; the incremental path clusters as it goes.",
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
    ]
    for run in runs:
        lines += _rows(run)
    print("\n".join(lines))
    write_section("Bulk load", "\n".join(lines))


if __name__ == "__main__":
    print(f"var: {settings.VAR_DIR} (repo {ROOT})")
    main()
