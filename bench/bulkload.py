"""Bulk-load benchmark: the chain store into an empty FalkorDB graph (GRAPH.BULK) against today's incremental
ingest of the same blocks, in the same run, on the benchmarks' embedded server; then the incremental ingest
of a chain's last blocks on top of a bulk load against the same blocks on an empty graph; then what the
server holds per kind of entity and per property, for variants of the graph's shape.

    .venv/bin/python -m bench.bulkload                          # simulated worlds of 20,000 and 100,000 tx
    .venv/bin/python -m bench.bulkload --sizes 100000 200000 --tail 10000
    .venv/bin/python -m bench.bulkload --sizes 1000000 5000000 --incremental-txs 100000 --shapes-size 0

For each size: the world (bench/chainstore.py's, kept under var/bench/worlds), its store (built once,
2 workers), then in a spawned process each: an incremental ingest into a fresh graph, a bulk load into
another, a bulk load of all but the last `--tail` transactions' blocks (a window of the same store) with
those blocks then ingested on top, and those blocks ingested into an empty graph. Address edges are
INPUT + OUTPUT relationships, as in bench/ingest.py. Server memory is INFO memory's used_memory after the
load less before it, per transaction, and GRAPH.MEMORY USAGE's own figures. Figures go to
docs/benchmarks.md ("Bulk load").
"""

import argparse
import multiprocessing
import os
import resource
import shutil
import time
import uuid
from pathlib import Path

from bench.runtime import ROOT, server_start  # first: it sets Django up

# isort: split

from django.conf import settings

from bench.bulkshapes import graph_memory, shape_rows
from bench.chainstore import REGTEST, entries_of, world
from bench.ingest import machine
from bench.report import write_section
from chain.ingest import IngestOptions, Tally, ingest_entries
from chain.store.build import StoreOptions, StoreTally, store_build
from chain.store.load import LoadWindow, load_falkordb
from core.embedded import from_settings
from graph import open_graph
from graph.chain import address_edge_count
from graph.schema import ensure_schema


def store_of(size: int, blocks: Path) -> Path:
    """bench.chainstore's store of this world when it kept one (`--keep`: clustered, so the bulk load writes the
    clusters too, as a first load does), else one built here without clusters."""
    kept = Path(settings.VAR_DIR) / "chainstore-bench" / str(size)
    if (kept / "tables" / "_done").is_dir():
        return kept
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
    """used_memory once it has settled: the server frees a deleted graph (the last measure's) in the
    background, which would count against the next one."""
    client, last = from_settings().client(), -1
    for _ in range(40):
        now = client.info("memory")["used_memory"]
        if abs(now - last) < 2**20:
            return now
        last = now
        time.sleep(0.25)
    return last


def _figures(store, seconds: float, txs: int, memory_before: int) -> dict:
    edges = address_edge_count(store)
    used = _used_memory() - memory_before
    usage = graph_memory(store.graph_name)
    store.delete_graph()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "txs": txs, "edges": edges, "server_bytes": used, "rss_mib": rss, "usage": usage}


def head_entries(blocks: Path, txs: int | None) -> list:
    """The world's first blocks holding at least `txs` transactions (all of them when None)."""
    entries = entries_of(blocks)
    if txs is None:
        return entries
    count, seen = 0, 0
    while seen < txs and count < len(entries):
        seen += len(entries[count].load(REGTEST).txs)
        count += 1
    return entries[:count]


def incremental(blocks: Path, txs: int | None) -> dict:
    """Today's path, on the world's first `txs` transactions: its rate only falls as the graph grows (the
    benchmark "Ingest"), so a prefix flatters it and the bulk ÷ incremental ratio errs low."""
    store = _graph(f"bench_inc_{uuid.uuid4().hex}")
    ensure_schema(store)
    before, tally = _used_memory(), Tally()
    started = time.perf_counter()
    entries = head_entries(blocks, txs)
    ingest_entries(entries, store=store, network=REGTEST, tally=tally, options=IngestOptions(workers=2))
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


def tail_blocks(blocks: Path, tail: int) -> int:
    """How many of the world's last blocks hold at least `tail` transactions."""
    entries, txs, count = entries_of(blocks), 0, 0
    while txs < tail and count < len(entries):
        count += 1
        txs += len(entries[-count].load(REGTEST).txs)
    return count


def _tail_ingest(store, blocks: Path, count: int) -> dict:
    tally = Tally()
    started = time.perf_counter()
    tail = entries_of(blocks)[-count:]
    ingest_entries(tail, store=store, network=REGTEST, tally=tally, options=IngestOptions(workers=2))
    seconds = time.perf_counter() - started
    store.delete_graph()
    return {"seconds": seconds, "txs": tally.txs, "edges": tally.edges}


def tail_after_bulk(store_dir: Path, blocks: Path, count: int, last_height: int) -> dict:
    """The store up to `last_height` bulk-loaded (a window), then the blocks after it ingested on top."""
    store = _graph(f"bench_tail_bulk_{uuid.uuid4().hex}")
    work = Path(settings.VAR_DIR) / "bulkload-work" / uuid.uuid4().hex
    loaded = load_falkordb(store_dir, store, work_dir=work, window=LoadWindow(last=last_height))
    shutil.rmtree(work, ignore_errors=True)
    return {**_tail_ingest(store, blocks, count), "under": loaded.by_set["Transaction"]}


def tail_on_empty(blocks: Path, count: int) -> dict:
    store = _graph(f"bench_tail_empty_{uuid.uuid4().hex}")
    ensure_schema(store)
    return _tail_ingest(store, blocks, count)


