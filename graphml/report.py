"""A training run's report on disk: the metrics of every model side by side, the trained models, and plots.

DIR/report.json            split, spec, shipped model, per model: validation PR-AUC and test metrics
DIR/training_curves.png    per GNN: training loss and validation PR-AUC by epoch
DIR/score_distribution.png the shipped model's calibrated test scores, licit against illicit
DIR/<model>.pt / .pkl      the trained models (GNN state dicts; the baseline's fitted trees)
"""

import json
import pickle
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on a server

import matplotlib.pyplot as plt
import numpy as np
import torch

from graphml.training import BASELINE, TrainingReport


def write_report(report: TrainingReport, directory: Path, *, extra: dict | None = None) -> Path:
    """`extra`: more top-level keys for report.json (the data set, a published table to compare with)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(json.dumps({**report.summary(), **(extra or {})}, indent=2) + "\n")
    for name, result in report.results.items():
        if name == BASELINE:
            with open(directory / f"{name}.pkl", "wb") as handle:
                pickle.dump(result.state, handle)
        else:
            torch.save(result.state, directory / f"{name}.pt")
    _curves(report, directory / "training_curves.png")
    _scores(report, directory / "score_distribution.png")
    return directory / "report.json"


def _curves(report: TrainingReport, path: Path) -> None:
    figure, (loss_axis, auc_axis) = plt.subplots(1, 2, figsize=(10, 4))
    for name, result in report.results.items():
        if result.curve:
            epochs = [point["epoch"] for point in result.curve]
            loss_axis.plot(epochs, [point["loss"] for point in result.curve], label=name)
            auc_axis.plot(epochs, [point["val_pr_auc"] for point in result.curve], label=name)
    loss_axis.set(title="training loss", xlabel="epoch")
    auc_axis.set(title="validation PR-AUC", xlabel="epoch", ylim=(0, 1))
    auc_axis.axhline(report.results[BASELINE].val_pr_auc, linestyle="--", color="grey", label=BASELINE)
    for axis in (loss_axis, auc_axis):
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _scores(report: TrainingReport, path: Path) -> None:
    shipped = report.results[report.shipped]
    probabilities, y = shipped.test_probabilities, report.test_labels
    figure, axis = plt.subplots(figsize=(6, 4))
    bins = np.linspace(0, 1, 41)
    axis.hist(probabilities[y == 0], bins=bins, alpha=0.6, label="licit", log=True)
    axis.hist(probabilities[y == 1], bins=bins, alpha=0.6, label="illicit", log=True)
    axis.axvline(shipped.test["threshold"], color="black", linestyle="--", label="threshold")
    axis.set(title=f"{report.shipped}: calibrated test scores", xlabel="probability illicit", ylabel="count")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
