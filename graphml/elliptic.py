"""The Elliptic data set (Weber et al. 2019) in its published CSV format, so our models can be compared
with the literature on the one public benchmark of labelled Bitcoin transactions.

    elliptic_txs_features.csv   no header: txId, time step (1-49), 165 features
    elliptic_txs_classes.csv    txId,class   with class 1 (illicit), 2 (licit) or unknown
    elliptic_txs_edgelist.csv   txId1,txId2  a payment from the first transaction to the second

Nodes are transactions, not addresses, so the graph has one node type and the
flow in both directions. The split is Weber et al.'s: train on time steps 1-34
and test on 35-49. Our models also need a validation period (early stopping,
calibration, the threshold), so they learn from steps 1-29 and validate on 30-34:
five fewer steps of training data than the published models had. It stays
inductive: a period's graph holds only the transactions (and their edges) of its
own and earlier steps. The time-step column is not a feature: absolute time does
not carry to later periods.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import HeteroData

from core.errors import ChainSleuthError
from graphml.dataset import UNLABELLED, Labels, Split
from graphml.training import Progress, TrainingReport, TrainSpec, train_models

FEATURES = "elliptic_txs_features.csv"
CLASSES = "elliptic_txs_classes.csv"
EDGES = "elliptic_txs_edgelist.csv"
SPLIT = Split(train_until=29, val_until=34)  # test: 35 and later, as published
CLASS_LABELS = {"1": 1, "2": 0, "unknown": UNLABELLED}

# Illicit class on the same temporal split (Weber et al. 2019, "Anti-Money Laundering in Bitcoin", table 1:
# all features); the random forest is the bar a graph model must clear.
PUBLISHED = {
    "Logistic regression": {"precision": 0.404, "recall": 0.593, "f1": 0.481},
    "Random forest": {"precision": 0.956, "recall": 0.670, "f1": 0.788},
    "Random forest + GCN embeddings": {"precision": 0.971, "recall": 0.675, "f1": 0.796},
    "GCN": {"precision": 0.812, "recall": 0.512, "f1": 0.628},
    "EvolveGCN": {"precision": 0.850, "recall": 0.624, "f1": 0.720},
}


class EllipticError(ChainSleuthError, ValueError):
    """A file missing or not in the published format; the message names the file and the line."""


@dataclass(frozen=True)
class EllipticData:
    txids: np.ndarray  # (N,) int64, in the features file's order
    steps: np.ndarray  # (N,) the time step of each transaction
    x: np.ndarray  # (N, F) float32
    edges: np.ndarray  # (2, E) indexes: payer → payee
    labels: Labels


def read(directory: Path) -> EllipticData:
    for name in (FEATURES, CLASSES, EDGES):
        if not (directory / name).is_file():
            raise EllipticError(f"{directory / name}: missing (the directory needs {FEATURES}, {CLASSES}, {EDGES})")
    table = _numbers(directory / FEATURES)
    if table.ndim != 2 or table.shape[1] < 3:
        raise EllipticError(f"{directory / FEATURES}: expected txId, time step and features on every line")
    txids = table[:, 0].astype(np.int64)
    index = _index(txids, directory / FEATURES)
    y = np.full(len(txids), UNLABELLED, dtype=np.int64)
    for line, (txid, label) in _rows(directory / CLASSES):
        if label not in CLASS_LABELS:
            raise EllipticError(f"{directory / CLASSES}:{line}: class {label!r} is not 1, 2 or unknown")
        y[_lookup(index, txid, directory / CLASSES, line)] = CLASS_LABELS[label]
    edges = [
        (_lookup(index, payer, directory / EDGES, line), _lookup(index, payee, directory / EDGES, line))
        for line, (payer, payee) in _rows(directory / EDGES)
    ]
    return EllipticData(
        txids=txids,
        steps=table[:, 1].astype(np.int64),
        x=table[:, 2:].astype(np.float32),
        edges=np.array(edges, dtype=np.int64).reshape(-1, 2).T.copy(),
        labels=Labels(y, [""] * len(txids)),
    )


def graph_until(data: EllipticData, step: int | None) -> HeteroData:
    """The transactions of steps up to `step` (None: all) and the payments among them; later rows are zero."""
    seen = data.steps <= step if step is not None else np.ones(len(data.steps), dtype=bool)
    edges = data.edges[:, seen[data.edges[0]] & seen[data.edges[1]]]
    graph = HeteroData()
    graph["tx"].x = torch.from_numpy(data.x * seen[:, None])
    graph["tx", "pays", "tx"].edge_index = torch.from_numpy(np.ascontiguousarray(edges))
    graph["tx", "paid_by", "tx"].edge_index = torch.from_numpy(np.ascontiguousarray(edges[::-1]))
    return graph


def train(data: EllipticData, spec: TrainSpec, *, progress: Progress | None = None) -> TrainingReport:
    periods = {"train": SPLIT.train_until, "val": SPLIT.val_until, "test": None}
    graphs = {period: graph_until(data, step) for period, step in periods.items()}
    masks = SPLIT.masks(data.steps, data.labels.y != UNLABELLED)
    if not masks["test"].any():
        raise EllipticError(f"no labelled transaction after time step {SPLIT.val_until}: nothing to test on")
    return train_models(graphs, masks, data.labels, spec, split=SPLIT, target="tx", progress=progress)


def _numbers(path: Path) -> np.ndarray:
    try:
        return np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError as exc:  # numpy names the line: "could not convert string ... at row 12, column 3"
        raise EllipticError(f"{path}: {exc}") from exc


def _rows(path: Path):
    """The data lines of a two-column CSV with a header line: (line number, the two fields)."""
    with open(path) as handle:
        next(handle, None)
        for line, text in enumerate(handle, start=2):
            fields = text.strip().split(",")
            if fields == [""]:
                continue
            if len(fields) != 2:
                raise EllipticError(f"{path}:{line}: expected two comma-separated fields, got {text.strip()!r}")
            yield line, fields


def _index(txids: np.ndarray, path: Path) -> dict[int, int]:
    index = {int(txid): i for i, txid in enumerate(txids)}
    if len(index) != len(txids):
        raise EllipticError(f"{path}: a txId appears on more than one line")
    return index


def _lookup(index: dict[int, int], txid: str, path: Path, line: int) -> int:
    try:
        return index[int(txid)]
    except (ValueError, KeyError):
        raise EllipticError(f"{path}:{line}: txId {txid!r} is not in {FEATURES}") from None
