"""Nightly retraining starts from the active model's weights when the architecture matches, with fewer epochs."""

import csv

import pytest

from graphml.models import ModelVersion
from graphml.registry import model_version_register
from graphml.runs import train_run
from graphml.training import TrainSpec
from tests.graphml.conftest import QUICK_SIGN

pytestmark = pytest.mark.django_db


def _verdicts(truth, count: int) -> None:
    from graphml.outcomes import confirmed_label_record

    with open(truth, newline="") as handle:
        rows = [row for row, _ in zip(csv.DictReader(handle), range(count), strict=False)]
    for i, row in enumerate(rows):
        confirmed_label_record(address=row["address"], illicit=row["label"] == "illicit", source=f"case:{i}")


def test_retraining_warm_starts_the_active_model_with_fewer_epochs(world_graph, settings, tmp_path):
    from graphml.services import model_retrain_if_due

    store, truth = world_graph
    first = train_run(store=store, truth=truth, directory=tmp_path / "v1", spec=QUICK_SIGN)
    active = model_version_register(report=first, directory=tmp_path / "v1", activate=True)
    assert active.kind == "sign"
    settings.RETRAIN_MIN_LABELS, settings.RETRAIN_WARM_EPOCHS = 3, 2
    settings.VAR_DIR, settings.DEMO_WORLD_DIR = tmp_path, truth.parent
    _verdicts(truth, 3)

    retrained = model_retrain_if_due(spec=QUICK_SIGN)
    sign = retrained.report["models"]["sign"]
    assert sign["warm_started"], "it began from v1's weights"
    assert len(sign["curve"]) <= 2, "RETRAIN_WARM_EPOCHS passes at most"
    assert sign["curve"][0]["val_pr_auc"] >= first.results["sign"].val_pr_auc - 0.05, "no relearning from scratch"


def test_another_architecture_retrains_cold(world_graph, settings, tmp_path):
    from graphml.services import model_retrain_if_due

    store, truth = world_graph
    first = train_run(store=store, truth=truth, directory=tmp_path / "v1", spec=QUICK_SIGN)
    model_version_register(report=first, directory=tmp_path / "v1", activate=True)
    settings.RETRAIN_MIN_LABELS, settings.RETRAIN_WARM_EPOCHS = 3, 2
    settings.VAR_DIR, settings.DEMO_WORLD_DIR = tmp_path, truth.parent
    _verdicts(truth, 3)

    wider = TrainSpec(models=("sign",), passes=4, pass_patience=4, hidden=48, seed=1)
    model_retrain_if_due(spec=wider)
    sign = ModelVersion.objects.get(version=2).report["models"]["sign"]
    assert not sign["warm_started"], "hidden 48 is not v1's 32: nothing to start from"
    assert len(sign["curve"]) == 4, "a cold start keeps its own number of passes"
