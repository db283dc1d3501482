"""Scoring addresses with a trained model: load it from its artifacts, score the whole graph, make the rows.

The GNN scores every address a layer at a time over chunks of nodes
(NodeScorer.infer), so the memory a job needs grows with the number of nodes,
not with the number of edges times the hidden width; rows go back to the graph in
batches of 5,000.
"""

import pickle
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import HeteroData

from graphml.evaluation import Calibrator
from graphml.explain import explain
from graphml.features import ChainArrays
from graphml.nets import NodeScorer, PropagatedScorer, network_for
from graphml.training import BASELINE


@dataclass
class TrainedModel:
    kind: str
    calibrate: Calibrator
    threshold: float
    network: NodeScorer | PropagatedScorer | None = None
    trees: object = None

    def reasons(self, arrays: ChainArrays, graph: HeteroData, probabilities: np.ndarray, *, top: int) -> list[dict]:
        """Reasons for the `top` riskiest flagged addresses (GNNs only: the baseline's trees are not a graph
        model, and their global feature importances are in the training report)."""
        if not isinstance(self.network, NodeScorer):  # GNNExplainer needs message passing; sign: rows (forward)
            return []
        flagged = np.flatnonzero(probabilities >= self.threshold)
        riskiest = [int(i) for i in flagged[np.argsort(-probabilities[flagged], kind="stable")][:top]]
        return [asdict(r) for r in explain(self.network, arrays, graph["address"].x.numpy(), riskiest)]

    def probabilities(self, graph: HeteroData) -> np.ndarray:
        """Calibrated scores for every address of `graph` (graphml.dataset.graph_until)."""
        if self.trees is not None:
            raw = self.trees.decision_function(graph["address"].x.numpy())
        else:
            raw = self.network.infer(graph.x_dict, graph.edge_index_dict).numpy()
        return self.calibrate(raw)


def load(directory: Path, *, kind: str, hidden: int, calibration: dict, threshold: float) -> TrainedModel:
    calibrate = Calibrator(**calibration)
    if kind == BASELINE:
        with open(directory / f"{kind}.pkl", "rb") as handle:
            return TrainedModel(kind, calibrate, threshold, trees=pickle.load(handle))  # noqa: S301 - our own file
    state = torch.load(directory / f"{kind}.pt", weights_only=True)
    network = network_for(kind, hidden=hidden, state=state)
    network.load_state_dict(state)
    return TrainedModel(kind, calibrate, threshold, network=network)


def score_rows(arrays: ChainArrays, probabilities: np.ndarray, *, threshold: float) -> Iterator[dict]:
    for address, risk in zip(arrays.addresses, probabilities.tolist(), strict=True):
        yield {"address": address, "risk": round(risk, 6), "label": "illicit" if risk >= threshold else "licit"}
