"""Chain-store benchmark: blocks → chain store (parse + resolve) against single-process parse-only baselines,
then the clustering phase over the store (scipy and SQL components).

    .venv/bin/python -m bench.chainstore                       # simulated worlds of 100,000 and 500,000 tx
    .venv/bin/python -m bench.chainstore --sizes 1000000 5000000 --keep   # then bench.bulkload loads these stores

Each world is simulated once into var/bench/worlds/<size> and kept. The baselines are measured in the
same run on the first blocks of the smaller world: bitcoinlib's own parse (the issue's yardstick) and
ours (chain.blocks), each in one process. Each phase of the build runs in a process of its own, so its
peak RSS (the phase's process and, for the parse, its largest worker) is its own. Figures go to
docs/benchmarks.md.
"""

import argparse
import logging
import multiprocessing
import os
import resource
import shutil
import time
from pathlib import Path

from bench.runtime import ROOT  # first: it sets Django up

# isort: split

from bitcoinlib.blocks import Block as LibBlock
from django.conf import settings

from bench.ingest import machine
from bench.report import write_section
from chain.networks import NETWORKS
from chain.simulator.run import WorldSpec, simulate
from chain.sources import blk_paths, scan_blk_file
from chain.store.build import StoreOptions, StoreTally, store_build
from chain.store.clusters import store_cluster

REGTEST = NETWORKS["regtest"]
SAMPLE_TXS = 20_000
logging.getLogger("bitcoinlib").setLevel(logging.ERROR)  # it warns at each taproot input it cannot read


def world(size: int) -> Path:
    """The blocks of a simulated world of `size` transactions (made once: world.json is written last)."""
    directory = Path(settings.VAR_DIR) / "worlds" / str(size)
    if not (directory / "world.json").exists():
        shutil.rmtree(directory, ignore_errors=True)
        started = time.perf_counter()
        simulate(WorldSpec(txs=size, seed=1), directory)
        print(f"simulated {size:,} tx in {time.perf_counter() - started:.0f} s")
    return directory / "blocks"


def entries_of(blocks: Path) -> list:
    return [entry for path in blk_paths(blocks) for entry in scan_blk_file(path, REGTEST).entries]


def baselines(blocks: Path) -> dict:
    """tx/s of bitcoinlib's parse and of ours, one process, on the world's first ~20,000 transactions."""
    sample, txs = [], 0
    for entry in entries_of(blocks):
        sample.append(entry)
        txs += len(entry.load(REGTEST).txs)
        if txs >= SAMPLE_TXS:
            break
    raws = [entry.raw() for entry in sample]
    lib = _best(lambda: [LibBlock.parse_bytes(raw, parse_transactions=True) for raw in raws])
    ours = _best(lambda: [entry.load(REGTEST) for entry in sample])
    return {"txs": txs, "bitcoinlib": txs / lib, "ours": txs / ours}


