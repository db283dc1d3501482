"""Calibration, the decision threshold, and the metrics every training report holds for every model.

Scores are calibrated on the validation period (Platt scaling: a logistic fit of
the outcome on the raw score), and the threshold is the lowest one whose
validation precision reaches the target, so an analyst's queue holds mostly true
positives; where no threshold reaches it, the one with the best F1.
"""

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, confusion_matrix, precision_recall_curve


@dataclass
class Calibrator:
    """Raw score (logit or log-odds) → probability of being illicit."""

    slope: float = 1.0
    intercept: float = 0.0

    @classmethod
    def fit(cls, scores: np.ndarray, y: np.ndarray) -> "Calibrator":
        if len(np.unique(y)) < 2:
            return cls()
        model = LogisticRegression(C=1e6).fit(scores.reshape(-1, 1), y)
        return cls(float(model.coef_[0, 0]), float(model.intercept_[0]))

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        """expit: no overflow where a score is far out (1 / (1 + exp(-z)) overflows exp for z below -709)."""
        return expit(self.slope * np.asarray(scores, dtype=np.float64) + self.intercept)


def threshold_for_precision(probabilities: np.ndarray, y: np.ndarray, target: float) -> float:
    precision, recall, thresholds = precision_recall_curve(y, probabilities)
    if len(thresholds) == 0:
        return 0.5
    reaching = np.flatnonzero(precision[:-1] >= target)
    if len(reaching):
        return float(thresholds[reaching[0]])
    f1 = 2 * precision[:-1] * recall[:-1] / np.maximum(precision[:-1] + recall[:-1], 1e-12)
    return float(thresholds[int(np.argmax(f1))])


def metrics(probabilities: np.ndarray, y: np.ndarray, threshold: float, typologies: list[str]) -> dict:
    """Illicit-class precision, recall, F1, PR-AUC, precision@k, the confusion matrix, recall per typology (and
    how many illicit test addresses each typology had, so a recall of 0.51 reads against its count)."""
    predicted = probabilities >= threshold
    tn, fp, fn, tp = confusion_matrix(y, predicted, labels=[0, 1]).ravel().tolist()
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    k = min(100, len(y))
    top = np.argsort(-probabilities, kind="stable")[:k]
    by_typology: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for name, hit, label in zip(typologies, predicted, y, strict=True):
        if label == 1:
            by_typology[name or "unknown"][0] += int(hit)
            by_typology[name or "unknown"][1] += 1
    return {
        "threshold": threshold,
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "pr_auc": float(average_precision_score(y, probabilities)) if y.any() else 0.0,
        f"precision_at_{k}": float(y[top].mean()) if k else 0.0,
        "confusion": {"tn": tn, "fp": fp, "fn": fn, "tp": tp},
        "recall_by_typology": {name: hits / total for name, (hits, total) in sorted(by_typology.items())},
        "illicit_by_typology": {name: total for name, (_, total) in sorted(by_typology.items())},
        "support": {"illicit": int(y.sum()), "licit": int(len(y) - y.sum())},
    }
