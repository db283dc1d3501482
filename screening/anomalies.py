"""Real-time anomaly detection: each write of blocks (or of a mempool transaction) is scanned as soon as it
lands. The addresses and clusters it touched move their rolling statistics (screening/rolling.py) and are
scored against their own history and their peers'. An anomaly opens (or joins) an alert in every team's
queue, and puts a hold on each recent registered transfer it touches, which goes out by webhook.

Runs in a worker on the `realtime` queue (app/settings.py), started by the `chain_written` signal
(screening/receivers.py). The state lives in Redis, six numbers per entity, expiring after
ANOMALY_HISTORY_DAYS idle; one scan at a time moves it (a lock), so two scans never interleave their
read-modify-write.
"""

import functools
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import redis
from django.conf import settings

from graph import get_graph
from graph.activity import block_activity, clusters_of, tx_activity
from investigations.alerts import alert_recurring
from investigations.models import Alert, Team
from screening.rolling import Peers, Scored, Thresholds, empty_state, observe
from screening.transfers import transfers_hold_on_anomaly

log = logging.getLogger(__name__)
THRESHOLDS = Thresholds()
KINDS = ("address", "cluster")
MEMPOOL_MEMORY_S = 3 * 86400  # a mempool transaction counted, then confirmed within this, is not counted twice


@dataclass
class Activity:
    """One entity's part in the scanned write: the transactions it took part in, the value it moved (per
    transaction the larger of what it sent and what it received, so change to itself is not counted twice)
    and when (block time)."""

    txids: set[str] = field(default_factory=set)
    moved: dict[str, int] = field(default_factory=dict)  # txid → value moved
    time: float = 0.0

    @property
    def volume(self) -> int:
        return sum(self.moved.values())


@dataclass
class Anomaly:
    kind: str
    ref: str
    score: float
    reasons: list[str]
    txids: list[str]
    members: list[str]  # the cluster's addresses active in the write (the address itself for an address)
    figures: dict[str, float]


def anomalies_scan(*, blocks: list[str], txids: list[str], written_at: float) -> dict[str, Any]:
    """Scan one write; returns what was counted and raised (the task's result, for the operator)."""
    store, now = get_graph(), time.time()
    rows = block_activity(store, blocks) + tx_activity(store, txids)
    rows = _without_counted_mempool(rows, now)
    by_address = _activity(rows, key=lambda row: row["address"], now=now)
    membership = clusters_of(store, sorted(by_address))
    by_cluster = _activity(rows, key=lambda row: membership.get(row["address"]), now=now)
    by_cluster.pop(None, None)
    oldest_counted = now - settings.ANOMALY_HISTORY_DAYS * 86400
    found: list[Anomaly] = []
    with _lock():
        for kind, activity in (("address", by_address), ("cluster", by_cluster)):
            activity = {ref: one for ref, one in activity.items() if one.time >= oldest_counted}
            found += _score(kind, activity, membership)
    alert_after = now - settings.ANOMALY_ALERT_HOURS * 3600
    fresh = [one for one in found if one.figures["time"] >= alert_after]
    alerts = _alerts_raise(fresh, written_at)
    held = _transfers_hold(fresh)
    return {
        "addresses": len(by_address),
        "clusters": len(by_cluster),
        "anomalies": len(found),
        "alerts": alerts,
        "transfers_held": held,
        "latency_ms": round((time.time() - written_at) * 1000, 1),
    }


