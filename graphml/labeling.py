"""Scoring addresses with a trained model: load it from its artifacts, score the whole graph, say what to write.

The GNN scores every address a layer at a time over chunks of nodes
(NodeScorer.infer), so the memory a job needs grows with the number of nodes,
not with the number of edges times the hidden width. Scores are arrays; only the
addresses whose stored score differs become rows to write (graph/ml.py writes
them by internal id), so running a job again on an unchanged graph writes nothing.
"""

import pickle
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import HeteroData

from graphml.attribution import explain_all, occlusion_reasons
from graphml.evaluation import Calibrator
from graphml.features import ChainArrays
from graphml.nets import NodeScorer, PropagatedScorer, network_for
from graphml.sign_reasons import sign_reasons
from graphml.training import BASELINE


@dataclass
class TrainedModel:
    kind: str
    calibrate: Calibrator
    threshold: float
    network: NodeScorer | PropagatedScorer | None = None
    trees: object = None

    def reasons(
        self, arrays: ChainArrays, graph: HeteroData, probabilities: np.ndarray, flagged: np.ndarray, *, top: int
    ) -> list[dict]:
        """Reasons for the flagged addresses (`flagged`: a mask), the riskiest `top` of them (all by default,
        LABELING_EXPLAIN_TOP), whatever the kind: Integrated Gradients for a GNN (graphml/attribution.py) and
        for sign (graphml/sign_reasons.py), occlusion for the baseline's trees."""
        candidates = np.flatnonzero(flagged)
        riskiest = [int(i) for i in candidates[np.argsort(-probabilities[candidates], kind="stable")][:top]]
        address_x = graph["address"].x.numpy()
        if self.network is None:
            found = occlusion_reasons(self.trees.decision_function, address_x, arrays.addresses, riskiest)
        elif isinstance(self.network, PropagatedScorer):
            found = sign_reasons(self.network, arrays, graph, riskiest)
        else:
            found = explain_all(self.network, arrays, address_x, riskiest)
        return [asdict(r) for r in found]

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


@dataclass(frozen=True)
class Scores:
    """A job's scores: per address, the risk as stored (rounded to 6 places) and whether it is flagged."""

    risk: np.ndarray
    flagged: np.ndarray

    @classmethod
    def of(cls, probabilities: np.ndarray, *, threshold: float) -> "Scores":
        risk = np.round(probabilities.astype(np.float64), 6)
        return cls(risk=risk, flagged=risk >= threshold)


def score_writes(
    arrays: ChainArrays, scores: Scores, in_scope: np.ndarray, stored: Iterable[list[dict]], *, model: str
) -> list[list]:
    """[internal id, risk, flagged 0/1, address] for each in-scope address whose stored score (`stored`: graph/ml.py's
    scored_pages) is not this one: another risk, label or model. Ids come from the graph, so rows match
    the nodes they were read from."""
    index = arrays.index
    risk, flagged = scores.risk.tolist(), scores.flagged.tolist()
    rows = []
    for page in stored:
        for row in page:
            i = index.get(row["address"])
            if i is None or not in_scope[i]:
                continue
            label = "illicit" if flagged[i] else "licit"
            if row["risk"] != risk[i] or row["label"] != label or row["model"] != model:
                rows.append([row["id"], risk[i], int(flagged[i]), row["address"]])
    return rows
