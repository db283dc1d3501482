"""Exploration API benchmark: p50/p95/p99 through the API on a graph of a million addresses.

    .venv/bin/python -m bench.explore                 # 1,000,000 addresses, a hub with 100,000 payments
    .venv/bin/python -m bench.explore --addresses 200000 --hub 20000   # a quicker look

The graph is synthetic (numpy, seeded) and written straight into its own embedded FalkorDB graph
(var/bench): 1,000,000 addresses, 700,000 ordinary transactions whose payers are drawn with a skew
(so some addresses are busy) and an exchange-like hub paid by 100,000 more. Requests go through
Django's test client (the whole view, serializer and graph query; no socket). The baseline is a
trivial authenticated API request (`GET /api/v1/alerts/?limit=1`, one SQL query) in the same run, so
the ratios survive a change of machine; the figures go to docs/benchmarks.md.
"""

import argparse
import time

from bench.runtime import server_start  # first: it sets Django up

# isort: split

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from bench.ingest import _fresh_graph, machine
from bench.report import write_section
from investigations.models import Membership, Team

BTC = 100_000_000
HUB = "hub-exchange-deposit"

_ADDRESSES = "UNWIND $rows AS r CREATE (:Address {address: r.a, received: r.rc, sent: r.s, n_tx: r.n, first_seen: r.f, last_seen: r.l, script_type: 'p2wpkh'})"  # noqa: E501
_TRANSACTIONS = "UNWIND $rows AS r CREATE (:Transaction {txid: r.t, height: r.h, time: r.tm, n_in: r.ni, n_out: r.no, in_value: r.iv, value: r.v, fee: 0, out_address: r.oa, out_value: r.ov})"  # noqa: E501
_INPUTS = "UNWIND $rows AS r MATCH (a:Address {address: r.a}) MATCH (t:Transaction {txid: r.t}) CREATE (a)-[:INPUT {value: r.v}]->(t)"  # noqa: E501
_OUTPUTS = "UNWIND $rows AS r MATCH (t:Transaction {txid: r.t}) MATCH (a:Address {address: r.a}) CREATE (t)-[:OUTPUT {n: r.n, value: r.v}]->(a)"  # noqa: E501


