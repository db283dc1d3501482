"""Ingest benchmark: end-to-end tx/s and address-edge writes/s against bitcoinlib's parse-only rate.

    .venv/bin/python -m bench.ingest              # real blocks from ../shared/fixtures/bitcoin
    .venv/bin/python -m bench.ingest --million    # also a 1,000,000-transaction synthetic run (peak memory)

Runs against its own embedded FalkorDB (var/bench), so the figures are for the
embedded default. The baseline is measured in the same run on the same blocks,
so the ratio survives a change of machine; the figures go to docs/benchmarks.md.
"""

import argparse
import os
import platform
import random
import resource
import time
import uuid
from pathlib import Path

from bench.runtime import ROOT, server_start  # first: it sets Django up

# isort: split

from bitcoinlib.blocks import Block as LibBlock
from django.conf import settings

from bench.report import write_section
from chain import scripts
from chain.ingest import IngestOptions, Tally, ingest_entries
from chain.networks import NETWORKS
from chain.serialization import OutPoint, block_hash_of, coinbase_tx, serialize_block, serialize_tx, txid_of
from chain.sources import raw_entry, scan_blk_file
from core.embedded import from_settings
from graph import open_graph
from graph.schema import ensure_schema

FIXTURES = Path(os.environ.get("CHAIN_FIXTURES", ROOT.parent / "shared" / "fixtures" / "bitcoin"))
MAINNET = NETWORKS["bitcoin"]
REGTEST = NETWORKS["regtest"]


def fixture_blocks() -> list[bytes]:
    records = [
        entry.raw()
        for name in ("blk-277647.dat", "blk-heights-1-255.dat")
        for entry in scan_blk_file(FIXTURES / name, MAINNET).entries
    ]
    return [(FIXTURES / "block-574200.blk").read_bytes(), *records]


def parse_only_rate(blocks: list[bytes], repeats: int = 3) -> float:
    """bitcoinlib's own block parse, transactions included: the baseline the issue names."""
    txs = sum(len(LibBlock.parse_bytes(raw, parse_transactions=True).transactions) for raw in blocks)
    best = min(
        _timed(lambda: [LibBlock.parse_bytes(raw, parse_transactions=True) for raw in blocks]) for _ in range(repeats)
    )
    return txs / best


def end_to_end(entries, network, workers: int, repeats: int = 3) -> dict:
    """Best of `repeats` loads into fresh graphs: parse, resolve, cluster and write, as `manage.py ingest` does."""
    runs = []
    for _ in range(repeats):
        store = _fresh_graph()
        tally = Tally()
        seconds = _timed(
            lambda store=store, tally=tally: ingest_entries(
                entries, store=store, network=network, tally=tally, options=IngestOptions(workers=workers)
            )
        )
        address_edges = (
            store.read("MATCH (:Address)-[r:INPUT]->() RETURN count(r) AS n")[0]["n"]
            + store.read("MATCH ()-[r:OUTPUT]->(:Address) RETURN count(r) AS n")[0]["n"]
        )
        runs.append({"seconds": seconds, "txs": tally.txs, "address_edges": address_edges})
        store.delete_graph()
    best = min(runs, key=lambda run: run["seconds"])
    return {**best, "tx_per_s": best["txs"] / best["seconds"], "edges_per_s": best["address_edges"] / best["seconds"]}


