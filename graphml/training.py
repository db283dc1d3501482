"""Train every model and the tabular baseline on the same temporal split, and pick the one to ship.

Each model trains on the training period's graph, stops early on the validation
period's PR-AUC, is calibrated and thresholded on validation, and is scored once
on the test period. The shipped model is the best on validation: a GNN or the
baseline, whichever it is; the report always holds all of them.

The propagated model (`sign`) trains in mini-batches over rows computed once per
period, so its cost grows with the edges once and with the labelled nodes per
pass; the full-batch GNNs pass over every edge at every epoch. A model can start
from earlier weights (`warm`: the nightly retraining's active model) when they fit.
"""

import copy
import logging
import time
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score
from torch_geometric.data import HeteroData

from graphml.dataset import UNLABELLED, Labels, NothingToLearn, Split, graph_until, temporal_split
from graphml.evaluation import Calibrator, metrics, threshold_for_precision
from graphml.features import ChainArrays
from graphml.nets import PROPAGATED, NodeScorer, PropagatedScorer
from graphml.propagation import propagate

BASELINE = "gradient_boosting"
DEFAULT_MODELS = (PROPAGATED,)  # what `train` trains beside the baseline: fits 1M addresses in minutes
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainSpec:
    models: tuple[str, ...] = DEFAULT_MODELS
    epochs: int = 150  # full-batch GNNs: one step an epoch
    patience: int = 25  # epochs without a better validation PR-AUC before stopping
    eval_every: int = 5
    hidden: int = 64
    learning_rate: float = 0.01
    seed: int = 0
    target_precision: float = 0.8
    passes: int = 30  # the propagated model: passes over the training rows, each in mini-batches
    pass_patience: int = 5  # passes without a better validation PR-AUC before stopping
    batch_size: int = 1024
    batch_learning_rate: float = 0.002
    hops: int = 2  # the propagated model: powers of each two-hop operator (2: four hops of the bipartite graph)


@dataclass
class ModelResult:
    name: str
    val_pr_auc: float
    test: dict
    seconds: float
    curve: list[dict] = field(default_factory=list)  # per evaluation: epoch, loss, val PR-AUC (not the baseline)
    test_probabilities: np.ndarray | None = None
    state: object = None  # the trained model (a torch state dict or the fitted trees), for the registry
    warm_started: bool = False  # began from earlier weights (the nightly retraining's active model)


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
                name: {
                    "val_pr_auc": r.val_pr_auc,
                    "seconds": r.seconds,
                    "warm_started": r.warm_started,
                    "curve": r.curve,
                    "test": r.test,
                }
                for name, r in self.results.items()
            },
        }


# (model, step, steps, **figures): epochs (passes) for a network, with `loss` and, when just measured,
# `val_pr_auc`; 0 then 1 for the trees
Progress = Callable[..., None]
Warm = Mapping[str, dict]  # model kind → a state dict to start from


def train_all(
    arrays: ChainArrays,
    labels: Labels,
    spec: TrainSpec = TrainSpec(),
    *,
    progress: Progress | None = None,
    warm: Warm | None = None,
) -> TrainingReport:
    """The address graph's models, on the temporal split of its labelled addresses by first block."""
    split = temporal_split(arrays, labels)
    periods = {"train": split.train_until, "val": split.val_until, "test": None}
    graphs = {period: graph_until(arrays, height) for period, height in periods.items()}
    masks = split.masks(arrays.address_height, labels.y != UNLABELLED)
    return train_models(graphs, masks, labels, spec, split=split, target="address", progress=progress, warm=warm)


def train_models(
    graphs: dict[str, HeteroData],
    masks: dict[str, np.ndarray],
    labels: Labels,
    spec: TrainSpec,
    *,
    split: Split,
    target: str,
    progress: Progress | None = None,
    warm: Warm | None = None,
) -> TrainingReport:
    """Every GNN and the baseline on one split: `graphs` and `masks` per period (train, val, test), each
    graph holding what was known at its period's end; `target` is the node type scored. `warm`: weights
    to start a model from, used where they fit its architecture."""
    illicit = {period: int((labels.y[masks[period]] == 1).sum()) for period in ("train", "val")}
    if not all(illicit.values()):
        raise NothingToLearn(
            f"the training or validation period has no illicit example (training {illicit['train']}, validation "
            f"{illicit['val']}, of {int((labels.y == 1).sum())} illicit labelled addresses): nothing to learn from. "
            "Label more addresses, or for the demo world set DEMO_WORLD_TXS to 3000 or more"
        )
    progress = progress or (lambda model, step, steps, **figures: None)
    warm = warm or {}
    results = {}
    for kind in spec.models:
        train = _train_propagated if kind == PROPAGATED else _train_gnn
        results[kind] = train(kind, graphs, masks, labels, spec, target, progress, warm.get(kind))
    results[BASELINE] = _train_baseline(graphs, masks, labels, spec, target, progress)
    shipped = max(results, key=lambda name: results[name].val_pr_auc)
    return TrainingReport(spec, split, results, shipped, labels.y[masks["test"]])


