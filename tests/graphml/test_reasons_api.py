"""Why the model scored an address or a cluster, in words, with the neighbours that pushed it up; and the
model view's figures (models side by side, recall per typology, the confusion matrix, the graph's risk
distribution), as the address, cluster and model pages read them."""

import pytest
from django.utils import timezone

from graph.ml import flag_clusters, write_address_scores, write_reasons
from graphml.models import LabelingJob, ModelVersion
from tests.chain.blockmaker import ChainMaker, to
from tests.graphml.test_api import signed_in  # noqa: F401 - pytest passes the fixture
from tests.investigations.test_exploration import addr

pytestmark = pytest.mark.django_db
BTC = 100_000_000


@pytest.fixture
def heist(ingest, chain_graph, tmp_path):
    """T1 and T2 are spent together (one cluster) to pay the shop and T3; T1 and T2 scored and explained."""
    chain = ChainMaker(time=1_700_000_000)
    t1, t2 = chain.block(miner="T1"), chain.block(miner="T2")
    chain.block(chain.spend((t1, 0), (t2, 0), outputs=[(60 * BTC, to("shop")), (39 * BTC, to("T3"))]), fees=BTC)
    assert ingest("blk", chain.write_blk(tmp_path / "heist.dat"), network="regtest").status == "succeeded"
    thief, shop = [addr("T1"), addr("T2")], addr("shop")
    write_address_scores(chain_graph, [{"address": a, "risk": 0.93, "label": "illicit"} for a in thief], model="v1")
    write_address_scores(chain_graph, [{"address": shop, "risk": 0.2, "label": "licit"}], model="v1")
    write_reasons(
        chain_graph,
        [
            {"address": thief[0], "features": ["coinjoin_share", "log_n_tx", "script_p2pkh"],
             "weights": [1.5, 0.3, -0.2], "neighbours": [thief[1], shop]},
            {"address": thief[1], "features": ["coinjoin_share", "kept_share", "log_fee"],
             "weights": [0.9, 0.6, 0.1], "neighbours": [shop]},
        ],
    )  # fmt: skip
    cluster = chain_graph.read(
        "MATCH (:Address {address: $a})-[:IN_CLUSTER]->(c:Cluster) RETURN c.cluster_id AS c", a=thief[0]
    )[0]["c"]
    flag_clusters(chain_graph, model="v1")
    return {"thief": thief, "shop": shop, "cluster": cluster, "store": chain_graph}


def test_an_addresses_reasons_read_in_words_with_direction_and_weight(signed_in, heist):  # noqa: F811
    answer = signed_in.get(f"/api/v1/labeling/reasons/addresses/{heist['thief'][0]}/").json()
    assert (answer["model"], answer["risk"], answer["explained"]) == ("v1", 0.93, 1)
    assert [(r["text"], r["direction"], r["weight"]) for r in answer["reasons"]] == [
        ("Share of its transactions that are CoinJoins", "raises", 0.75),
        ("Number of transactions it took part in", "raises", 0.15),
        ("Script type P2PKH (legacy, starts with 1)", "lowers", 0.1),
    ]
    assert answer["reasons"][2]["sentence"].endswith("lowered the risk (10 % of the weight)")


def test_an_addresses_influential_neighbours_come_with_their_risk_and_cluster(signed_in, heist):  # noqa: F811
    answer = signed_in.get(f"/api/v1/labeling/reasons/addresses/{heist['thief'][0]}/").json()
    assert [(n["address"], n["risk"], n["label"], n["same_cluster"]) for n in answer["neighbours"]] == [
        (heist["thief"][1], 0.93, "illicit", True),
        (heist["shop"], 0.2, "licit", False),
    ], "strongest first, as the job stored them"


def test_the_address_answer_keeps_its_raw_reasons(signed_in, heist):  # noqa: F811
    """The explorer and screening read these: the worded reasons came beside them, not instead."""
    detail = signed_in.get(f"/api/v1/addresses/{heist['thief'][0]}/").json()
    assert detail["reasons"] == ["coinjoin_share", "log_n_tx", "script_p2pkh"]
    assert detail["reason_weights"] == [1.5, 0.3, -0.2]
    assert detail["influential"] == [heist["thief"][1], heist["shop"]]


def test_a_clusters_reasons_combine_its_explained_members(signed_in, heist):  # noqa: F811
    answer = signed_in.get(f"/api/v1/labeling/reasons/clusters/{heist['cluster']}/").json()
    assert (answer["explained"], answer["complete"], answer["risk"]) == (2, True, 0.93)
    texts = [r["text"] for r in answer["reasons"]]
    assert texts[0] == "Share of its transactions that are CoinJoins", "named by both members: 1.5 + 0.9"
    assert answer["reasons"][0]["weight"] == pytest.approx(2.4 / 3.6, abs=1e-4)
    assert set(texts[1:]) == {
        "Share of what it received that it kept rather than passed on",
        "Number of transactions it took part in",
        "Script type P2PKH (legacy, starts with 1)",
        "Fees of its transactions",
    }
    assert [(n["address"], n["influenced"], n["same_cluster"]) for n in answer["neighbours"]] == [
        (heist["shop"], 2, False),
        (heist["thief"][1], 1, True),
    ], "the neighbour that pushed both members up first"


