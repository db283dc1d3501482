"""Train on a small simulated world read from the graph: the models learn, the report holds them all."""

import json

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from graphml.runs import train_run
from graphml.training import BASELINE, TrainSpec
from tests.graphml.conftest import FAST

pytestmark = pytest.mark.django_db


def test_a_training_run_beats_chance_and_reports_every_model_beside_the_baseline(world_graph, tmp_path):
    store, truth = world_graph
    report = train_run(store=store, truth=truth, directory=tmp_path / "run", spec=FAST)
    base_rate = report.test_labels.mean()
    assert 0 < base_rate < 0.5
    assert set(report.results) == {"graphsage", "gat", BASELINE}
    shipped = report.results[report.shipped]
    assert report.shipped == max(report.results, key=lambda name: report.results[name].val_pr_auc)
    assert shipped.test["pr_auc"] > 2 * base_rate, "clearly better than ranking at random"
    assert shipped.test["f1"] > 0.5
    saved = json.loads((tmp_path / "run" / "report.json").read_text())
    assert set(saved["models"]) == {"graphsage", "gat", BASELINE}
    for name in saved["models"]:
        test = saved["models"][name]["test"]
        assert {"precision", "recall", "f1", "pr_auc", "confusion", "recall_by_typology", "threshold"} <= set(test)
        assert sum(test["confusion"].values()) == len(report.test_labels)
    assert saved["split"]["train_until"] < saved["split"]["val_until"]
    for picture in ("training_curves.png", "score_distribution.png"):
        assert (tmp_path / "run" / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "run" / "graphsage.pt").is_file()
    assert (tmp_path / "run" / f"{BASELINE}.pkl").is_file()


def test_the_same_seed_trains_the_same_model(world_graph, tmp_path):
    store, truth = world_graph
    spec = TrainSpec(models=("graphsage",), epochs=15, patience=15, hidden=16, seed=4)
    first = train_run(store=store, truth=truth, directory=tmp_path / "a", spec=spec)
    again = train_run(store=store, truth=truth, directory=tmp_path / "b", spec=spec)
    assert np.array_equal(first.results["graphsage"].test_probabilities, again.results["graphsage"].test_probabilities)


def test_the_train_command_prints_the_table_and_refuses_a_missing_truth(world_graph, tmp_path, capsys):
    _, truth = world_graph
    call_command(
        "train", "--truth", str(truth), "--out", str(tmp_path / "cmd"), "--models", "graphsage", "--epochs", "10"
    )
    printed = capsys.readouterr().out
    assert all(word in printed for word in ("graphsage", BASELINE, "shipped")), printed

    with pytest.raises(CommandError, match="no ground truth"):
        call_command("train", "--truth", str(tmp_path / "missing.csv"))


def test_the_first_training_run_on_a_3000_transaction_demo_world_learns(chain_graph, tmp_path):
    """DEMO_WORLD_TXS=3000: its few illicit addresses cluster in time, so cutting at the quantiles of every
    labelled address left the validation period without one; the split falls back to the illicit ones'."""
    from chain.services import demo_world_load

    assert demo_world_load(txs=3_000, directory=tmp_path / "demo").status == "succeeded"
    quick = TrainSpec(models=("graphsage",), epochs=5, patience=5, hidden=16, seed=1)
    report = train_run(store=chain_graph, truth=tmp_path / "demo" / "truth.csv", directory=tmp_path / "m", spec=quick)
    assert report.split.train_until < report.split.val_until
    assert set(report.results) == {"graphsage", BASELINE}
    assert report.test_labels.any(), "the test period holds an illicit address too"
