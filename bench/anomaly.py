"""Anomaly benchmark: ingest-to-alert latency of real-time anomaly detection, against a no-op task's round
trip through the same broker and worker in the same run.

    .venv/bin/python -m bench.anomaly                 # 200 history blocks of 2,000 transactions, 30 bursts
    .venv/bin/python -m bench.anomaly --bursts 10     # a quicker look

A synthetic regtest chain of ordinary payments ending now (mainnet-sized blocks). Each burst block also holds
30 payments from one address that paid once before. Each block is ingested as `manage.py ingest` does (an
ingest run; the write announces itself and a realtime worker scans it), and the latency is from the write
returning to the alert row existing. Figures go to docs/benchmarks.md.
"""

import argparse
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from bench.runtime import ROOT, server_start  # first: it sets Django up

# isort: split

import numpy as np
from django.conf import settings
from django.core.management import call_command

from app.celery import app as celery_app
from app.tasks import ping
from bench.ingest import machine
from bench.report import write_section
from chain import scripts
from chain.addresses import script_address
from chain.networks import NETWORKS
from chain.serialization import OutPoint, block_hash_of, coinbase_tx, serialize_block, serialize_tx, txid_of
from chain.services import ingest_run_create, ingest_run_execute
from graph import get_graph
from graph.schema import ensure_schema
from investigations.models import Alert, Team

REGTEST = NETWORKS["regtest"]
BTC = 100_000_000
BURST_TXS = 30


