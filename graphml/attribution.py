"""Reasons for every flagged address: Integrated Gradients over each address's own neighbourhood, in batches.

GNNExplainer (graphml/explain.py) optimises a mask for one address at a time,
about 0.2 s each; here one gradient pass explains a few hundred addresses at once.
Each flagged address gets its own copy of its two-hop neighbourhood (its latest
MAX_TXS transactions and every address on them), and a batch is the disjoint
union of those copies: the gradient of the sum of the targets' logits is then
each target's own, since no copy reaches another. Integrated Gradients
(Sundararajan et al. 2017, through Captum) integrates that gradient along the
straight path from a baseline graph (every feature at the whole graph's median:
a typical address and transaction) to the real one, so a target's attributions
add up to its logit minus the baseline's.

- Features: the attributions on the target's own address features.
- Neighbours: the attributions summed over each neighbouring address's features.

`integrated_gradients` takes any module's forward (node-feature tensors in,
one logit per target out), so another model kind plugs in unchanged. The
gradient-boosting baseline reads no graph and has no gradient: it gets occlusion
instead (`occlusion_reasons`: each feature in turn set to the median, the drop
in its decision function).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from captum.attr import IntegratedGradients
from torch import nn

from graphml.explain import MAX_TXS, Reasons
from graphml.features import ADDRESS_FEATURES, ChainArrays

BATCH = 256  # targets a gradient pass explains at once
STEPS = 16  # points on the integration path (Captum's Gauss-Legendre rule)
TOP = 3


@dataclass(frozen=True)
class Incidence:
    """Who touches what, as CSR arrays built once per job: an address's transactions, a transaction's inputs
    (spending addresses) and outputs (paid addresses)."""

    address_ptr: np.ndarray
    address_txs: np.ndarray
    in_ptr: np.ndarray
    in_address: np.ndarray
    out_ptr: np.ndarray
    out_address: np.ndarray
    tx_height: np.ndarray

    @classmethod
    def of(cls, arrays: ChainArrays) -> "Incidence":
        n_addresses, n_txs = len(arrays.addresses), len(arrays.tx_height)
        touches = np.concatenate([arrays.inputs, arrays.outputs[::-1]], axis=1)  # (address, tx) pairs
        address_ptr, address_txs = _csr(touches[0], touches[1], n_addresses)
        in_ptr, in_address = _csr(arrays.inputs[1], arrays.inputs[0], n_txs)
        out_ptr, out_address = _csr(arrays.outputs[0], arrays.outputs[1], n_txs)
        return cls(address_ptr, address_txs, in_ptr, in_address, out_ptr, out_address, arrays.tx_height)


@dataclass(frozen=True)
class EgoBatch:
    """The disjoint union of the targets' neighbourhoods. `address_node`/`tx_node`: the global index of each
    local node; `address_owner`: which target's copy it belongs to; `target_local`: each target's own node."""

    targets: np.ndarray
    address_node: np.ndarray
    address_owner: np.ndarray
    tx_node: np.ndarray
    target_local: np.ndarray
    edges: dict[tuple[str, str, str], torch.Tensor]

    def x(self, address_x: np.ndarray, tx_x: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.from_numpy(address_x[self.address_node]), torch.from_numpy(tx_x[self.tx_node])

    def without_addresses(self, drop: np.ndarray) -> dict[tuple[str, str, str], torch.Tensor]:
        """The edges with every edge of the local address nodes in `drop` (a boolean mask) removed."""
        kept = {}
        for relation, edge_index in self.edges.items():
            side = 0 if relation[0] == "address" else 1
            kept[relation] = edge_index[:, ~torch.from_numpy(drop)[edge_index[side]]]
        return kept


def ego_batch(incidence: Incidence, targets: np.ndarray) -> EgoBatch:
    """Each target's latest MAX_TXS transactions, every address on them, and the edges among them, one
    disjoint copy per target; vectorised over the batch (no Python loop per target or transaction)."""
    owner, tx = _gather(incidence.address_ptr, incidence.address_txs, targets)
    owner, tx = _latest(owner, tx, incidence.tx_height)
    in_slot, in_address = _gather(incidence.in_ptr, incidence.in_address, tx)
    out_slot, out_address = _gather(incidence.out_ptr, incidence.out_address, tx)
    # (owner, tx) pairs are distinct after _latest: a pair's position is its local tx id (in_slot, out_slot).
    owners = np.concatenate([np.arange(len(targets), dtype=np.int64), owner[in_slot], owner[out_slot]])
    (address_owner, address_node), inverse = _local_ids(owners, np.concatenate([targets, in_address, out_address]))
    k = len(targets)
    target_local, spend_address, pay_address = np.split(inverse, [k, k + len(in_slot)])
    spend = torch.from_numpy(np.stack([spend_address, in_slot]))
    pay = torch.from_numpy(np.stack([out_slot, pay_address]))
    edges = {
        ("address", "spends_in", "tx"): spend,
        ("tx", "pays", "address"): pay,
        ("tx", "spent_by", "address"): spend.flip(0),
        ("address", "paid_by", "tx"): pay.flip(0),
    }
    return EgoBatch(targets, address_node, address_owner, tx, target_local, edges)


def integrated_gradients(
    forward: Callable[..., torch.Tensor],
    inputs: tuple[torch.Tensor, ...],
    baselines: tuple[torch.Tensor, ...],
    *,
    steps: int = STEPS,
) -> tuple[torch.Tensor, ...]:
    """Attributions of sum(forward(*inputs)) to every element of `inputs` (node-feature tensors, any shapes).

    Captum integrates over a batch dimension, so each input gains a leading one of size 1 that Captum
    expands to the path's `steps` points; the wrapped forward runs `forward` once per point. With disjoint
    targets (EgoBatch), the attribution on a target's copy is that target's own.
    """

    def along_path(*scaled: torch.Tensor) -> torch.Tensor:
        return torch.stack([forward(*(x[point] for x in scaled)).sum() for point in range(scaled[0].shape[0])])

    ig = IntegratedGradients(along_path)
    attributions = ig.attribute(
        tuple(x.unsqueeze(0) for x in inputs),
        baselines=tuple(b.unsqueeze(0).expand_as(x.unsqueeze(0)) for b, x in zip(baselines, inputs, strict=True)),
        n_steps=steps,
        internal_batch_size=steps,
    )
    return tuple(a.squeeze(0).detach() for a in attributions)


@dataclass(frozen=True)
class Attributed:
    """One batch's attributions: per local address node and feature, and per local transaction node."""

    batch: EgoBatch
    address: np.ndarray  # (local addresses, features)

    def own(self) -> np.ndarray:
        """(targets, features): each target's attributions on its own features."""
        return self.address[self.batch.target_local]

    def neighbour_weight(self) -> np.ndarray:
        """Per local address node: its features' summed attribution; the targets themselves get -inf."""
        weight = self.address.sum(axis=1)
        weight[self.batch.target_local] = -np.inf
        return weight


