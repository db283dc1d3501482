"""Training from the graph store: read it in bulk, label it, train every model, write the report."""

from pathlib import Path

from graph.ml import address_pages, transaction_pages
from graph.store import GraphStore
from graphml.dataset import labels_from_truth
from graphml.features import build
from graphml.report import write_report
from graphml.training import TrainingReport, TrainSpec, train_all


def train_run(*, store: GraphStore, truth: Path, directory: Path, spec: TrainSpec | None = None) -> TrainingReport:
    """Labels come from a ground-truth CSV (the simulator's truth.csv); tag and case labels come later."""
    if not truth.is_file():
        raise FileNotFoundError(f"no ground truth at {truth}")
    arrays = build(address_pages(store), transaction_pages(store))
    if not arrays.addresses:
        raise ValueError("the graph holds no confirmed address: ingest blocks first")
    report = train_all(arrays, labels_from_truth(truth, arrays), spec or TrainSpec())
    write_report(report, directory)
    return report
