"""Labels, the temporal split, and the PyG graphs each period sees.

The split is by the block an address first appears in: train on the earliest
labelled addresses, validate on the next, test on the latest. It is inductive:
the graph a period trains or validates on holds only transactions confirmed up
to that period's last block, so no test-period node or edge is seen in training.
"""

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import HeteroData

from core.errors import ChainSleuthError
from graphml.features import ChainArrays, address_features


class NothingToLearn(ChainSleuthError, ValueError):
    """Too few labels (none, or no illicit one in a period) to train on: wait for more verdicts. Its own
    class so that a retrain can skip it without swallowing every other ValueError (a graph's included)."""


UNLABELLED = -1


@dataclass(frozen=True)
class Labels:
    y: np.ndarray  # per address: 1 illicit, 0 licit, -1 unknown
    typology: list[str]  # per address, "" where none


@dataclass(frozen=True)
class Split:
    """Last block of the training and of the validation period; test is everything after."""

    train_until: int
    val_until: int

    def masks(self, heights: np.ndarray, labelled: np.ndarray) -> dict[str, np.ndarray]:
        return {
            "train": labelled & (heights <= self.train_until),
            "val": labelled & (heights > self.train_until) & (heights <= self.val_until),
            "test": labelled & (heights > self.val_until),
        }


def labels_for(
    arrays: ChainArrays, *, truth: Path | None = None, confirmed: Mapping[str, bool] | None = None
) -> Labels:
    """Labels for the addresses in the graph: a ground-truth CSV (the simulator's truth.csv: address, label
    illicit|licit, typology) where given, then investigators' verdicts (`confirmed`: address → illicit),
    which win where both speak: an analyst who looked at the address knows better than a file."""
    index = arrays.index
    y = np.full(len(arrays.addresses), UNLABELLED, dtype=np.int64)
    typology = [""] * len(arrays.addresses)
    if truth is not None:
        with open(truth, newline="") as handle:
            for row in csv.DictReader(handle):
                i = index.get(row["address"])
                if i is not None:
                    y[i] = row["label"] == "illicit"
                    typology[i] = row["typology"]
    for address, illicit in (confirmed or {}).items():
        i = index.get(address)
        if i is not None:
            y[i] = int(illicit)
            typology[i] = typology[i] or "confirmed"
    return Labels(y, typology)


def temporal_split(arrays: ChainArrays, labels: Labels, *, train: float = 0.6, val: float = 0.2) -> Split:
    """Cut at the quantiles of labelled addresses' first blocks (60 / 20 / 20 by default). When that leaves
    the training or validation period without an illicit address (a small world, whose few criminals all
    start late or early), cut at the quantiles of the illicit addresses' first blocks instead, so each
    period gets its share of them. When even that cannot, the first cut stands and training refuses it."""
    heights = arrays.address_height[labels.y != UNLABELLED]
    if len(heights) == 0:
        raise NothingToLearn("no labelled address in the graph: nothing to train on")
    split = _cut(heights, train, val)
    illicit = arrays.address_height[labels.y == 1]
    if _learnable(split, illicit):
        return split
    if len(illicit) and _learnable(fallback := _cut(illicit, train, val), illicit):
        return fallback
    return split


def _cut(heights: np.ndarray, train: float, val: float) -> Split:
    return Split(int(np.quantile(heights, train)), int(np.quantile(heights, train + val)))


def _learnable(split: Split, illicit: np.ndarray) -> bool:
    """Both the training and the validation period hold an illicit address."""
    return bool((illicit <= split.train_until).any()) and bool(
        ((illicit > split.train_until) & (illicit <= split.val_until)).any()
    )


def graph_until(arrays: ChainArrays, height: int | None) -> HeteroData:
    """The address-transaction graph as of `height` (None: all of it), with reverse edges for message passing.

    Every address keeps its row (so indexes stay the same in every period); an address not yet seen
    has no edges and zero features, and every feature is computed from the edges up to `height`.
    """
    tx_seen = arrays.tx_height <= height if height is not None else np.ones(len(arrays.tx_height), dtype=bool)
    data = HeteroData()
    data["address"].x = torch.from_numpy(address_features(arrays, height))
    data["tx"].x = torch.from_numpy(arrays.tx_x * tx_seen[:, None])
    spend = arrays.inputs[:, tx_seen[arrays.inputs[1]]] if arrays.inputs.size else arrays.inputs
    pay = arrays.outputs[:, tx_seen[arrays.outputs[0]]] if arrays.outputs.size else arrays.outputs
    data["address", "spends_in", "tx"].edge_index = torch.from_numpy(np.ascontiguousarray(spend))
    data["tx", "pays", "address"].edge_index = torch.from_numpy(np.ascontiguousarray(pay))
    data["tx", "spent_by", "address"].edge_index = torch.from_numpy(np.ascontiguousarray(spend[::-1]))
    data["address", "paid_by", "tx"].edge_index = torch.from_numpy(np.ascontiguousarray(pay[::-1]))
    return data