def attribute_batch(
    network: nn.Module, incidence: Incidence, x: tuple[np.ndarray, np.ndarray], medians, targets: np.ndarray
) -> Attributed:
    """Integrated Gradients of each target's logit on its own neighbourhood copy (`x`: address and tx features
    of the whole graph; `medians`: the baseline rows)."""
    batch = ego_batch(incidence, targets)
    address_x, tx_x = batch.x(*x)
    baselines = tuple(torch.from_numpy(m).expand_as(t) for m, t in zip(medians, (address_x, tx_x), strict=True))
    network.eval()

    def forward(address: torch.Tensor, tx: torch.Tensor) -> torch.Tensor:
        return network({"address": address, "tx": tx}, batch.edges)[torch.from_numpy(batch.target_local)]

    address_attr, _ = integrated_gradients(forward, (address_x, tx_x), baselines)
    return Attributed(batch, address_attr.numpy().astype(np.float64))


def reasons_of(attributed: Attributed, addresses: list[str], *, top: int = TOP) -> list[Reasons]:
    """The `top` features that pushed each target's score up most, and its `top` neighbours whose
    features did (only those that pushed it up)."""
    batch, own, weight = attributed.batch, attributed.own(), attributed.neighbour_weight()
    order = np.lexsort((-weight, batch.address_owner))  # by target, strongest neighbour first
    starts = np.searchsorted(batch.address_owner[order], np.arange(len(batch.targets)))
    out = []
    for k, target in enumerate(batch.targets):
        features = np.argsort(-own[k], kind="stable")[:top]
        ranked = order[starts[k] : starts[k] + top]
        strongest = [int(batch.address_node[i]) for i in ranked if batch.address_owner[i] == k and weight[i] > 0]
        out.append(
            Reasons(
                address=addresses[int(target)],
                features=[ADDRESS_FEATURES[i] for i in features],
                weights=[round(float(own[k, i]), 4) for i in features],
                neighbours=[addresses[i] for i in strongest],
            )
        )
    return out