def _last_height(store_dir: Path) -> int:
    import duckdb

    glob = store_dir / "tables" / "blocks" / "*" / "*.parquet"
    return duckdb.sql(f"SELECT max(height) FROM read_parquet('{glob}')").fetchall()[0][0]  # noqa: S608 - our path


def measure(size: int, tail: int, incremental_txs: int | None) -> dict:
    blocks = world(size)
    store_dir = store_of(size, blocks)
    head = None if incremental_txs is None or incremental_txs >= size else incremental_txs
    run = {"size": size, "incremental": in_child(incremental, blocks, head), "bulk": in_child(bulk, store_dir)}
    count = tail_blocks(blocks, tail)
    last = _last_height(store_dir) - count
    run["tail_after_bulk"] = in_child(tail_after_bulk, store_dir, blocks, count, last)
    run["tail_on_empty"] = in_child(tail_on_empty, blocks, count)
    return run


def _mb_per_tx(usage: dict, txs: int) -> str:
    return f"{usage['total_graph_sz_mb'] * 2**20 / txs:,.0f}"


def _head(inc: dict, run: dict) -> str:
    return f", the first {inc['txs']:,} tx" if inc["txs"] < run["size"] else ""


def _rows(run: dict) -> list[str]:
    inc, blk, size = run["incremental"], run["bulk"], f"{run['size']:,} tx"
    inc_rate, blk_rate = inc["edges"] / inc["seconds"], blk["edges"] / blk["seconds"]
    after, empty = run["tail_after_bulk"], run["tail_on_empty"]
    after_rate, empty_rate = after["txs"] / after["seconds"], empty["txs"] / empty["seconds"]
    return [
        f"| {size}: incremental ingest (today's path{_head(inc, run)}) | {inc_rate:,.0f} address edges/s "
        f"({inc['edges']:,} in {inc['seconds']:.1f} s) | |",
        f"| {size}: bulk load (GRAPH.BULK, schema included) | {blk_rate:,.0f} address edges/s "
        f"({blk['edges']:,} in {blk['seconds']:.1f} s; {blk['relationships']:,} relationships, "
        f"{blk['nodes']:,} nodes) | ≥ 150,000 /s |",
        f"| {size}: bulk ÷ incremental | {blk_rate / inc_rate:.1f} × | ≥ 15 × |",
        f"| {size}: server memory per tx, incremental / bulk (used_memory) | {inc['server_bytes'] / inc['txs']:,.0f} / "
        f"{blk['server_bytes'] / blk['txs']:,.0f} bytes | ≤ 1,000 bytes |",
        f"| {size}: graph per tx, incremental / bulk (GRAPH.MEMORY USAGE) | {_mb_per_tx(inc['usage'], inc['txs'])} / "
        f"{_mb_per_tx(blk['usage'], blk['txs'])} bytes | ≤ 1,000 bytes |",
        f"| {size}: peak RSS, incremental / bulk process | {inc['rss_mib']:,.0f} / {blk['rss_mib']:,.0f} MiB "
        "| ≤ 3 GB, flat |",
        f"| {size}: last {after['txs']:,} tx ingested on a bulk load of {after['under']:,} tx / on an empty graph "
        f"| {after_rate:,.0f} / {empty_rate:,.0f} tx/s ({after['seconds']:.1f} / {empty['seconds']:.1f} s) | |",
        f"| {size}: incremental after bulk ÷ on an empty graph | {after_rate / empty_rate:.2f} × | ≥ 0.8 × |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--tail", type=int, default=10_000, help="transactions ingested after the bulk load")
    parser.add_argument(
        "--incremental-txs",
        type=int,
        default=None,
        help="the incremental baseline ingests only the world's first N tx (default: all; hours at millions)",
    )
    parser.add_argument(
        "--shapes-size",
        type=int,
        default=None,
        help="world loaded in each shape variant (default: the smallest; 0: none)",
    )
    args = parser.parse_args()
    shapes_size = min(args.sizes) if args.shapes_size is None else args.shapes_size
    server, started = server_start()
    load_before = os.getloadavg()[0]
    try:
        runs = []
        for size in sorted(args.sizes):
            runs.append(measure(size, args.tail, args.incremental_txs))
            print("\n".join(_rows(runs[-1])), flush=True)
        shapes = in_child(shape_rows, store_of(shapes_size, world(shapes_size))) if shapes_size else []
    finally:
        if started:
            server.stop()
    load = f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (`uptime`)"
    command = f"--sizes {' '.join(str(s) for s in args.sizes)} --tail {args.tail}"
    command += f" --incremental-txs {args.incremental_txs}" if args.incremental_txs else ""
    command += f" --shapes-size {shapes_size}" if args.shapes_size is not None else ""
    lines = [
        f"Machine: {machine()}, {load}. Command: `.venv/bin/python -m bench.bulkload {command}`. Simulated worlds "
        "(seed 1), embedded FalkorDB; each path in a spawned process. The bulk load writes the store's clusters "
        "where bench.chainstore kept a clustered store (`--keep`), else none; the incremental path clusters as "
        "it goes. The tail: the world's last blocks (at least `--tail` transactions), ingested "
        "block by block on a bulk load of the blocks before them, and on an empty graph.",
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
    ]
    for run in runs:
        lines += _rows(run)
    if shapes:
        lines += ["", f"Server memory by graph shape ({shapes_size:,} tx, bulk-loaded; GRAPH.MEMORY USAGE):", ""]
        lines += shapes
    print("\n".join(lines))
    write_section("Bulk load", "\n".join(lines))


if __name__ == "__main__":
    print(f"var: {settings.VAR_DIR} (repo {ROOT})")
    main()