class Chain:
    """Blocks of ordinary payments (1-3 inputs, payment and change) ending at the present."""

    def __init__(self, blocks: int, seed: int = 11):
        self.rng = random.Random(seed)
        self.keys = [self.rng.randbytes(20) for _ in range(200_000)]
        self.spendable: list[tuple[str, int, int]] = []
        self.tip, self.height = REGTEST.genesis_hash, 0
        self.time = int(time.time()) - blocks * 600
        self.coinbase = ""

    def block(self, payments: int, extra: tuple[bytes, ...] = (), pay_to: bytes | None = None) -> bytes:
        """A block of `payments` ordinary payments and the `extra` transactions; the coinbase also pays
        `pay_to` 50 BTC (its output 4) when given."""
        self.height += 1
        txs = [self._payment() for _ in range(min(payments, len(self.spendable) // 3))]
        # The first coinbase pays many, so blocks are full from the start (the UTXO set of a living chain).
        fan_out = 3 * payments if self.height == 1 else 4
        outputs = [(BTC, scripts.p2wpkh(self.rng.choice(self.keys))) for _ in range(fan_out)]
        outputs += [(50 * BTC, scripts.p2wpkh(pay_to))] if pay_to is not None else []
        coinbase = coinbase_tx(self.height, outputs)
        self.coinbase = txid_of(coinbase)
        self.spendable += [(self.coinbase, n, BTC) for n in range(fan_out)]
        self.time += 600
        raw = serialize_block([coinbase, *txs, *extra], prev_hash=self.tip, time=self.time)
        self.tip = block_hash_of(raw)
        return raw

    def _payment(self) -> bytes:
        rng = self.rng
        picked = [self.spendable.pop(rng.randrange(len(self.spendable))) for _ in range(rng.choice((1, 2, 3)))]
        value = sum(p[2] for p in picked) - 1_000
        pay = rng.randrange(value // 10, value // 2)
        outputs = [(pay, scripts.p2wpkh(rng.choice(self.keys))), (value - pay, scripts.p2pkh(rng.choice(self.keys)))]
        raw = serialize_tx([(OutPoint(t, n), b"\x51") for t, n, _ in picked], outputs)
        self.spendable += [(txid_of(raw), n, v) for n, (v, _) in enumerate(outputs) if v >= 20_000]
        return raw


def world(chain: Chain, history: int, bursts: int, per_block: int) -> tuple[list[bytes], list[bytes], list[str]]:
    """History blocks (each burster is mined 50 BTC, then splits it into 30 coins of its own), and one burst
    block per burster; returns the history, the burst blocks and the bursters' addresses."""
    bursters = [chain.rng.randbytes(20) for _ in range(bursts)]
    past, coins = [], []
    for i in range(history):
        key = bursters[i] if i < bursts else None
        splits = ()
        if bursts <= i < 2 * bursts:  # the burster mined `bursts` blocks ago splits its coins
            k = i - bursts
            splits = (_split(coins[k], bursters[k]),)
        past.append(chain.block(per_block, splits, pay_to=key))
        if key is not None:
            coins.append(chain.coinbase)
    burst_blocks = []
    for k, key in enumerate(bursters):
        split = txid_of(_split(coins[k], key))
        spends = tuple(
            serialize_tx([(OutPoint(split, n), b"\x51")], [(BTC - 1_000, scripts.p2wpkh(chain.rng.choice(chain.keys)))])
            for n in range(BURST_TXS)
        )
        burst_blocks.append(chain.block(per_block, spends))
    return past, burst_blocks, [_address(key) for key in bursters]


def _split(coinbase: str, key: bytes) -> bytes:
    return serialize_tx(
        [(OutPoint(coinbase, 4), b"\x51")], [(BTC, scripts.p2wpkh(key))] * BURST_TXS + [(19 * BTC, scripts.p2wpkh(key))]
    )


def _address(key: bytes) -> str:
    return script_address(scripts.p2wpkh(key), REGTEST)[1]


def ingest(path: Path, kind: str) -> int:
    """Transactions written."""
    run = ingest_run_execute(run_id=ingest_run_create(kind=kind, source=str(path), network="regtest").id)
    if run.status != "succeeded":
        raise RuntimeError(f"ingest of {path} failed: {run.error}")
    return run.txs


def start_worker(queue: str) -> subprocess.Popen:
    env = {**os.environ, "GRAPH_NAME": settings.GRAPH_NAME, "CELERY_REALTIME_QUEUE": queue}
    argv = [sys.executable, "-m", "celery", "-A", "app", "worker", "--queues", queue, "--concurrency", "1"]
    log_level = os.environ.get("BENCH_WORKER_LOG", "warning")  # info shows each scan's own run time
    argv += ["--loglevel", log_level, "--without-mingle", "--without-gossip", "--hostname", f"{queue}@bench"]
    process = subprocess.Popen(argv, cwd=ROOT, env=env)
    ping.delay().get(timeout=120)
    return process


def round_trips(n: int) -> list[float]:
    """The baseline: a no-op task sent and its result read back, one after another."""
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        ping.delay().get(timeout=30)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def alert_latency(address: str, team: Team, since: float, timeout: float = 60.0) -> float:
    """From the write to the alert, for the first occurrence written after `since` (an earlier run's alert
    on the same address may still be open: the chain is the same each run)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alert = Alert.objects.for_team(team).filter(source="anomaly", ref=address).first()
        fresh = [o for o in alert.detail["occurrences"] if o["written_at"] >= since] if alert is not None else []
        if fresh:
            return (fresh[0]["raised_at"] - fresh[0]["written_at"]) * 1000
        time.sleep(0.01)
    raise RuntimeError(f"no anomaly alert for {address} after {timeout:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=100, help="history blocks before the bursts")
    parser.add_argument("--bursts", type=int, default=30)
    parser.add_argument("--per-block", type=int, default=2_000, help="ordinary payments per block")
    args = parser.parse_args()
    server, started_server = server_start()
    call_command("migrate", verbosity=0)
    settings.GRAPH_NAME = f"bench_anomaly_{uuid.uuid4().hex[:8]}"
    settings.ANOMALY_DETECTION = True
    ensure_schema(get_graph())
    queue = f"bench-realtime-{uuid.uuid4().hex[:8]}"
    celery_app.conf.task_routes = {name: {"queue": queue} for name in [*settings.CELERY_TASK_ROUTES, "app.ping"]}
    team, _ = Team.objects.get_or_create(name="bench")
    run_started = time.time()
    workdir = Path(settings.VAR_DIR) / "anomaly"
    workdir.mkdir(parents=True, exist_ok=True)
    worker = start_worker(queue)
    try:
        chain = Chain(args.history + args.bursts)
        past, bursts, bursters = world(chain, args.history, args.bursts, args.per_block)
        history_file = workdir / "history.dat"
        history_file.write_bytes(b"".join(REGTEST.magic + len(raw).to_bytes(4, "little") + raw for raw in past))
        started = time.perf_counter()
        history_txs = ingest(history_file, "blk")
        ping.delay().get(timeout=600)  # one worker, in order: every history scan is done
        history_s = time.perf_counter() - started
        baseline = round_trips(100)
        latencies = []
        for raw, address in zip(bursts, bursters, strict=True):
            path = workdir / "burst.blk"
            path.write_bytes(raw)
            since = time.time()
            ingest(path, "raw")
            latencies.append(alert_latency(address, team, since))
        others = Counter(
            kind
            for kind, detail in Alert.objects.for_team(team)
            .filter(source="anomaly")
            .exclude(ref__in=bursters)
            .values_list("kind", "detail")
            if any(occurrence["written_at"] >= run_started for occurrence in detail["occurrences"])
        )
        report(args, history_txs, history_s, baseline, latencies, others)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        get_graph().delete_graph()
        if started_server:
            server.stop()


def report(args, history_txs: int, history_s: float, baseline, latencies, others: Counter) -> None:
    def p(samples, q):
        return float(np.percentile(samples, q))

    lines = [
        f"Machine: {machine()}. Command: `.venv/bin/python -m bench.anomaly --history {args.history} --bursts "
        f"{args.bursts} --per-block {args.per_block}`: a regtest chain ending now, {args.history} history blocks "
        f"of about {args.per_block:,} payments, then {args.bursts} blocks of the same size each with a burst of "
        f"{BURST_TXS} payments from an address that paid once before. Each block is an ingest run; a realtime "
        "worker (one process) scans each write. Latency: from the write returning to the alert row existing.",
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
        f"| no-op task round trip (baseline) | p50 {p(baseline, 50):.1f} ms, p99 {p(baseline, 99):.1f} ms | |",
        f"| ingest to anomaly alert | p50 {p(latencies, 50):.0f} ms, p99 {p(latencies, 99):.0f} ms, "
        f"max {max(latencies):.0f} ms | p99 ≤ 1 s: {'met' if p(latencies, 99) <= 1000 else 'not met'} |",
        f"| alert latency / baseline (p99) | {p(latencies, 99) / p(baseline, 99):.1f} | |",
        f"| planted bursts alerted | {len(latencies)} of {args.bursts} | all |",
        f"| other anomaly alerts, among the ordinary payments | {others['address']} addresses, "
        f"{others['cluster']} clusters | |",
        f"| history ingest, every write scanned | {history_txs:,} transactions in {history_s:.0f} s "
        f"({history_txs / history_s:,.0f} tx/s) | |",
    ]
    print("\n".join(lines))
    write_section("Real-time anomaly detection", "\n".join(lines))


if __name__ == "__main__":
    main()
