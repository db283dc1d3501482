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
from graph.activity import activity_of, clusters_of, txids_touching
from investigations.alerts import alert_recurring
from investigations.models import Alert, Team
from screening.rolling import Peers, Scored, Thresholds, empty_state, observe
from screening.transfers import transfers_hold_on_anomaly

log = logging.getLogger(__name__)
THRESHOLDS = Thresholds()
KINDS = ("address", "cluster")


@dataclass
class Activity:
    """One entity's part in the scanned write. The value it moved is the larger of what it sent and what it
    received, so change paid back to itself is not counted twice. A cluster's transactions are its
    addresses' summed (a transaction two of its addresses took part in counts twice)."""

    n_tx: int = 0
    sent: int = 0
    received: int = 0
    time: float = 0.0

    @property
    def volume(self) -> int:
        return max(self.sent, self.received)

    def add(self, row: dict[str, Any], now: float) -> None:
        self.n_tx += row["n_tx"]
        self.sent += row["sent"] or 0
        self.received += row["received"] or 0
        self.time = max(self.time, float(row["time"] or now))


@dataclass
class Anomaly:
    kind: str
    ref: str
    score: float
    reasons: list[str]
    members: list[str]  # the cluster's addresses active in the write (the address itself for an address)
    figures: dict[str, float]
    txids: list[str] = field(default_factory=list)


def anomalies_scan(
    *, blocks: list[str], txids: list[str], written_at: float, activity: dict[str, list] | None = None
) -> dict[str, Any]:
    """Scan one write; returns what was counted and raised (the task's result, for the operator).

    `activity` is what the ingest hands over for blocks (columns address, received, sent, n_tx, time);
    without it the figures are read from the graph. Loose (mempool) transactions are judged against the
    statistics but not counted into them: their block will count them."""
    store, now = get_graph(), time.time()
    if activity is not None:
        rows = [dict(zip(activity, values, strict=True)) for values in zip(*activity.values(), strict=True)]
    else:
        rows = activity_of(store, blocks=blocks, txids=[])
    loose = activity_of(store, blocks=[], txids=txids)
    membership = clusters_of(store, sorted({row["address"] for row in rows + loose}))
    oldest_counted = now - settings.ANOMALY_HISTORY_DAYS * 86400
    found: list[Anomaly] = []
    with _lock():
        for part, keep in ((rows, True), (loose, False)):
            for kind in KINDS:
                entities = _entities(part, kind, membership, now)
                entities = {ref: one for ref, one in entities.items() if one.time >= oldest_counted}
                found += _score(kind, entities, membership, keep=keep)
    alert_after = now - settings.ANOMALY_ALERT_HOURS * 3600
    fresh = [one for one in found if one.figures["time"] >= alert_after]
    _txids_attach(store, fresh, blocks=blocks, txids=txids)
    alerts = _alerts_raise(fresh, written_at)
    held = _transfers_hold(fresh)
    return {
        "addresses": len({row["address"] for row in rows + loose}),
        "anomalies": len(found),
        "alerts": alerts,
        "transfers_held": held,
        "latency_ms": round((time.time() - written_at) * 1000, 1),
    }


def _entities(rows: list[dict[str, Any]], kind: str, membership: dict[str, str], now: float) -> dict[str, Activity]:
    entities: dict[str, Activity] = defaultdict(Activity)
    for row in rows:
        ref = row["address"] if kind == "address" else membership.get(row["address"])
        if ref is not None:
            entities[ref].add(row, now)
    return entities


def _txids_attach(store, found: list[Anomaly], *, blocks: list[str], txids: list[str]) -> None:
    """The transactions behind each anomaly: for the alert, and to hold the transfers paid by them."""
    addresses = sorted({address for anomaly in found for address in anomaly.members})
    touching = defaultdict(set)
    for row in txids_touching(store, addresses, blocks=blocks, txids=txids):
        touching[row["address"]].add(row["txid"])
    for anomaly in found:
        anomaly.txids = sorted(set().union(*(touching[address] for address in anomaly.members)))


def _score(kind: str, activity: dict[str, Activity], membership: dict[str, str], *, keep: bool) -> list[Anomaly]:
    """Score the entities; `keep` counts the activity into their statistics (blocks, not loose transactions)."""
    members = defaultdict(list)
    for address, cluster in membership.items():
        members[cluster].append(address)
    if kind == "cluster":  # a cluster with one active member says nothing its address did not
        activity = {ref: one for ref, one in activity.items() if len(members[ref]) > 1}
    if not activity:
        return []
    refs = sorted(activity)
    state, peers = _state_read(kind, refs)
    scored = observe(
        state,
        np.array([activity[ref].time for ref in refs], dtype=float),
        np.array([activity[ref].n_tx for ref in refs], dtype=float),
        np.array([activity[ref].volume for ref in refs], dtype=float),
        peers,
        THRESHOLDS,
    )
    if keep:
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
    return Anomaly(kind, ref, float(scored.score[i]), reasons, sorted(members), figures)


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


_SET_ALL = """
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[i + 1], 'EX', ARGV[1])
end
return #KEYS
"""


def _state_write(kind: str, refs: list[str], scored: Scored) -> None:
    """One script call sets every entity's state with its expiry: one round trip and one reply, where a
    pipeline of SETs costs a reply each."""
    ttl = settings.ANOMALY_HISTORY_DAYS * 86400
    keys = [_key(kind, ref) for ref in refs] + [_key("peers", kind)]
    values = [_packed(row) for row in scored.state] + [_packed(scored.peers.as_dict().values())]
    _set_all()(keys=keys, args=[ttl, *values])


@functools.cache
def _set_all():
    return _redis().register_script(_SET_ALL)


def _packed(numbers) -> str:
    return ",".join(f"{number:.17g}" for number in numbers)


def _lock():
    return _redis().lock(f"cs:anomaly:{settings.GRAPH_NAME}:lock", timeout=60, blocking_timeout=60)
