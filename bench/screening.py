"""Screening benchmark: cached throughput and p99 under 20 concurrent clients against a trivial Django
JSON endpoint on the same server, and uncached p99 on a graph of a million addresses.

    .venv/bin/python -m bench.screening                      # 1,000,000 addresses
    .venv/bin/python -m bench.screening --addresses 100000   # a quicker look

The graph is bench/explore.py's synthetic world with 1 % of its addresses tagged (half illicit, half
exchanges). gunicorn serves the app (2 workers of 8 threads: this machine has 2 cores; BENCH_WEB_WORKERS
and BENCH_WEB_THREADS change them); the clients are threads in this process, each with a keep-alive
connection. The baseline is `GET /livez` (a
JsonResponse, nothing else), measured the same way in the same run. Figures go to docs/benchmarks.md.
"""

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

from bench.runtime import ROOT, server_start  # first: it sets Django up

# isort: split

import numpy as np
from django.core.management import call_command

from bench.explore import World, write
from bench.ingest import _fresh_graph, machine
from bench.report import write_section
from graph.tags import tags_write
from screening.keys import key_issue
from screening.models import Organisation

CLIENTS = 20


def tag_rows(world: World, rng) -> list[dict]:
    chosen = rng.choice(world.addresses - 1, size=world.addresses // 100, replace=False)
    rows = []
    for n, index in enumerate(chosen):
        illicit = n % 2 == 0
        rows.append({
            "key": f"bench-{index}", "address": world.names[index], "label": "bench tag",
            "category": None if illicit else "exchange", "abuse": "ransomware" if illicit else None,
            "concepts": [], "risk_class": "illicit" if illicit else "exchange", "confidence": "forensic",
            "confidence_score": 50, "source": "bench", "actor": None, "context": None, "lastmod": None,
            "is_cluster_definer": False, "pack": "bench",
        })  # fmt: skip
    return rows


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(graph_name: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "GRAPH_NAME": graph_name}
    workers, threads = os.environ.get("BENCH_WEB_WORKERS", "2"), os.environ.get("BENCH_WEB_THREADS", "8")
    argv = [sys.executable, "-m", "gunicorn", "app.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", workers,
            "--threads", threads, "--worker-class", "gthread", "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(argv, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/livez")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def load(port: int, request, seconds: float) -> tuple[int, list[float]]:
    """CLIENTS threads, each sending `request(connection)` back to back for `seconds`."""
    latencies: list[float] = []
    lock, stop = threading.Lock(), time.monotonic() + seconds

    def client():
        connection, mine = http.client.HTTPConnection("127.0.0.1", port, timeout=30), []
        while time.monotonic() < stop:
            started = time.perf_counter()
            response = request(connection)
            response.read()
            if response.status != 200:
                raise RuntimeError(f"status {response.status}")
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    server, started_server = server_start()
    call_command("migrate", verbosity=0)
    store = _fresh_graph()
    rng = np.random.default_rng(5)
    web = None
    try:
        world = World(args.addresses, int(args.addresses * 0.7), args.addresses // 10)
        write(store, world)
        tags_write(store, tag_rows(world, rng), generation="bench")
        org, _ = Organisation.objects.get_or_create(name="bench exchange")
        key = key_issue(organisation=org, name=f"bench {time.time()}", scopes=["screen"], rate_per_minute=10**9)
        web, port = serve(store.graph_name)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        spenders = [world.names[int(i)] for i in rng.choice(world.inputs[0], size=400, replace=False)]
        warm, cold = spenders[:200], spenders[200:]

        def screen_one(connection, address):
            connection.request("POST", "/api/v1/screen/addresses", json.dumps({"addresses": [address]}), headers)
            return connection.getresponse()

        warmer = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        uncached = []
        for address in cold:
            started = time.perf_counter()
            answer = screen_one(warmer, address)
            assert answer.status == 200, answer.read()
            answer.read()
            uncached.append((time.perf_counter() - started) * 1000)
        for address in warm:
            screen_one(warmer, address).read()
        base_n, base = load(port, lambda c: (c.request("GET", "/livez"), c.getresponse())[1], args.seconds)
        picks = iter(rng.choice(warm, size=10**7))
        cached_n, cached = load(port, lambda c: screen_one(c, next(picks)), args.seconds)
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=30)
        store.delete_graph()
        if started_server:
            server.stop()
    report(args, world, base_n, base, cached_n, cached, uncached)


def report(args, world, base_n, base, cached_n, cached, uncached) -> None:
    def p(samples, q):
        return float(np.percentile(samples, q))

    ratio = cached_n / base_n
    lines = [
        f"Machine: {machine()}. Command: `.venv/bin/python -m bench.screening --addresses {args.addresses}`: "
        f"{world.addresses:,} addresses, {world.total:,} transactions, 1 % of addresses tagged; gunicorn with 2 "
        f"workers × 8 threads; {CLIENTS} client threads in the benchmark's own process (same 2 cores) for "
        f"{args.seconds:.0f} s per measure; one address per request.",
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
        f"| `GET /livez` (baseline) | {base_n / args.seconds:,.0f} req/s, p99 {p(base, 99):.1f} ms | |",
        f"| cached screening | {cached_n / args.seconds:,.0f} req/s, p50 {p(cached, 50):.1f} ms, "
        f"p99 {p(cached, 99):.1f} ms | |",
        f"| cached throughput / baseline | {ratio:.2f} | ≥ 0.5: {'met' if ratio >= 0.5 else 'not met'} |",
        f"| cached p99 | {p(cached, 99):.1f} ms | ≤ 25 ms: {'met' if p(cached, 99) <= 25 else 'not met'} |",
        f"| uncached screening (2 hops, one at a time) | p50 {p(uncached, 50):.1f} ms, p99 {p(uncached, 99):.1f} ms "
        f"| p99 ≤ 200 ms: {'met' if p(uncached, 99) <= 200 else 'not met'} |",
    ]
    print("\n".join(lines))
    write_section("Screening", "\n".join(lines))


if __name__ == "__main__":
    main()