def explain_all(
    network: nn.Module, arrays: ChainArrays, address_x: np.ndarray, targets: list[int], *, batch: int = BATCH
) -> list[Reasons]:
    """Reasons for every address in `targets` (indexes into `arrays.addresses`), `batch` at a time."""
    incidence = Incidence.of(arrays)
    x = (address_x, arrays.tx_x)
    medians = graph_medians(address_x, arrays.tx_x)
    out: list[Reasons] = []
    with one_thread():
        for lo in range(0, len(targets), batch):
            chunk = np.asarray(targets[lo : lo + batch], dtype=np.int64)
            out.extend(reasons_of(attribute_batch(network, incidence, x, medians, chunk), arrays.addresses))
    return out


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one thread: a neighbourhood batch's tensors are small, so each operation's parallel
    region costs more than it saves, and on a loaded machine (load average 14 on 2 cores) two threads
    made a batch 40 times slower (48 s against 1.3 s) waiting for each other."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def graph_medians(address_x: np.ndarray, tx_x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The baseline rows: each feature's median over the graph (zeros for an empty graph)."""
    return tuple(
        (np.median(x, axis=0) if len(x) else np.zeros(x.shape[1])).astype(np.float32) for x in (address_x, tx_x)
    )


def occlusion_reasons(
    decision: Callable[[np.ndarray], np.ndarray],
    address_x: np.ndarray,
    addresses: list[str],
    targets: list[int],
    *,
    batch: int = 2_048,
) -> list[Reasons]:
    """For a model without a graph or a gradient (the gradient-boosting baseline): each feature in turn set
    to the graph's median, and the drop in `decision` (its raw score) it causes; no neighbours. `batch`
    targets at a time (each is scored once per feature)."""
    if not targets:
        return []
    median = np.median(address_x, axis=0).astype(address_x.dtype)
    out = []
    for lo in range(0, len(targets), batch):
        chunk = targets[lo : lo + batch]
        drops = _occlusion_drops(decision, address_x[chunk], median)
        for k, target in enumerate(chunk):
            features = np.argsort(-drops[:, k], kind="stable")[:TOP]
            weights = [round(float(drops[i, k]), 4) for i in features]
            out.append(Reasons(addresses[target], [ADDRESS_FEATURES[i] for i in features], weights, []))
    return out


def _occlusion_drops(decision, rows: np.ndarray, median: np.ndarray) -> np.ndarray:
    """(features, targets): the drop in `decision` when that feature of that row is set to the median."""
    n_features = rows.shape[1]
    occluded = np.repeat(rows[None], n_features, axis=0)  # (features, targets, features)
    occluded[np.arange(n_features), :, np.arange(n_features)] = median[:, None]
    return decision(rows)[None] - decision(occluded.reshape(-1, n_features)).reshape(n_features, len(rows))