def _best(work, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def phase(blocks: Path, store: Path, options: dict) -> dict:
    """One phase in a fresh process of its own (spawned: a forked one would count the simulator's pages as
    its own), so its peak RSS is the phase's; its figures come back over a pipe."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_phase_child, args=(blocks, store, options, send))
    process.start()
    result = receive.recv()
    process.join()
    return result


def _phase_child(blocks: Path, store: Path, options: dict, send) -> None:
    entries = entries_of(blocks)
    options = StoreOptions(**options)
    started = time.perf_counter()
    tally = store_build(entries, root=store, network=REGTEST, options=options, tally=StoreTally())
    seconds = time.perf_counter() - started
    self_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    send.send(
        {
            "seconds": seconds,
            "txs": tally.txs,
            "inputs": tally.inputs,
            "unresolved": tally.inputs_unresolved,
            "partitions": tally.partitions_total,
            "rss_mib": self_kib / 1024,
            "worker_rss_mib": children_kib / 1024,
        }
    )


def cluster_phase(store: Path, engine: str) -> dict:
    """The clustering phase over a built store, in a spawned process of its own (its peak RSS is its own)."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_cluster_child, args=(store, engine, send))
    process.start()
    result = receive.recv()
    process.join()
    return result


def _cluster_child(store: Path, engine: str, send) -> None:
    started = time.perf_counter()
    tally = store_cluster(
        store,
        min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE,
        engine=engine,
        memory_limit=settings.CHAIN_STORE_MEMORY_LIMIT,
        threads=os.cpu_count() or 1,
    )
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    send.send(
        {
            "seconds": seconds,
            "inputs": tally.inputs,
            "links": tally.links,
            "clusters": tally.clusters,
            "addresses": tally.addresses,
            "rounds": tally.rounds,
            "keys": "exact keys (two addresses shared a hash)" if tally.exact_keys else "hashed address keys",
            "steps": tally.step_seconds,
            "rss_mib": rss,
        }
    )


def build(size: int, args) -> dict:
    blocks = world(size)
    store = Path(settings.VAR_DIR) / "chainstore-bench" / str(size)
    shutil.rmtree(store, ignore_errors=True)
    options = {"partition_blocks": args.partition_blocks, "buckets": args.buckets, "workers": args.workers}
    options["memory_limit"] = settings.CHAIN_STORE_MEMORY_LIMIT
    parse = phase(blocks, store, {**options, "resolve": False})
    resolve = phase(blocks, store, {**options, "resolve": True})
    clusters = {engine: cluster_phase(store, engine) for engine in ("scipy", "sql")}
    disk = sum(path.stat().st_size for path in (store / "tables").rglob("*.parquet"))
    staging = sum(path.stat().st_size for path in (store / "staging").rglob("*.parquet"))
    if not args.keep:
        shutil.rmtree(store, ignore_errors=True)
    total = parse["seconds"] + resolve["seconds"]
    return {
        "size": size,
        "parse": parse,
        "resolve": resolve,
        "clusters": clusters,
        "tx_per_s": parse["txs"] / total,
        "parse_tx_per_s": parse["txs"] / parse["seconds"],
        "inputs_per_s": parse["inputs"] / resolve["seconds"],
        "table_bytes_per_tx": disk / parse["txs"],
        "staging_bytes_per_tx": staging / parse["txs"],
    }


def _cluster_lines(size: str, clusters: dict) -> list[str]:
    lines = []
    for engine, found in clusters.items():
        how = "scipy connected_components" if engine == "scipy" else f"SQL large/small-star, {found['rounds']} rounds"
        lines.append(
            f"| {size}: clustering ({how}) | {found['inputs'] / found['seconds']:,.0f} inputs/s "
            f"({found['seconds']:.1f} s; {found['addresses']:,} addresses, {found['links']:,} links, "
            f"{found['clusters']:,} clusters; {found['keys']}; peak RSS {found['rss_mib']:,.0f} MiB) "
            "| ≥ 1,000,000 inputs/s |"
        )
        steps = ", ".join(f"{step} {seconds:.1f}" for step, seconds in found["steps"].items())
        lines.append(f"| {size}: clustering ({engine}), seconds per step | {steps} | |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 500_000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--partition-blocks", type=int, default=50, help="small worlds need small partitions")
    parser.add_argument("--buckets", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="keep each store, clustered (bench.bulkload loads it)")
    args = parser.parse_args()
    base = baselines(world(min(args.sizes)))
    runs = [build(size, args) for size in sorted(args.sizes)]
    lines = [
        f"Machine: {machine()}. Command: `.venv/bin/python -m bench.chainstore "
        f"--sizes {' '.join(str(s) for s in args.sizes)}` ({args.workers} workers, partitions of "
        f"{args.partition_blocks} blocks, {args.buckets} buckets, DuckDB "
        f"memory_limit {settings.CHAIN_STORE_MEMORY_LIMIT}). Simulated worlds (seed 1); baselines on their first "
        f"{base['txs']:,} transactions, one process.",
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
        f"| bitcoinlib parse-only (baseline, 1 process) | {base['bitcoinlib']:,.0f} tx/s | |",
        f"| our parser, parse-only, 1 process | {base['ours']:,.0f} tx/s | |",
    ]
    for run in runs:
        size, parse, resolve = f"{run['size']:,} tx", run["parse"], run["resolve"]
        lines += [
            f"| {size}: blocks → store, end to end | {run['tx_per_s']:,.0f} tx/s "
            f"({run['tx_per_s'] / base['bitcoinlib']:.2f} × bitcoinlib, {run['tx_per_s'] / base['ours']:.2f} × ours; "
            f"{parse['seconds'] + resolve['seconds']:.0f} s) | ≥ 4.5 × bitcoinlib |",
            f"| {size}: parse phase | {run['parse_tx_per_s']:,.0f} tx/s ({parse['seconds']:.0f} s, "
            f"{parse['partitions']} partitions) | |",
            f"| {size}: resolve phase | {run['inputs_per_s']:,.0f} inputs/s ({resolve['seconds']:.0f} s, "
            f"{resolve['unresolved']} unresolved of {parse['inputs']:,}) | |",
            f"| {size}: peak RSS, parse (main / largest worker) | {parse['rss_mib']:,.0f} / "
            f"{parse['worker_rss_mib']:,.0f} MiB | ≤ 3 GB, flat |",
            f"| {size}: peak RSS, resolve | {resolve['rss_mib']:,.0f} MiB | ≤ 3 GB, flat |",
            f"| {size}: disk, final tables / staging | {run['table_bytes_per_tx']:,.0f} / "
            f"{run['staging_bytes_per_tx']:,.0f} bytes per tx | |",
        ]
    print("\n".join(lines))
    write_section("Chain store", "\n".join(lines))
    clustering = [
        f'Machine: {machine()}. The same run and stores as "Chain store" above (`bench/chainstore.py`): the '
        "clustering phase (chain/store/clusters.py) over each built store, in a spawned process of its own, "
        f"DuckDB threads {os.cpu_count()}, memory_limit {settings.CHAIN_STORE_MEMORY_LIMIT}.",
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
    ]
    for run in runs:
        clustering += _cluster_lines(f"{run['size']:,} tx", run["clusters"])
    print("\n".join(clustering))
    write_section("Chain store clustering", "\n".join(clustering))


if __name__ == "__main__":
    print(f"var: {settings.VAR_DIR} (repo {ROOT})")
    main()