def _train_gnn(
    kind: str, graphs: dict, masks: dict, labels: Labels, spec: TrainSpec, target: str, progress: Progress, warm
) -> ModelResult:
    torch.manual_seed(spec.seed)
    started = time.perf_counter()
    y = torch.from_numpy(labels.y).float()
    train_graph, val_graph = graphs["train"], graphs["val"]
    model = NodeScorer(kind, hidden=spec.hidden, relations=tuple(train_graph.edge_types), target=target)
    with torch.no_grad():
        model(train_graph.x_dict, train_graph.edge_index_dict)  # sizes the lazy layers
    warm_started = _start_from(model, warm, kind)
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
        if epoch % spec.eval_every:
            progress(kind, epoch, spec.epochs, loss=loss.item())
            continue
        val_scores = _scores(model, val_graph, masks["val"])
        val_pr_auc = float(average_precision_score(labels.y[masks["val"]], val_scores))
        progress(kind, epoch, spec.epochs, loss=loss.item(), val_pr_auc=val_pr_auc)
        curve.append({"epoch": epoch, "loss": loss.item(), "val_pr_auc": val_pr_auc})
        if val_pr_auc > best:
            best, best_state, best_epoch = val_pr_auc, copy.deepcopy(model.state_dict()), epoch
        elif epoch - best_epoch >= spec.patience:
            break
    model.load_state_dict(best_state)
    val_scores = _scores(model, val_graph, masks["val"])
    test_scores = _scores(model, graphs["test"], masks["test"])
    result = _evaluate(kind, val_scores, test_scores, masks, labels, spec, time.perf_counter() - started)
    result.curve, result.state, result.warm_started = curve, model.state_dict(), warm_started
    return result


def _train_propagated(
    kind: str, graphs: dict, masks: dict, labels: Labels, spec: TrainSpec, target: str, progress: Progress, warm
) -> ModelResult:
    """The MLP over each labelled node's propagated rows (graphml/propagation.py), in shuffled mini-batches;
    the rows of each period come from that period's graph, so none knows a later block."""
    torch.manual_seed(spec.seed)
    started = time.perf_counter()
    rows = {
        period: propagate(
            graphs[period].x_dict, graphs[period].edge_index_dict, target=target, hops=spec.hops, rows=mask.nonzero()[0]
        )
        for period, mask in masks.items()
    }
    y_train = torch.from_numpy(labels.y[masks["train"]]).float()
    model = PropagatedScorer(rows["train"].shape[1], hidden=spec.hidden, hops=spec.hops)
    warm_started = _start_from(model, warm, kind)
    if not warm_started:
        model.standardise_on(rows["train"])
    optimizer = torch.optim.Adam(model.parameters(), lr=spec.batch_learning_rate, weight_decay=1e-5)
    positives = float(y_train.sum())
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((len(y_train) - positives) / max(positives, 1.0)))
    train_rows, shuffle = torch.from_numpy(rows["train"]), torch.Generator().manual_seed(spec.seed)
    best, best_state, best_pass, curve = -1.0, None, 0, []
    for done in range(1, spec.passes + 1):
        model.train()
        losses = []
        with _one_thread():
            for batch in torch.randperm(len(train_rows), generator=shuffle).split(spec.batch_size):
                optimizer.zero_grad()
                loss = loss_fn(model(train_rows[batch]), y_train[batch])
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
        val_pr_auc = float(average_precision_score(labels.y[masks["val"]], _row_scores(model, rows["val"])))
        curve.append({"epoch": done, "loss": float(np.mean(losses)), "val_pr_auc": val_pr_auc})
        progress(kind, done, spec.passes, loss=curve[-1]["loss"], val_pr_auc=val_pr_auc)
        if val_pr_auc > best:
            best, best_state, best_pass = val_pr_auc, copy.deepcopy(model.state_dict()), done
        elif done - best_pass >= spec.pass_patience:
            break
    model.load_state_dict(best_state)
    val_scores, test_scores = _row_scores(model, rows["val"]), _row_scores(model, rows["test"])
    result = _evaluate(kind, val_scores, test_scores, masks, labels, spec, time.perf_counter() - started)
    result.curve, result.state, result.warm_started = curve, model.state_dict(), warm_started
    return result


@contextmanager
def _one_thread():
    """Mini-batch steps are many small operations: torch's worker threads wait at a barrier after each, and on
    a busy machine a descheduled thread stalls them all (one pass over 50,000 rows took 47 s with 2 threads
    and 13 s with one, at a load of 18 on 2 cores). One thread runs them with no barrier to wait at."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _start_from(model: torch.nn.Module, state: dict | None, kind: str) -> bool:
    """Load `state` into `model` when its layers have the same names and shapes; else a cold start, logged."""
    if state is None:
        return False
    try:
        model.load_state_dict(state)
    except RuntimeError as error:  # other layers or sizes: another architecture
        log.warning("%s: the earlier weights do not fit (%s); training from scratch", kind, str(error)[:200])
        return False
    return True


def _row_scores(model: PropagatedScorer, rows: np.ndarray, chunk: int = 65_536) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        parts = [model(torch.from_numpy(rows[lo : lo + chunk])).numpy() for lo in range(0, len(rows), chunk)]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


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