def test_an_address_no_job_explained_has_no_reasons_and_unknown_ones_are_404(signed_in, heist):  # noqa: F811
    answer = signed_in.get(f"/api/v1/labeling/reasons/addresses/{heist['shop']}/").json()
    assert (answer["reasons"], answer["neighbours"], answer["explained"]) == ([], [], 0)
    missing = signed_in.get("/api/v1/labeling/reasons/addresses/bcrt1qnotinthegraph/")
    assert missing.status_code == 404
    assert "bcrt1qnotinthegraph" in missing.json()["detail"]
    assert signed_in.get("/api/v1/labeling/reasons/clusters/nosuchcluster/").status_code == 404


def test_reasons_need_a_team(client, heist):
    assert client.get(f"/api/v1/labeling/reasons/addresses/{heist['shop']}/").status_code == 403
    assert client.get(f"/api/v1/labeling/reasons/clusters/{heist['cluster']}/").status_code == 403
    assert client.get("/api/v1/labeling/risk-distribution/").status_code == 403


def _model(version: int, **fields) -> ModelVersion:
    defaults = {"kind": "sign", "directory": "/nowhere", "threshold": 0.6, "calibration": {}, "feature_spec": {}}
    return ModelVersion.objects.create(version=version, trained_until=10, **defaults | fields)


def test_the_risk_distribution_counts_the_graphs_scores_and_follows_a_new_job(signed_in, heist):  # noqa: F811
    model = _model(1, metrics={}, report={}, active=True)
    answer = signed_in.get("/api/v1/labeling/risk-distribution/").json()
    assert (answer["scored"], answer["threshold"], len(answer["buckets"])) == (3, 0.6, 20)
    counts = {(b["low"], b["high"]): b["addresses"] for b in answer["buckets"] if b["addresses"]}
    assert counts == {(0.2, 0.25): 1, (0.9, 0.95): 2}

    write_address_scores(heist["store"], [{"address": heist["shop"], "risk": 1.0, "label": "illicit"}], model="v2")
    LabelingJob.objects.create(model_version=model, status="succeeded", finished_at=timezone.now())
    counts = {b["low"]: b["addresses"] for b in signed_in.get("/api/v1/labeling/risk-distribution/").json()["buckets"]}
    assert (counts[0.2], counts[0.95]) == (0, 1), "a risk of exactly 1 is in the top bucket"


REPORT = {
    "shipped": "sign",
    "models": {
        "gradient_boosting": {"val_pr_auc": 0.79, "seconds": 3.0, "test": {
            "pr_auc": 0.81, "f1": 0.77, "precision": 0.82, "recall": 0.72, "threshold": 0.7,
            "confusion": {"tn": 900, "fp": 20, "fn": 40, "tp": 100},
            "recall_by_typology": {"ransomware": 0.9, "sanctioned": 0.3}}},
        "sign": {"val_pr_auc": 0.98, "seconds": 54.0, "test": {
            "pr_auc": 0.91, "f1": 0.82, "precision": 0.77, "recall": 0.86, "threshold": 0.6,
            "confusion": {"tn": 890, "fp": 30, "fn": 20, "tp": 120},
            "recall_by_typology": {"ransomware": 0.95, "sanctioned": 0.51},
            "illicit_by_typology": {"ransomware": 100, "sanctioned": 40}}},
    },
}  # fmt: skip


def test_a_model_shows_its_confusion_matrix_recall_per_typology_and_its_runs_models(signed_in):  # noqa: F811
    shipped = REPORT["models"]["sign"]["test"]
    _model(2, metrics=shipped, report=REPORT, active=True)
    _model(1, metrics={"pr_auc": 0.7}, report={})  # registered before the figures were kept
    newest, oldest = signed_in.get("/api/v1/labeling/models/").json()
    assert newest["confusion"] == {"tn": 890, "fp": 30, "fn": 20, "tp": 120}
    assert newest["recall_by_typology"] == [
        {"typology": "ransomware", "recall": 0.95, "illicit": 100},
        {"typology": "sanctioned", "recall": 0.51, "illicit": 40},
    ]
    assert [(m["name"], m["shipped"], m["pr_auc"], m["f1"]) for m in newest["compared"]] == [
        ("sign", True, 0.91, 0.82),
        ("gradient_boosting", False, 0.81, 0.77),
    ], "the shipped one first, the others beside it"
    baseline = newest["compared"][1]
    assert baseline["recall_by_typology"][1] == {"typology": "sanctioned", "recall": 0.3, "illicit": None}
    assert baseline["confusion"]["tp"] == 100
    assert (oldest["confusion"], oldest["recall_by_typology"], oldest["compared"]) == (None, [], [])