def synthetic_chain(path: Path, total_txs: int, per_block: int = 2000, seed: int = 7) -> int:
    """A regtest chain of ordinary payments (1-3 inputs, payment + change), streamed to a blk file."""
    rng = random.Random(seed)
    keys = [rng.randbytes(20) for _ in range(200_000)]
    spendable: list[tuple[str, int, int]] = []
    tip, time_now, height, written = REGTEST.genesis_hash, 1_600_000_000, 0, 0
    with open(path, "wb") as handle:
        while written < total_txs:
            height += 1
            txs = []
            for _ in range(min(per_block, total_txs - written, len(spendable) // 3)):
                picked = [spendable.pop(rng.randrange(len(spendable))) for _ in range(rng.choice((1, 1, 2, 3)))]
                value = sum(p[2] for p in picked) - 1_000
                pay = rng.randrange(value // 10, value // 2)
                raw = serialize_tx(
                    [(OutPoint(t, n), b"\x51") for t, n, _ in picked],
                    [(pay, scripts.p2wpkh(rng.choice(keys))), (value - pay, scripts.p2pkh(rng.choice(keys)))],
                )
                txid = txid_of(raw)
                spendable += [(txid, n, v) for n, v in ((0, pay), (1, value - pay)) if v >= 20_000]  # no dust
                txs.append(raw)
            coinbase = coinbase_tx(height, [(50 * 100_000_000, scripts.p2wpkh(rng.choice(keys)))] * 4)
            spendable += [(txid_of(coinbase), n, 50 * 100_000_000) for n in range(4)]
            time_now += 600
            block = serialize_block([coinbase, *txs], prev_hash=tip, time=time_now)
            tip = block_hash_of(block)
            handle.write(REGTEST.magic + len(block).to_bytes(4, "little") + block)
            written += len(txs) + 1
    return written


def million(workers: int) -> dict:
    path = Path(settings.VAR_DIR) / "million.dat"
    made = synthetic_chain(path, 1_000_000)
    store = _fresh_graph()
    tally = Tally()
    entries = scan_blk_file(path, REGTEST).entries
    seconds = _timed(
        lambda: ingest_entries(
            entries, store=store, network=REGTEST, tally=tally, options=IngestOptions(workers=workers)
        )
    )
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    server = from_settings().client().info("memory")["used_memory"]
    store.delete_graph()
    path.unlink()
    return {
        "txs": made,
        "seconds": seconds,
        "tx_per_s": tally.txs / seconds,
        "peak_mib": peak_kib / 1024,
        "server_mib": server / 2**20,
    }


def _fresh_graph():
    store = open_graph(settings.GRAPH_URL, graph_name=f"bench_{uuid.uuid4().hex}", password=settings.GRAPH_PASSWORD)
    ensure_schema(store)
    return store


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def machine() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "?")
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--million", action="store_true", help="also run the 1,000,000-transaction memory benchmark")
    args = parser.parse_args()
    server, started_server = server_start()
    try:
        blocks = fixture_blocks()
        entries = [raw_entry(raw, where=f"fixture block {i}") for i, raw in enumerate(blocks)]
        baseline = parse_only_rate(blocks)
        single = end_to_end(entries, MAINNET, workers=1)
        parallel = end_to_end(entries, MAINNET, workers=os.cpu_count() or 1)
        big = million(os.cpu_count() or 1) if args.million else None
    finally:
        if started_server:
            server.stop()
    lines = [
        f"Machine: {machine()}. Embedded FalkorDB. Blocks: mainnet 574,200, 277,647 and 1-255 "
        f"({single['txs']:,} transactions). Command: `.venv/bin/python -m bench.ingest{' --million' if big else ''}`.",
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
        f"| bitcoinlib parse-only (baseline, 1 process) | {baseline:,.0f} tx/s | |",
        f"| end to end, 1 process | {single['tx_per_s']:,.0f} tx/s "
        f"({single['tx_per_s'] / baseline:.2f} × baseline) | ≥ 0.8 × |",
        f"| end to end, {os.cpu_count()} parser processes | {parallel['tx_per_s']:,.0f} tx/s "
        f"({parallel['tx_per_s'] / baseline:.2f} × baseline) | ≥ 0.8 × |",
        f"| address-edge writes (INPUT + OUTPUT), 1 process | {single['edges_per_s']:,.0f} /s | ≥ 25,000 /s |",
    ]
    if big:
        lines += [
            f"| 1,000,000-transaction synthetic run | {big['tx_per_s']:,.0f} tx/s, {big['seconds']:.0f} s | |",
            f"| peak memory of the ingest process | {big['peak_mib']:,.0f} MiB | bounded |",
            f"| embedded server memory after it | {big['server_mib']:,.0f} MiB | |",
        ]
    print("\n".join(lines))
    write_section("Ingest", "\n".join(lines))


if __name__ == "__main__":
    main()
