"""Rolling activity statistics, and the anomaly test they feed: a burst is judged against the entity's own
history and against its peers' (every address, or every cluster, active lately).

Each entity (an address or a cluster) keeps two exponentially decayed tallies of its transactions and of
its volume: a fast one (half-life an hour, "now") and a slow one (half-life a week, "usual"), with when it
was first seen and last updated. Decay runs on block time, so replaying history gives the same figures as
living through it, and no window of raw events is kept: six numbers per entity.

Velocity: the fast count against a Poisson expectation, the higher of the rate the entity's slow tally
implies (over the history it really has) and its peers' typical fast count. So neither an exchange at its
usual pace nor a fresh address paid three times is a burst. The surprise is -log10 P(N >= observed).

Volume: with at least a day of history, the fast volume against what the slow volume implies; it counts
only when it is also far out among the peers' (a z-score of log volume), so a dust address that moves a
few dollars more than usual is not an alert.

Framework-free arrays in, arrays out; screening/anomalies.py keeps the state in Redis.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammainc

LN2 = math.log(2)
# The state of one entity, in this order: block time of the last update, first seen, fast and slow tallies.
FIELDS = ("t", "first", "c_fast", "v_fast", "c_slow", "v_slow")
MAX_SURPRISE = 300.0  # -log10 of the smallest probability a float tells apart from zero


@dataclass(frozen=True)
class Thresholds:
    fast_half_life_s: float = 3600.0
    slow_half_life_s: float = 7 * 86400.0
    min_txs: float = 5.0  # fewer transactions in the fast window are never a burst
    min_surprise: float = 8.0  # velocity: P(N >= observed) below 1e-8...
    min_ratio: float = 5.0  # ...and this many times the expected: real counts spread wider than Poisson's
    volume_ratio: float = 20.0  # volume: this many times the usual...
    volume_peer_z: float = 3.0  # ...and this far above the peers' log volume
    min_history_s: float = 86400.0  # the usual volume needs a day of history
    peers_judge_new: bool = True  # without an hour of its own past, the peers alone judge; else no verdict


@dataclass
class Peers:
    """What active entities of one kind look like lately (a moving average over batches)."""

    fast_count: float = 1.0
    log_volume_mean: float = 0.0
    log_volume_var: float = 1.0
    batches: int = 0

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in ("fast_count", "log_volume_mean", "log_volume_var", "batches")}


@dataclass
class Scored:
    """Per entity of a batch: the new state and how out of line the batch made it."""

    state: np.ndarray  # (k, len(FIELDS))
    fast_count: np.ndarray
    expected_count: np.ndarray  # the Poisson mean the fast count was judged against
    own_expected: np.ndarray
    surprise: np.ndarray
    fast_volume: np.ndarray
    volume_ratio: np.ndarray  # fast volume over the usual (0 without a day of history)
    peer_z: np.ndarray
    velocity: np.ndarray  # bool: a burst of transactions
    volume: np.ndarray  # bool: a burst of value
    score: np.ndarray  # 0-100, for ordering: 5 points per decade of surprise or per doubling of volume
    peers: Peers = field(default_factory=Peers)

    @property
    def anomalous(self) -> np.ndarray:
        return self.velocity | self.volume


def empty_state(k: int) -> np.ndarray:
    return np.full((k, len(FIELDS)), np.nan)


def observe(
    state: np.ndarray, t: np.ndarray, n: np.ndarray, v: np.ndarray, peers: Peers, th: Thresholds = Thresholds()
) -> Scored:
    """Add `n` transactions moving `v` satoshis at block time `t` to each entity's `state` (a row of NaN for one
    never seen) and score the result against its own history and `peers` (which are then moved on)."""
    last, first = state[:, 0], state[:, 1]
    new = np.isnan(last)
    first = np.where(new, t, first)
    dt = np.where(new, 0.0, np.maximum(t - np.nan_to_num(last), 0.0))
    fast_decay, slow_decay = 2.0 ** (-dt / th.fast_half_life_s), 2.0 ** (-dt / th.slow_half_life_s)
    c_slow_before = np.nan_to_num(state[:, 4]) * slow_decay
    v_slow_before = np.nan_to_num(state[:, 5]) * slow_decay
    c_fast_before = np.nan_to_num(state[:, 2]) * fast_decay
    v_fast_before = np.nan_to_num(state[:, 3]) * fast_decay
    c_fast, v_fast = c_fast_before + n, v_fast_before + v

    # Its usual is its pace before the current hour: a burst going on must not become its own excuse.
    history = np.maximum(t - first, 0.0)
    before = np.maximum(history - th.fast_half_life_s / LN2, 0.0)
    own_count = _fast_equivalent(np.maximum(c_slow_before - c_fast_before, 0.0), before, th)
    expected = np.maximum(own_count, max(peers.fast_count, 1.0))
    surprise = _poisson_surprise(c_fast, expected)
    judged = np.full(len(n), True) if th.peers_judge_new else before >= th.fast_half_life_s
    velocity = judged & (n > 0) & (c_fast >= th.min_txs) & (surprise >= th.min_surprise)
    velocity &= c_fast >= th.min_ratio * expected

    usual_volume = _fast_equivalent(np.maximum(v_slow_before - v_fast_before, 0.0), before, th)
    seasoned = history >= th.min_history_s
    ratio = np.where(seasoned, v_fast / np.maximum(usual_volume, 1.0), 0.0)
    peer_z = (np.log1p(v_fast) - peers.log_volume_mean) / math.sqrt(max(peers.log_volume_var, 1e-6))
    volume = (v > 0) & seasoned & (ratio >= th.volume_ratio) & (peer_z >= th.volume_peer_z)

    volume_bits = np.where(peer_z >= th.volume_peer_z, np.log2(np.maximum(ratio, 1.0)), 0.0)
    score = np.clip(5.0 * np.maximum(surprise, volume_bits), 0.0, 100.0)
    state_after = np.column_stack([t, first, c_fast, v_fast, c_slow_before + n, v_slow_before + v])
    return Scored(
        state=state_after,
        fast_count=c_fast,
        expected_count=expected,
        own_expected=own_count,
        surprise=surprise,
        fast_volume=v_fast,
        volume_ratio=ratio,
        peer_z=peer_z,
        velocity=velocity,
        volume=volume,
        score=score,
        peers=_peers_moved(peers, c_fast, v_fast),
    )


def _fast_equivalent(slow_tally: np.ndarray, history: np.ndarray, th: Thresholds) -> np.ndarray:
    """What the fast tally holds at the steady rate the slow tally implies. A young entity's slow tally
    covers only its short `history`, so the rate divides by the weight that history carries."""
    weight = th.slow_half_life_s / LN2 * (1.0 - 2.0 ** (-history / th.slow_half_life_s))
    known = history >= th.fast_half_life_s  # less than an hour of past says nothing of a pace
    rate = np.divide(slow_tally, weight, out=np.zeros_like(slow_tally), where=known & (weight > 0))
    return rate * th.fast_half_life_s / LN2


def _poisson_surprise(observed: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """-log10 P(N >= observed) for N ~ Poisson(mean); the regularised lower incomplete gamma is that tail
    for whole counts and interpolates it for decayed (fractional) ones."""
    tail = np.where(observed > 0, gammainc(np.maximum(observed, 1e-9), mean), 1.0)
    return np.minimum(-np.log10(np.maximum(tail, 1e-300)), MAX_SURPRISE)


def _peers_moved(peers: Peers, fast_count: np.ndarray, fast_volume: np.ndarray) -> Peers:
    """Blend this batch into the peers' figures; the top 1% of counts is left out so bursts do not raise
    the bar they are judged by."""
    if not len(fast_count):
        return peers
    typical = fast_count[fast_count <= np.quantile(fast_count, 0.99)]
    log_volume = np.log1p(fast_volume)
    batch = (float(typical.mean()), float(log_volume.mean()), float(log_volume.var()) if len(log_volume) > 1 else 1.0)
    weight = 1.0 if peers.batches == 0 else min(0.2, len(fast_count) / 5_000)
    old = (peers.fast_count, peers.log_volume_mean, peers.log_volume_var)
    blended = [(1 - weight) * before + weight * now for before, now in zip(old, batch, strict=True)]
    return Peers(blended[0], blended[1], max(blended[2], 1e-6), peers.batches + 1)


def folded(targets: np.ndarray, parts: np.ndarray, into: np.ndarray, th: Thresholds = Thresholds()) -> np.ndarray:
    """The targets' states with the parts' added, part i into target `into[i]` (rows of NaN: no state).

    Tallies are sums of decayed events, so the state of a merged cluster is its parts' tallies, each decayed
    to the latest update among them, added up; it was first seen when its earliest part was. This is how a
    cluster keeps the history of the clusters and addresses it absorbs, rather than seeing their usual
    activity as its own sudden burst."""
    rows = np.vstack([targets, parts])
    owner = np.concatenate([np.arange(len(targets)), into])
    present = ~np.isnan(rows[:, 0])
    rows, owner = rows[present], owner[present]
    latest = np.full(len(targets), -np.inf)
    np.maximum.at(latest, owner, rows[:, 0])
    first = np.full(len(targets), np.inf)
    np.minimum.at(first, owner, rows[:, 1])
    age = latest[owner] - rows[:, 0]
    fast, slow = 2.0 ** (-age / th.fast_half_life_s), 2.0 ** (-age / th.slow_half_life_s)
    out = empty_state(len(targets))
    for column, decay in ((2, fast), (3, fast), (4, slow), (5, slow)):
        out[:, column] = np.bincount(owner, weights=rows[:, column] * decay, minlength=len(targets))
    out[:, 0], out[:, 1] = latest, first
    out[np.isinf(latest)] = np.nan  # neither the target nor any of its parts had a state
    return out
