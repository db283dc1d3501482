"""What the model page reads of a registered version: its training run's models side by side, recall per
typology and the confusion matrix, from the report the run left (graphml/training.py `summary`), and the
graph's risk distribution.

Versions registered before a figure existed lack it: each read gives None or nothing for what is missing,
never an error, so an old version still shows what it has.
"""

from graph.ml import risk_histogram
from graph.store import GraphStore

BUCKETS = 20


def typology_recall(metrics: dict) -> list[dict]:
    """[{typology, recall, illicit}] from test metrics; `illicit`: the test period's illicit addresses of that
    typology (None for versions trained before it was kept)."""
    counts = metrics.get("illicit_by_typology") or {}
    return [
        {"typology": name, "recall": float(recall), "illicit": counts.get(name)}
        for name, recall in sorted((metrics.get("recall_by_typology") or {}).items())
    ]


def models_compared(report: dict) -> list[dict]:
    """Every model the version's training run trained, the shipped one first, then by test PR-AUC."""
    rows = []
    for name, result in (report.get("models") or {}).items():
        test = result.get("test") or {}
        rows.append(
            {
                "name": name,
                "shipped": name == report.get("shipped"),
                "val_pr_auc": result.get("val_pr_auc"),
                "seconds": result.get("seconds"),
                **{key: test.get(key) for key in ("pr_auc", "f1", "precision", "recall", "threshold")},
                "confusion": test.get("confusion"),
                "recall_by_typology": typology_recall(test),
            }
        )
    return sorted(rows, key=lambda row: (not row["shipped"], -(row["pr_auc"] or 0.0)))


def risk_distribution(store: GraphStore, *, buckets: int = BUCKETS) -> list[dict]:
    """[{low, high, addresses}] over 0 to 1 in `buckets` equal ranges (one aggregate query)."""
    counts = risk_histogram(store, buckets=buckets)
    return [
        {"low": round(i / buckets, 6), "high": round((i + 1) / buckets, 6), "addresses": n}
        for i, n in enumerate(counts)
    ]
