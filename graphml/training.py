"""Train every model and the tabular baseline on the same temporal split, and pick the one to ship.

Each model trains on the training period's graph, stops early on the validation
period's PR-AUC, is calibrated and thresholded on validation, and is scored once
on the test period. The shipped model is the best on validation: a GNN or the
baseline, whichever it is; the report always holds all of them.
"""

import copy
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score
from torch_geometric.data import HeteroData

from graphml.dataset import UNLABELLED, Labels, NothingToLearn, Split, graph_until, temporal_split
from graphml.evaluation import Calibrator, metrics, threshold_for_precision
from graphml.features import ChainArrays
from graphml.nets import KINDS, NodeScorer

BASELINE = "gradient_boosting"


@dataclass(frozen=True)
class TrainSpec:
    models: tuple[str, ...] = KINDS
    epochs: int = 150
    patience: int = 25  # epochs without a better validation PR-AUC before stopping
    eval_every: int = 5
    hidden: int = 64
    learning_rate: float = 0.01
    seed: int = 0
    target_precision: float = 0.8


@dataclass
class ModelResult:
    name: str
    val_pr_auc: float
    test: dict
    seconds: float
    curve: list[dict] = field(default_factory=list)  # per epoch: loss, val PR-AUC (GNNs only)
    test_probabilities: np.ndarray | None = None
    state: object = None  # the trained model (a torch state dict or the fitted trees), for the registry


@dataclass
class TrainingReport:
    spec: TrainSpec
    split: Split
    results: dict[str, ModelResult]
    shipped: str
    test_labels: np.ndarray

    def summary(self) -> dict:
        return {
            "spec": asdict(self.spec),
            "split": asdict(self.split),
            "shipped": self.shipped,
            "models": {
                name: {"val_pr_auc": r.val_pr_auc, "seconds": r.seconds, "test": r.test}
                for name, r in self.results.items()
            },
        }


Progress = Callable[[str, int, int], None]  # (model, step, steps): epochs for a GNN, 0 then 1 for the trees


def train_all(
    arrays: ChainArrays, labels: Labels, spec: TrainSpec = TrainSpec(), *, progress: Progress | None = None
) -> TrainingReport:
    """The address graph's models, on the temporal split of its labelled addresses by first block."""
    split = temporal_split(arrays, labels)
    periods = {"train": split.train_until, "val": split.val_until, "test": None}
    graphs = {period: graph_until(arrays, height) for period, height in periods.items()}
    masks = split.masks(arrays.address_height, labels.y != UNLABELLED)
    return train_models(graphs, masks, labels, spec, split=split, target="address", progress=progress)


def train_models(
    graphs: dict[str, HeteroData],
    masks: dict[str, np.ndarray],
    labels: Labels,
    spec: TrainSpec,
    *,
    split: Split,
    target: str,
    progress: Progress | None = None,
) -> TrainingReport:
    """Every GNN and the baseline on one split: `graphs` and `masks` per period (train, val, test), each
    graph holding what was known at its period's end; `target` is the node type scored."""
    illicit = {period: int((labels.y[masks[period]] == 1).sum()) for period in ("train", "val")}
    if not all(illicit.values()):
        raise NothingToLearn(
            f"the training or validation period has no illicit example (training {illicit['train']}, validation "
            f"{illicit['val']}, of {int((labels.y == 1).sum())} illicit labelled addresses): nothing to learn from. "
            "Label more addresses, or for the demo world set DEMO_WORLD_TXS to 3000 or more"
        )
    progress = progress or (lambda model, step, steps: None)
    results = {kind: _train_gnn(kind, graphs, masks, labels, spec, target, progress) for kind in spec.models}
    results[BASELINE] = _train_baseline(graphs, masks, labels, spec, target, progress)
    shipped = max(results, key=lambda name: results[name].val_pr_auc)
    return TrainingReport(spec, split, results, shipped, labels.y[masks["test"]])


