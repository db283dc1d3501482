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
from django.conf import settings

from graph import get_graph
from graph.activity import activity_of, clusters_of, txids_touching
from investigations.alerts import alert_recurring
from investigations.models import Alert, Team
from screening.anomaly_undo import orphaned, undo_record
from screening.rolling import FIELDS, Peers, Scored, Thresholds, empty_state, folded, observe
from screening.shared_redis import redis_client
from screening.transfers import transfers_hold_on_anomaly

log = logging.getLogger(__name__)
# A new address is judged by its peers at once; a new cluster is not (it is new because addresses just
# joined; whatever they do shows on the addresses themselves) until its own pace is known. A cluster's
# pace also climbs as it absorbs addresses, so its burst must be ten times the expected, not five.
THRESHOLDS = {"address": Thresholds(), "cluster": Thresholds(peers_judge_new=False, min_ratio=10.0)}
KINDS = ("address", "cluster")
STATE_BYTES = 8 * len(FIELDS)


@dataclass
class Activity:
    """The entities of one kind in the scanned write, one row each (arrays). The value an entity moved is the
    larger of what it sent and what it received, so change paid back to itself is not counted twice. A
    cluster's transactions are its addresses' summed (one that two of its addresses took part in counts
    twice, in its history as much as now)."""

    refs: np.ndarray
    n_tx: np.ndarray
    volume: np.ndarray
    time: np.ndarray

    def where(self, keep: np.ndarray) -> "Activity":
        return Activity(self.refs[keep], self.n_tx[keep], self.volume[keep], self.time[keep])


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
    *,
    blocks: list[str],
    txids: list[str],
    written_at: float,
    activity: dict[str, list] | None = None,
    absorbed: list[tuple[str, str, str]] | None = None,
) -> dict[str, Any]:
    """Scan one write; returns what was counted and raised (the task's result, for the operator).

    `activity` is what the ingest hands over for blocks (columns address, received, sent, n_tx, time);
    without it the figures are read from the graph. `absorbed` lists what clusters took in: that history
    becomes the cluster's before the write is scored (rolling.folded). Loose (mempool) transactions are
    judged against the statistics but not counted into them: their block will count them."""
    store, now = get_graph(), time.time()
    with _lock():
        blocks, activity = _survivors(store, blocks, activity)
        counted = _columns(activity if activity is not None else activity_of(store, blocks=blocks, txids=[]), now)
        loose = _columns(activity_of(store, blocks=[], txids=txids), now)
        addresses = sorted(set(counted["address"]) | set(loose["address"]))
        membership, members = _memberships(store, addresses)
        found = _counted(blocks, counted, absorbed or [], membership, members, now)
        for kind in KINDS:
            found += _score(kind, _entities(loose, kind, membership, now), members, keep=False)
    alert_after = now - settings.ANOMALY_ALERT_HOURS * 3600
    fresh = [one for one in found if one.figures["time"] >= alert_after]
    _txids_attach(store, fresh, blocks=blocks, txids=txids)
    alerts = _alerts_raise(fresh, written_at)
    held = _transfers_hold(fresh)
    return {
        "addresses": len(addresses),
        "anomalies": len(found),
        "alerts": alerts,
        "transfers_held": held,
        "latency_ms": round((time.time() - written_at) * 1000, 1),
    }


