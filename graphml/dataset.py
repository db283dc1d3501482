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


class TruthFileError(ChainSleuthError, ValueError):
    """A ground-truth CSV whose columns or values are not labels: it names the file, the line, what it expected."""


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


EXPECTED_COLUMNS = "address, and either label (illicit/licit or 1/0) or illicit (1/0, true/false); typology is optional"
_LABEL_VALUES = {"illicit": 1, "licit": 0, "1": 1, "0": 0}
_ILLICIT_VALUES = {"1": 1, "0": 0, "true": 1, "false": 0, "yes": 1, "no": 0}
Truth = dict[str, tuple[int, str]]  # address → (1 illicit / 0 licit, typology or "")


def truth_read(path: Path) -> Truth:
    """A ground-truth CSV as labels, checked in full before anything reads the graph: the simulator's
    truth.csv (address, label illicit|licit, typology) and the files people have (label 1/0, or an
    `illicit` column; typology optional). A wrong file is a TruthFileError naming the columns expected."""
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        columns = [name.strip().lower() for name in reader.fieldnames or []]
        column = "label" if "label" in columns else "illicit" if "illicit" in columns else None
        if "address" not in columns or column is None:
            raise TruthFileError(f"{path}: columns {', '.join(columns) or '(none)'}; expected {EXPECTED_COLUMNS}")
        reader.fieldnames = columns
        values = _LABEL_VALUES if column == "label" else _ILLICIT_VALUES
        truth: Truth = {}
        for line, row in enumerate(reader, start=2):
            value = (row[column] or "").strip().lower()
            if value not in values:
                raise TruthFileError(
                    f"{path}, line {line}: {column} {row[column]!r} is not one of {', '.join(values)} "
                    f"(expected {EXPECTED_COLUMNS})"
                )
            truth[row["address"].strip()] = (values[value], (row.get("typology") or "").strip())
    return truth


def labels_for(
    arrays: ChainArrays, *, truth: Path | Truth | None = None, confirmed: Mapping[str, bool] | None = None
) -> Labels:
    """Labels for the addresses in the graph: a ground-truth CSV (`truth_read`, or its path) where given,
    then investigators' verdicts (`confirmed`: address → illicit), which win where both speak: an
    analyst who looked at the address knows better than a file."""
    index = arrays.index
    y = np.full(len(arrays.addresses), UNLABELLED, dtype=np.int64)
    typology = [""] * len(arrays.addresses)
    if truth is not None:
        for address, (illicit, kind) in (truth_read(truth) if isinstance(truth, Path) else truth).items():
            i = index.get(address)
            if i is not None:
                y[i], typology[i] = illicit, kind
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