def _csr(rows: np.ndarray, values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(rows, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=ptr[1:])
    return ptr, values[order].astype(np.int64)


def _gather(ptr: np.ndarray, values: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every value of each row in `rows`, as (position in `rows`, value) pairs."""
    starts, lengths = ptr[rows], ptr[rows + 1] - ptr[rows]
    slot = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    offsets = np.arange(lengths.sum(), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return slot, values[starts[slot] + offsets]


def _latest(owner: np.ndarray, tx: np.ndarray, height: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (owner, tx) pairs, each owner's latest MAX_TXS by height (then tx index)."""
    pairs = np.unique(np.stack([owner, tx]), axis=1)
    owner, tx = pairs[0], pairs[1]
    order = np.lexsort((-tx, -height[tx], owner))
    owner, tx = owner[order], tx[order]
    first = np.searchsorted(owner, owner)
    keep = np.arange(len(owner)) - first < MAX_TXS
    return owner[keep], tx[keep]


def _local_ids(owner: np.ndarray, node: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Number the distinct (owner, node) pairs; returns them (sorted by owner) and each input pair's number."""
    pairs, inverse = np.unique(np.stack([owner, node]), axis=1, return_inverse=True)
    return (pairs[0], pairs[1]), inverse.reshape(-1)


def fidelity(
    network: nn.Module,
    arrays: ChainArrays,
    address_x: np.ndarray,
    targets: list[int],
    *,
    k: int = TOP,
    draws: int = 5,
    seed: int = 0,
) -> dict[str, float]:
    """Do the attributions point at what the score rests on? The mean drop of the targets' logits when their
    top-k attributed features are set to the median, or their top-k attributed neighbours' edges are removed,
    beside the same for k picked at random (`draws` times). Faithful reasons drop the score more."""
    incidence, medians = Incidence.of(arrays), graph_medians(address_x, arrays.tx_x)
    with one_thread():
        attributed = attribute_batch(network, incidence, (address_x, arrays.tx_x), medians, np.asarray(targets))
    batch, rng = attributed.batch, np.random.default_rng(seed)
    ax, tx = batch.x(address_x, arrays.tx_x)
    network.eval()

    @torch.no_grad()
    def logits(features: torch.Tensor, edges) -> np.ndarray:
        return network({"address": features, "tx": tx}, edges)[torch.from_numpy(batch.target_local)].numpy()

    def without_features(columns: np.ndarray) -> np.ndarray:
        changed = ax.clone()
        rows = torch.from_numpy(np.repeat(batch.target_local, columns.shape[1]))
        flat = torch.from_numpy(columns.reshape(-1))
        changed[rows, flat] = torch.from_numpy(medians[0])[flat]
        return logits(changed, batch.edges)

    def without_neighbours(chosen: np.ndarray) -> np.ndarray:
        drop = np.zeros(len(batch.address_node), dtype=bool)
        drop[chosen] = True
        return logits(ax, batch.without_addresses(drop))

    base = logits(ax, batch.edges)
    n_features = ax.shape[1]
    top_features = np.argsort(-attributed.own(), axis=1, kind="stable")[:, :k]
    random_features = [np.argsort(rng.random((len(targets), n_features)), axis=1)[:, :k] for _ in range(draws)]
    top_neighbours, random_neighbours = _neighbour_picks(attributed, k, draws, rng)
    return {
        "features_top": float(np.mean(base - without_features(top_features))),
        "features_random": float(np.mean([np.mean(base - without_features(r)) for r in random_features])),
        "neighbours_top": float(np.mean(base - without_neighbours(top_neighbours))),
        "neighbours_random": float(np.mean([np.mean(base - without_neighbours(r)) for r in random_neighbours])),
    }


def _neighbour_picks(attributed: Attributed, k: int, draws: int, rng) -> tuple[np.ndarray, list[np.ndarray]]:
    """Local address nodes to remove: each target's k most attributed neighbours, and `draws` sets of k of
    its neighbours at random (fewer where it has fewer)."""
    batch, weight = attributed.batch, attributed.neighbour_weight()
    neighbour = np.isfinite(weight)
    top, randoms = [], [[] for _ in range(draws)]
    for owner in range(len(batch.targets)):
        mine = np.flatnonzero(neighbour & (batch.address_owner == owner))
        top.extend(mine[np.argsort(-weight[mine], kind="stable")[:k]])
        for picks in randoms:
            picks.extend(rng.permutation(mine)[:k])
    as_array = lambda picks: np.asarray(picks, dtype=np.int64)  # noqa: E731
    return as_array(top), [as_array(picks) for picks in randoms]
