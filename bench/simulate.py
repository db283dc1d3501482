"""Simulator benchmark: valid transactions made per second and peak memory, against bitcoinlib's parse rate.

    .venv/bin/python -m bench.simulate              # a 200,000-transaction world
    .venv/bin/python -m bench.simulate --million    # a 1,000,000-transaction world (the issue's yardstick)

The baseline is bitcoinlib parsing a sample of the very blocks just made, in the
same run: making a transaction should cost about what the stock library takes
to read one, whatever the machine. Figures go to docs/benchmarks.md.
"""

import argparse
import logging
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bitcoinlib.blocks import Block as LibBlock

from bench.ingest import machine
from bench.report import write_section
from chain.simulator.run import NETWORK, WorldSpec, simulate
from chain.sources import scan_blk_file

SAMPLE_BYTES = 20 * 2**20


def parse_rate(blk_file: Path) -> float:
    """bitcoinlib's full parse (transactions included) over the first ~20 MB of blocks.

    bitcoinlib 0.7.10 logs a warning for every taproot input it reads; they would drown the figures.
    """
    logging.getLogger("bitcoinlib").setLevel(logging.ERROR)
    raws, size = [], 0
    for entry in scan_blk_file(blk_file, NETWORK).entries:
        raws.append(entry.raw())
        size += len(raws[-1])
        if size > SAMPLE_BYTES:
            break
    started = time.perf_counter()
    txs = sum(len(LibBlock.parse_bytes(raw, parse_transactions=True).transactions) for raw in raws)
    return txs / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--million", action="store_true", help="simulate 1,000,000 transactions (default 200,000)")
    args = parser.parse_args()
    spec = WorldSpec(txs=1_000_000 if args.million else 200_000, seed=1)
    directory = Path(tempfile.mkdtemp(prefix="bench-simulate-"))
    try:
        started = time.perf_counter()
        tally = simulate(spec, directory)
        seconds = time.perf_counter() - started
        main_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        writer_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        disk_mib = sum(path.stat().st_size for path in directory.rglob("*") if path.is_file()) / 2**20
        baseline = parse_rate(directory / "blocks" / "blk00000.dat")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    rate = tally.txs / seconds
    lines = [
        f"Machine: {machine()}. Command: `.venv/bin/python -m bench.simulate{' --million' if args.million else ''}` "
        f"(seed 1, {os.cpu_count()} cores: the world in one process, addresses and ground truth in a second).",
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
        f"| world | {tally.txs:,} transactions, {tally.blocks:,} blocks, {tally.addresses:,} addresses | |",
        f"| simulated | {rate:,.0f} tx/s ({seconds:,.0f} s) | ≥ 5,000 tx/s |",
        f"| bitcoinlib parse-only of the same blocks (baseline) | {baseline:,.0f} tx/s | |",
        f"| simulated ÷ parsed | {rate / baseline:.2f} × | |",
        f"| peak memory: simulator / truth writer | {main_mib:,.0f} MiB / {writer_mib:,.0f} MiB | bounded |",
        f"| files written | {disk_mib:,.0f} MiB | |",
    ]
    print("\n".join(lines))
    write_section("Simulator", "\n".join(lines))


if __name__ == "__main__":
    main()