def _memberships(store, addresses: list[str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Address → cluster, and cluster → its addresses active in the write."""
    membership = clusters_of(store, addresses)
    members = defaultdict(list)
    for address, cluster in membership.items():
        members[cluster].append(address)
    return membership, members


def _counted(blocks, counted, absorbed, membership, members, now: float) -> list[Anomaly]:
    """Count blocks' activity into the statistics (what it changes is kept first, to be undone if the blocks
    are orphaned: screening/anomaly_undo.py) and score it."""
    entities = {kind: _entities(counted, kind, membership, now) for kind in KINDS}
    if blocks:
        undo_record(blocks, _keys_moved(entities, absorbed))
    _histories_fold(absorbed)
    found: list[Anomaly] = []
    for kind in KINDS:
        found += _score(kind, entities[kind], members, keep=True)
    return found


def _keys_moved(entities: dict[str, Activity], absorbed: list[tuple[str, str, str]]) -> list[str]:
    """Every state a count may change: the entities', the peers', and those folding moves or deletes."""
    keys = [_key(kind, ref) for kind in KINDS for ref in entities[kind].refs.tolist()]
    keys += [_key("cluster", cluster) for _, _, cluster in absorbed] + [_key(kind, ref) for kind, ref, _ in absorbed]
    return list(dict.fromkeys([*keys, *(_key("peers", kind) for kind in KINDS)]))


def _survivors(store, blocks: list[str], activity):
    """Blocks rolled back before their scan ran are left out (their figures then come from the graph)."""
    gone = orphaned(blocks)
    if not gone:
        return blocks, activity
    kept = [block for block in blocks if block not in gone]
    return kept, activity_of(store, blocks=kept, txids=[]) if kept else []


def _columns(source: dict[str, list] | list[dict[str, Any]], now: float) -> dict[str, np.ndarray]:
    """Rows or columns of (address, received, sent, n_tx, time) as arrays; no time (loose) means now."""
    names = ("address", "received", "sent", "n_tx", "time")
    columns = source if isinstance(source, dict) else {name: [row[name] for row in source] for name in names}
    arrays = {name: np.array([v or 0 for v in columns[name]], dtype=float) for name in names[1:]}
    arrays["time"][arrays["time"] == 0] = now
    return {"address": np.array(columns["address"], dtype=object), **arrays}


def _entities(part: dict[str, np.ndarray], kind: str, membership: dict[str, str], now: float) -> Activity:
    """Sum the rows per address, or per cluster; rows older than the statistics keep are left out."""
    keys = part["address"] if kind == "address" else np.array([membership.get(a) for a in part["address"]], object)
    keep = (keys != None) & (part["time"] >= now - settings.ANOMALY_HISTORY_DAYS * 86400)  # noqa: E711 - per element
    refs, row_of = np.unique(keys[keep].astype(str), return_inverse=True)
    total = lambda name: np.bincount(row_of, weights=part[name][keep], minlength=len(refs))  # noqa: E731
    latest = np.zeros(len(refs))
    np.maximum.at(latest, row_of, part["time"][keep])
    return Activity(refs, total("n_tx"), np.maximum(total("sent"), total("received")), latest)


def _txids_attach(store, found: list[Anomaly], *, blocks: list[str], txids: list[str]) -> None:
    """The transactions behind each anomaly: for the alert, and to hold the transfers paid by them."""
    addresses = sorted({address for anomaly in found for address in anomaly.members})
    touching = defaultdict(set)
    for row in txids_touching(store, addresses, blocks=blocks, txids=txids):
        touching[row["address"]].add(row["txid"])
    for anomaly in found:
        anomaly.txids = sorted(set().union(*(touching[address] for address in anomaly.members)))


def _score(kind: str, activity: Activity, members: dict[str, list[str]], *, keep: bool) -> list[Anomaly]:
    """Score the entities; `keep` counts the activity into their statistics (blocks, not loose transactions)."""
    if kind == "cluster":  # a cluster with one active member says nothing its address did not
        activity = activity.where(np.array([len(members[ref]) > 1 for ref in activity.refs], dtype=bool))
    if not len(activity.refs):
        return []
    refs = activity.refs.tolist()
    state, peers = _state_read(kind, refs)
    scored = observe(state, activity.time, activity.n_tx, activity.volume, peers, THRESHOLDS[kind])
    if keep:
        _state_write(kind, refs, scored)
    return [
        _anomaly(
            kind, refs[i], i, scored, float(activity.time[i]), members[refs[i]] if kind == "cluster" else [refs[i]]
        )
        for i in np.flatnonzero(scored.anomalous)
    ]


def _anomaly(kind: str, ref: str, i: int, scored: Scored, at: float, members: list[str]) -> Anomaly:
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
        "time": at,
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


def _key(kind: str, ref: str) -> str:
    return f"cs:anomaly:{settings.GRAPH_NAME}:v2:{kind}:{ref}"  # v2: raw float64s (v1 was text)


def _histories_fold(absorbed: list[tuple[str, str, str]]) -> None:
    """Each cluster takes on the statistics of the clusters merged into it and of the addresses that joined
    it; a merged cluster's own state goes (an address keeps its own)."""
    if not absorbed:
        return
    targets = sorted({cluster for _, _, cluster in absorbed})
    row_of = {cluster: i for i, cluster in enumerate(targets)}
    keys = [_key("cluster", cluster) for cluster in targets] + [_key(kind, ref) for kind, ref, _ in absorbed]
    states = _unpacked(redis_client().mget(keys))
    into = np.array([row_of[cluster] for _, _, cluster in absorbed])
    merged = folded(states[: len(targets)], states[len(targets) :], into)
    known = ~np.isnan(merged[:, 0])
    _states_set(keys[: len(targets)], merged, known)
    gone = [_key("cluster", ref) for kind, ref, _ in absorbed if kind == "cluster"]
    if gone:
        redis_client().delete(*gone)


def _unpacked(stored: list[bytes | None]) -> np.ndarray:
    """States as rows; each is stored as its six float64s, raw, so thousands parse in one call."""
    state = empty_state(len(stored))
    present = [i for i, value in enumerate(stored) if value and len(value) == STATE_BYTES]
    if present:
        state[present] = np.frombuffer(b"".join(stored[i] for i in present), dtype=np.float64).reshape(-1, len(FIELDS))
    return state


def _state_read(kind: str, refs: list[str]) -> tuple[np.ndarray, Peers]:
    stored = redis_client().mget([_key(kind, ref) for ref in refs] + [_key("peers", kind)])
    state = _unpacked(stored[:-1])
    peers = Peers(*np.frombuffer(stored[-1], dtype=np.float64).tolist()) if stored[-1] else Peers()
    peers.batches = int(peers.batches)
    return state, peers


_SET_ALL = """
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[i + 1], 'EX', ARGV[1])
end
return #KEYS
"""


def _state_write(kind: str, refs: list[str], scored: Scored) -> None:
    keys = [_key(kind, ref) for ref in refs] + [_key("peers", kind)]
    values = [_packed(row) for row in scored.state] + [_packed(list(scored.peers.as_dict().values()))]
    _set_all()(keys=keys, args=[settings.ANOMALY_HISTORY_DAYS * 86400, *values])


def _states_set(keys: list[str], states: np.ndarray, which: np.ndarray) -> None:
    """One script call sets every chosen state with its expiry: one round trip and one reply, where a
    pipeline of SETs costs a reply each."""
    chosen = np.flatnonzero(which)
    if len(chosen):
        args = [_packed(states[i]) for i in chosen]
        _set_all()(keys=[keys[i] for i in chosen], args=[settings.ANOMALY_HISTORY_DAYS * 86400, *args])


@functools.cache
def _set_all():
    return redis_client().register_script(_SET_ALL)


def _packed(numbers) -> bytes:
    return np.asarray(numbers, dtype=np.float64).tobytes()


def _lock():
    return redis_client().lock(f"cs:anomaly:{settings.GRAPH_NAME}:lock", timeout=60, blocking_timeout=60)