def _train_gnn(
    kind: str, graphs: dict, masks: dict, labels: Labels, spec: TrainSpec, target: str, progress: Progress
) -> ModelResult:
    torch.manual_seed(spec.seed)
    started = time.perf_counter()
    y = torch.from_numpy(labels.y).float()
    train_graph, val_graph = graphs["train"], graphs["val"]
    model = NodeScorer(kind, hidden=spec.hidden, relations=tuple(train_graph.edge_types), target=target)
    with torch.no_grad():
        model(train_graph.x_dict, train_graph.edge_index_dict)  # sizes the lazy layers
    optimizer = torch.optim.Adam(model.parameters(), lr=spec.learning_rate, weight_decay=5e-4)
    train_mask = torch.from_numpy(masks["train"])
    positives = float(y[train_mask].sum())
    negatives = float(train_mask.sum()) - positives
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(negatives / max(positives, 1.0)))  # imbalance
    best, best_state, curve, best_epoch = -1.0, None, [], 0
    for epoch in range(1, spec.epochs + 1):
        model.train()
        optimizer.zero_grad()
        loss = loss_fn(model(train_graph.x_dict, train_graph.edge_index_dict)[train_mask], y[train_mask])
        loss.backward()
        optimizer.step()
        progress(kind, epoch, spec.epochs)
        if epoch % spec.eval_every:
            continue
        val_scores = _scores(model, val_graph, masks["val"])
        val_pr_auc = float(average_precision_score(labels.y[masks["val"]], val_scores))
        curve.append({"epoch": epoch, "loss": loss.item(), "val_pr_auc": val_pr_auc})
        if val_pr_auc > best:
            best, best_state, best_epoch = val_pr_auc, copy.deepcopy(model.state_dict()), epoch
        elif epoch - best_epoch >= spec.patience:
            break
    model.load_state_dict(best_state)
    val_scores = _scores(model, val_graph, masks["val"])
    test_scores = _scores(model, graphs["test"], masks["test"])
    result = _evaluate(kind, val_scores, test_scores, masks, labels, spec, time.perf_counter() - started)
    result.curve, result.state = curve, model.state_dict()
    return result


def _train_baseline(
    graphs: dict, masks: dict, labels: Labels, spec: TrainSpec, target: str, progress: Progress
) -> ModelResult:
    """Gradient-boosted trees on each node's own features: what the graph adds is measured against it."""
    started = time.perf_counter()
    progress(BASELINE, 0, 1)
    trees = HistGradientBoostingClassifier(class_weight="balanced", max_iter=300, random_state=spec.seed)
    features = {period: graphs[period][target].x.numpy() for period in graphs}
    trees.fit(features["train"][masks["train"]], labels.y[masks["train"]])
    progress(BASELINE, 1, 1)
    val_scores = trees.decision_function(features["val"][masks["val"]])
    test_scores = trees.decision_function(features["test"][masks["test"]])
    result = _evaluate(BASELINE, val_scores, test_scores, masks, labels, spec, time.perf_counter() - started)
    result.state = trees
    return result


def _evaluate(name, val_scores, test_scores, masks, labels: Labels, spec: TrainSpec, seconds: float) -> ModelResult:
    val_y, test_y = labels.y[masks["val"]], labels.y[masks["test"]]
    calibrate = Calibrator.fit(val_scores, val_y)
    threshold = threshold_for_precision(calibrate(val_scores), val_y, spec.target_precision)
    probabilities = calibrate(test_scores)
    typologies = [labels.typology[i] for i in np.flatnonzero(masks["test"])]
    return ModelResult(
        name=name,
        val_pr_auc=float(average_precision_score(val_y, calibrate(val_scores))),
        test={**metrics(probabilities, test_y, threshold, typologies), "calibration": asdict(calibrate)},
        seconds=seconds,
        test_probabilities=probabilities,
    )


def _scores(model: NodeScorer, graph, mask: np.ndarray) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        return model(graph.x_dict, graph.edge_index_dict)[torch.from_numpy(mask)].numpy()
