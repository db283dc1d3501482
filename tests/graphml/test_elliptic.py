"""Elliptic's published CSV format: small files in that format, written here, read and trained on."""

import json

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from graphml import elliptic
from graphml.dataset import UNLABELLED

STEPS, PER_STEP, FEATURES = 49, 40, 6


def write_elliptic(directory, *, seed=0):
    """Per time step, a few illicit transactions paying each other and licit ones paying each other; illicit
    ones lean on the first feature. A quarter of the classes are 'unknown', as in the real files."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    features, classes, edges = [], ["txId,class"], ["txId1,txId2"]
    for step in range(1, STEPS + 1):
        ids = [100_000 + step * 1_000 + i for i in range(PER_STEP)]
        illicit = set(ids[: PER_STEP // 5])
        for txid in ids:
            x = rng.normal(size=FEATURES) + (1.5 if txid in illicit else 0) * np.eye(FEATURES)[0]
            features.append(",".join([str(txid), str(step), *(f"{v:.5f}" for v in x)]))
            hidden = rng.random() < 0.25
            classes.append(f"{txid},{'unknown' if hidden else '1' if txid in illicit else '2'}")
        for group in (sorted(illicit), [t for t in ids if t not in illicit]):
            for payer, payee in zip(group, group[1:] + group[:1], strict=True):
                edges.append(f"{payer},{payee}")
    (directory / elliptic.FEATURES).write_text("\n".join(features) + "\n")
    (directory / elliptic.CLASSES).write_text("\n".join(classes) + "\n")
    (directory / elliptic.EDGES).write_text("\n".join(edges) + "\n")
    return directory


def test_the_files_read_into_transactions_classes_and_payments(tmp_path):
    data = elliptic.read(write_elliptic(tmp_path / "elliptic"))
    assert data.x.shape == (STEPS * PER_STEP, FEATURES)  # txId and the time step are not features
    assert data.steps.min() == 1
    assert data.steps.max() == STEPS
    assert set(np.unique(data.labels.y)) == {UNLABELLED, 0, 1}
    assert data.edges.shape == (2, STEPS * PER_STEP)
    first_payer, first_payee = data.txids[data.edges[:, 0]]
    assert (first_payer, first_payee) == (101_000, 101_001)


def test_a_period_graph_holds_nothing_from_later_steps(tmp_path):
    data = elliptic.read(write_elliptic(tmp_path / "elliptic"))
    graph = elliptic.graph_until(data, 29)
    later = data.steps > 29
    assert not graph["tx"].x.numpy()[later].any()
    edges = graph["tx", "pays", "tx"].edge_index.numpy()
    assert edges.size
    assert not later[edges].any()


def test_train_reports_every_model_beside_the_published_table(tmp_path, capsys):
    source, out = write_elliptic(tmp_path / "elliptic"), tmp_path / "report"
    call_command(
        "train",
        "--dataset",
        "elliptic",
        str(source),
        "--out",
        str(out),
        "--epochs",
        "30",
        "--models",
        "sign",
        "graphsage",
        "gat",
    )
    printed = capsys.readouterr().out
    assert "Random forest" in printed
    assert "0.788" in printed
    report = json.loads((out / "report.json").read_text())
    assert report["dataset"] == "elliptic"
    assert report["published"]["GCN"]["f1"] == 0.628
    assert report["split"] == {"train_until": 29, "val_until": 34}
    assert set(report["models"]) == {"sign", "graphsage", "gat", "gradient_boosting"}
    assert report["models"]["sign"]["test"]["pr_auc"] > 0.6, "the propagated model reads Elliptic's graph too"
    shipped = report["models"][report["shipped"]]["test"]
    assert shipped["support"]["illicit"] > 0
    assert shipped["pr_auc"] > 0.6  # illicit is 20 % here: chance is 0.2
    assert (out / "training_curves.png").is_file()


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        (elliptic.EDGES, "txId1,txId2\n101000,999\n", "elliptic_txs_edgelist.csv:2: txId '999' is not in"),
        (elliptic.CLASSES, "txId,class\n101000,3\n", "elliptic_txs_classes.csv:2: class '3' is not 1, 2 or unknown"),
        (elliptic.CLASSES, "txId,class\n101000\n", "elliptic_txs_classes.csv:2: expected two comma-separated"),
        (elliptic.FEATURES, "101000,1,0.5\n101001,1,oops\n", "elliptic_txs_features.csv"),
    ],
)
def test_a_file_out_of_format_is_named_with_its_line(tmp_path, file, text, message):
    source = write_elliptic(tmp_path / "elliptic")
    (source / file).write_text(text)
    with pytest.raises(CommandError, match=message.replace(".", r"\.")):
        call_command("train", "--dataset", "elliptic", str(source), "--out", str(tmp_path / "report"))


def test_a_missing_file_or_directory_is_named(tmp_path):
    with pytest.raises(CommandError, match="needs the directory"):
        call_command("train", "--dataset", "elliptic")
    with pytest.raises(CommandError, match=r"elliptic_txs_features\.csv: missing"):
        call_command("train", "--dataset", "elliptic", str(tmp_path))