def _activity(rows: list[dict[str, Any]], *, key, now: float) -> dict[Any, Activity]:
    sides: dict[Any, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    times: dict[Any, float] = defaultdict(float)
    for row in rows:
        ref = key(row)
        sides[ref][row["txid"]][row["side"] == "received"] += row["value"] or 0
        times[ref] = max(times[ref], float(row["time"] or now))
    return {
        ref: Activity(set(per_tx), {txid: max(pair) for txid, pair in per_tx.items()}, times[ref])
        for ref, per_tx in sides.items()
    }


def _score(kind: str, activity: dict[str, Activity], membership: dict[str, str]) -> list[Anomaly]:
    if kind == "cluster":  # a cluster with one active member says nothing its address did not
        members = defaultdict(list)
        for address, cluster in membership.items():
            members[cluster].append(address)
        activity = {ref: one for ref, one in activity.items() if len(members[ref]) > 1}
    if not activity:
        return []
    refs = sorted(activity)
    state, peers = _state_read(kind, refs)
    scored = observe(
        state,
        np.array([activity[ref].time for ref in refs], dtype=float),
        np.array([len(activity[ref].txids) for ref in refs], dtype=float),
        np.array([activity[ref].volume for ref in refs], dtype=float),
        peers,
        THRESHOLDS,
    )
    _state_write(kind, refs, scored)
    return [
        _anomaly(kind, ref, i, scored, activity[ref], members[ref] if kind == "cluster" else [ref])
        for i, ref in enumerate(refs)
        if scored.anomalous[i]
    ]


def _anomaly(kind: str, ref: str, i: int, scored: Scored, activity: Activity, members: list[str]) -> Anomaly:
    reasons = []
    if scored.velocity[i]:
        reasons.append(
            f"{scored.fast_count[i]:.0f} transactions in the last hour, against {scored.expected_count[i]:.1f} "
            f"expected from its own pace ({scored.own_expected[i]:.1f}) and its peers' "
            f"(chance 1 in 10^{scored.surprise[i]:.0f})"
        )
    if scored.volume[i]:
        reasons.append(
            f"{scored.fast_volume[i] / 1e8:,.8f} BTC moved in the last hour, {scored.volume_ratio[i]:,.0f} times "
            f"its usual and {scored.peer_z[i]:.1f} standard deviations above its peers (log scale)"
        )
    figures = {
        "time": activity.time,
        "fast_count": float(scored.fast_count[i]),
        "expected_count": float(scored.expected_count[i]),
        "surprise": float(scored.surprise[i]),
        "fast_volume": float(scored.fast_volume[i]),
        "volume_ratio": float(scored.volume_ratio[i]),
        "peer_z": float(scored.peer_z[i]),
    }
    return Anomaly(kind, ref, float(scored.score[i]), reasons, sorted(activity.txids), sorted(members), figures)


def _alerts_raise(found: list[Anomaly], written_at: float) -> int:
    teams, opened = list(Team.objects.all()), 0
    for anomaly in found:
        title = f"Burst on {anomaly.kind} {anomaly.ref[:20]}: {anomaly.reasons[0].split(',')[0]}"
        detail = {
            "reasons": anomaly.reasons,
            "txids": anomaly.txids[:50],
            "members": anomaly.members[:50],
            "figures": anomaly.figures,
            "written_at": written_at,
            "raised_at": time.time(),
        }
        for team in teams:
            _, new = alert_recurring(
                team=team,
                source=Alert.Source.ANOMALY,
                kind=anomaly.kind,
                ref=anomaly.ref,
                title=title[:300],
                detail=detail,
                risk=anomaly.score / 100,
            )
            opened += new
    return opened


def _transfers_hold(found: list[Anomaly]) -> int:
    if not found:
        return 0
    addresses = {address for anomaly in found for address in anomaly.members}
    txids = {txid for anomaly in found for txid in anomaly.txids}
    reason = "; ".join(f"{anomaly.kind} {anomaly.ref}: {anomaly.reasons[0]}" for anomaly in found[:3])
    return len(transfers_hold_on_anomaly(addresses=addresses, txids=txids, reason=reason))


# --- state in Redis ---


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def _key(kind: str, ref: str) -> str:
    return f"cs:anomaly:{settings.GRAPH_NAME}:{kind}:{ref}"


def _state_read(kind: str, refs: list[str]) -> tuple[np.ndarray, Peers]:
    stored = _redis().mget([_key(kind, ref) for ref in refs] + [_key("peers", kind)])
    state = empty_state(len(refs))
    for i, value in enumerate(stored[:-1]):
        if value:
            state[i] = [float(number) for number in value.split(b",")]
    peers = Peers(*(float(number) for number in stored[-1].split(b","))) if stored[-1] else Peers()
    peers.batches = int(peers.batches)
    return state, peers


def _state_write(kind: str, refs: list[str], scored: Scored) -> None:
    ttl = settings.ANOMALY_HISTORY_DAYS * 86400
    pipe = _redis().pipeline(transaction=False)
    for ref, row in zip(refs, scored.state, strict=True):
        pipe.set(_key(kind, ref), ",".join(f"{number:.17g}" for number in row), ex=ttl)
    pipe.set(_key("peers", kind), ",".join(f"{number:.17g}" for number in scored.peers.as_dict().values()))
    pipe.execute()


def _lock():
    return _redis().lock(f"cs:anomaly:{settings.GRAPH_NAME}:lock", timeout=60, blocking_timeout=60)


def _without_counted_mempool(rows: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
    """Mempool rows are remembered; block rows of a transaction already counted from the mempool are dropped
    (its block confirms what was counted then)."""
    memory, client = f"cs:anomaly:{settings.GRAPH_NAME}:mempool", _redis()
    loose = sorted({row["txid"] for row in rows if row["time"] is None})
    confirmed = sorted({row["txid"] for row in rows if row["time"] is not None})
    counted = set()
    if confirmed:
        scores = client.zmscore(memory, confirmed)
        counted = {txid for txid, score in zip(confirmed, scores, strict=True) if score is not None}
    pipe = client.pipeline(transaction=False)
    if loose:
        pipe.zadd(memory, dict.fromkeys(loose, now))
    if counted:
        pipe.zrem(memory, *counted)
    pipe.zremrangebyscore(memory, 0, now - MEMPOOL_MEMORY_S)
    pipe.execute()
    return [row for row in rows if row["time"] is None or row["txid"] not in counted]