class World:
    """Arrays of a synthetic chain: inputs (address, tx, value) and outputs (tx, address, n, value)."""

    def __init__(self, addresses: int, txs: int, hub_payments: int, seed: int = 7):
        rng = np.random.default_rng(seed)
        self.names = [f"bench{i:07d}" for i in range(addresses - 1)] + [HUB]
        hub = addresses - 1
        total = txs + hub_payments
        n_in = np.where(np.arange(total) < txs, rng.integers(1, 3, total), 1)
        in_tx = np.repeat(np.arange(total), n_in)
        skewed = (rng.random(len(in_tx)) ** 3 * (addresses - 1)).astype(np.int64)  # busy low indexes
        self.inputs = (skewed, in_tx, rng.integers(1, 50, len(in_tx)) * BTC // 10)
        payee = rng.integers(0, addresses - 1, (total, 2))
        payee[txs:, 0] = hub
        in_value = np.bincount(in_tx, weights=self.inputs[2], minlength=total).astype(np.int64)
        first = in_value // 3
        value = np.stack([first, in_value - first], axis=1)
        self.outputs = (np.repeat(np.arange(total), 2), payee.ravel(), np.tile([0, 1], total), value.ravel())
        self.height = np.arange(total) // 2_000 + 1
        self.total, self.addresses = total, addresses

    def address_rows(self):
        received = np.bincount(self.outputs[1], weights=self.outputs[3], minlength=self.addresses)
        sent = np.bincount(self.inputs[0], weights=self.inputs[2], minlength=self.addresses)
        n_tx = np.bincount(self.outputs[1], minlength=self.addresses) + np.bincount(
            self.inputs[0], minlength=self.addresses
        )
        for i, name in enumerate(self.names):
            yield {
                "a": name,
                "rc": int(received[i]),
                "s": int(sent[i]),
                "n": int(n_tx[i]),
                "f": 1_600_000_000,
                "l": 1_700_000_000,
            }

    def tx_rows(self):
        in_value = np.bincount(self.inputs[1], weights=self.inputs[2], minlength=self.total).astype(np.int64)
        n_in = np.bincount(self.inputs[1], minlength=self.total)
        payees, values = self.outputs[1].reshape(-1, 2), self.outputs[3].reshape(-1, 2)
        for t in range(self.total):
            yield {
                "t": f"tx{t:08d}", "h": int(self.height[t]), "tm": 1_600_000_000 + int(self.height[t]) * 600,
                "ni": int(n_in[t]), "no": 2, "iv": int(in_value[t]), "v": int(in_value[t]),
                "oa": [self.names[p] for p in payees[t]], "ov": [int(v) for v in values[t]],
            }  # fmt: skip

    def flow_matrix(self) -> csr_matrix:
        """Address → address through a transaction (a payer to each of its payees)."""
        by_tx = self.outputs[1].reshape(-1, 2)
        src = np.repeat(self.inputs[0], 2)
        dst = by_tx[self.inputs[1]].ravel()
        return csr_matrix((np.ones(len(src), np.float32), (src, dst)), shape=(self.addresses, self.addresses))


def write(store, world: World) -> float:
    started = time.perf_counter()
    store.write_rows(_ADDRESSES, world.address_rows(), batch_size=20_000)
    store.write_rows(_TRANSACTIONS, world.tx_rows(), batch_size=10_000)
    names = world.names
    inputs = ({"a": names[a], "t": f"tx{t:08d}", "v": int(v)} for a, t, v in zip(*world.inputs, strict=True))
    store.write_rows(_INPUTS, inputs, batch_size=20_000)
    outputs = (
        {"t": f"tx{t:08d}", "a": names[a], "n": int(n), "v": int(v)} for t, a, n, v in zip(*world.outputs, strict=True)
    )
    store.write_rows(_OUTPUTS, outputs, batch_size=20_000)
    return time.perf_counter() - started


def path_pairs(world: World, count: int, rng) -> list[tuple[str, str, int]]:
    """Pairs joined by money flowing 2 to 6 hops, found by breadth-first search over the flows."""
    flows, pairs = world.flow_matrix(), []
    while len(pairs) < count:
        source = int(rng.integers(0, world.addresses - 1))
        distances = dijkstra(flows, indices=source, unweighted=True, limit=6)
        candidates = np.flatnonzero((distances >= 2) & (distances <= 6))
        candidates = candidates[candidates != world.addresses - 1]
        if len(candidates):
            target = int(candidates[int(rng.integers(0, len(candidates)))])
            pairs.append((world.names[source], world.names[target], int(distances[target])))
    return pairs


def timed(client: Client, url: str, params: dict | None = None) -> float:
    started = time.perf_counter()
    response = client.get(url, params or {})
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url} {params}: {response.status_code} {response.content[:300]!r}")
    return elapsed * 1000


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    return tuple(float(np.percentile(samples, q)) for q in (50, 95, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=1_000_000)
    parser.add_argument("--hub", type=int, default=100_000, help="payments to the hub address")
    parser.add_argument("--requests", type=int, default=200, help="per measure")
    args = parser.parse_args()
    server, started_server = server_start()
    call_command("migrate", verbosity=0)
    store = _fresh_graph()
    settings.GRAPH_NAME = store.graph_name
    rng = np.random.default_rng(11)
    try:
        world = World(args.addresses, int(args.addresses * 0.7), args.hub)
        loading = write(store, world)
        pairs = path_pairs(world, min(args.requests, 100), rng)
        client = _investigator()
        figures = measure(client, world, pairs, args.requests, rng)
    finally:
        store.delete_graph()
        if started_server:
            server.stop()
    report(args, world, loading, figures, pairs)


def _investigator() -> Client:
    user, _ = get_user_model().objects.get_or_create(username="bench-investigator")
    team, _ = Team.objects.get_or_create(name="Bench")
    Membership.objects.get_or_create(user=user, defaults={"team": team})
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def measure(client: Client, world: World, pairs, requests: int, rng) -> dict[str, list[float]]:
    def some() -> str:
        return world.names[int(rng.integers(0, world.addresses - 1))]

    def spender() -> str:  # an address that spends, picked as often as it spends: expansions that go somewhere
        return world.names[int(world.inputs[0][int(rng.integers(0, len(world.inputs[0])))])]

    api = "/api/v1"
    for _ in range(20):  # warm up: connections, caches
        timed(client, f"{api}/addresses/{some()}/neighbours/", {"limit": 100})
    figures = {
        "baseline": [timed(client, f"{api}/alerts/", {"limit": 1}) for _ in range(requests)],
        "address": [timed(client, f"{api}/addresses/{some()}/") for _ in range(requests)],
        "neighbours": [timed(client, f"{api}/addresses/{some()}/neighbours/", {"limit": 100}) for _ in range(requests)],
        "expand": [timed(client, f"{api}/addresses/{spender()}/flows/", {"hops": 3}) for _ in range(requests)],
        "path": [
            timed(client, f"{api}/paths/", {"source": s, "target": t, "hops": 6, "limit": 1}) for s, t, _ in pairs
        ],
        "hub address": [timed(client, f"{api}/addresses/{HUB}/") for _ in range(requests // 4)],
        "hub neighbours": [
            timed(client, f"{api}/addresses/{HUB}/neighbours/", {"limit": 100}) for _ in range(requests // 4)
        ],
        "hub expand": [
            timed(client, f"{api}/addresses/{HUB}/flows/", {"hops": 3, "direction": "backward"})
            for _ in range(requests // 4)
        ],
    }
    cut = client.get(f"{api}/addresses/{HUB}/neighbours/", {"limit": 100}).json()
    figures["hub cut"] = [cut["cut"], cut["matched"], cut["total"]]
    reached = [
        len(client.get(f"{api}/addresses/{spender()}/flows/", {"hops": 3}).json()["addresses"]) for _ in range(50)
    ]
    figures["reached"] = reached
    return figures


TARGETS = {
    "address": ("address detail", "p99", None),
    "neighbours": ("1-hop neighbours, limit 100", "p99", 50),
    "expand": ("3-hop bounded expansion (follow the money, fanout 25, 200 nodes a hop)", "p99", 150),
    "path": ("shortest path, at most 6 hops", "p95", 500),
    "hub address": ("hub: address detail", "p99", None),
    "hub neighbours": ("hub: 1-hop neighbours, limit 100 (a cut answer)", "p99", 50),
    "hub expand": ("hub: 3-hop backward expansion", "p99", 150),
}


def report(args, world: World, loading: float, figures, pairs) -> None:
    base = percentiles(figures["baseline"])
    hops = np.bincount([hops for *_, hops in pairs], minlength=7)[2:]
    lines = [
        f"Machine: {machine()}. Command: `.venv/bin/python -m bench.explore --addresses {args.addresses} "
        f"--hub {args.hub}`: {world.addresses:,} addresses, {world.total:,} transactions, "
        f"{len(world.inputs[0]) + len(world.outputs[0]):,} edges (synthetic, written in {loading:.0f} s); "
        f"{args.requests} requests a measure through Django's test client; path pairs by hops 2-6: "
        f"{', '.join(str(int(n)) for n in hops)}.",
        "",
        f"Baseline, a trivial API request: p50 {base[0]:.1f} ms, p99 {base[2]:.1f} ms.",
        "",
        "| request | p50 | p95 | p99 | p50 / baseline | target |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key, (label, which, target) in TARGETS.items():
        p50, p95, p99 = percentiles(figures[key])
        shown = {"p95": p95, "p99": p99}[which]
        verdict = f"{which} ≤ {target} ms: {'met' if shown <= target else 'not met'}" if target else ""
        lines.append(f"| {label} | {p50:.1f} ms | {p95:.1f} ms | {p99:.1f} ms | {p50 / base[0]:.1f} | {verdict} |")
    cut, matched, total = figures["hub cut"]
    lines += [
        "",
        f"The hub's neighbour answer: cut={cut}, {matched:,} matching edges collected, {total:,} transactions.",
        f"Expansions start from addresses that spend (picked as often as they spend) and reach "
        f"{np.median(figures['reached']):.0f} addresses (median; max {max(figures['reached'])}) in 3 hops.",
    ]
    print("\n".join(lines))
    write_section("Exploration API", "\n".join(lines))


if __name__ == "__main__":
    main()
