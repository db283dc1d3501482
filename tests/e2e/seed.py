"""The data the browser tests meet, written into the e2e server's own database and graph by the same services
the app uses: a team of two, a small chain in which a thief's cluster pays a shop, the thief's addresses
scored illicit (as a labeling job would), and the alert the flagged cluster raised; and a wallet cluster of
37 addresses swept together, some scored licit (the explorer's layout of a bigger cluster).

    python -m tests.e2e.seed <work dir>     (DJANGO_SETTINGS_MODULE, DATABASE_URL and GRAPH_NAME set)

Prints what it made, as JSON, for the tests to use."""

import json
import sys
from pathlib import Path

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from chain.services import ingest_run_create, ingest_run_execute  # noqa: E402
from graph import get_graph  # noqa: E402
from graph.ml import flag_clusters, write_address_scores  # noqa: E402
from investigations.models import Alert, Membership, Team  # noqa: E402
from tests.chain.blockmaker import ChainMaker, to  # noqa: E402
from tests.investigations.test_exploration import addr  # noqa: E402

BTC = 100_000_000
PASSWORD = "a long e2e password"
WALLET = 37  # the wallet cluster's addresses: W0 … W36


def chain_written(work: Path) -> None:
    """T1 and T2 mine; one transaction spends both (so they are one cluster) and pays the shop; the shop
    pays a supplier; others mine around them."""
    chain = ChainMaker(time=1_700_000_000)
    t1, t2 = chain.block(miner="T1"), chain.block(miner="T2")
    heist = chain.spend((t1, 0), (t2, 0), outputs=[(60 * BTC, to("shop")), (39 * BTC, to("T3"))])
    chain.block(heist, miner="m1", fees=BTC)
    from chain.serialization import txid_of

    chain.block(chain.spend((txid_of(heist), 0), outputs=[(59 * BTC, to("supplier"))]), miner="m2", fees=BTC)
    for i in range(3):
        chain.block(miner=f"m{3 + i}")
    wallet_mined(chain)
    run = ingest_run_execute(
        run_id=ingest_run_create(kind="blk", source=str(chain.write_blk(work / "e2e.dat")), network="regtest").id
    )
    assert run.status == "succeeded", run.error


def wallet_mined(chain: ChainMaker) -> None:
    """A wallet of WALLET addresses, each mined a block, swept in one transaction (so they are one cluster)
    to a cold address with the change back to W0: W0 both spends into and is paid by the sweep, two edges
    of one transaction."""
    coins = [chain.block(miner=f"W{i}") for i in range(WALLET)]
    sweep = chain.spend(*((coin, 0) for coin in coins), outputs=[(1800 * BTC, to("cold")), (49 * BTC, to("W0"))])
    chain.block(sweep, miner="m9", fees=BTC)


def model_recorded(work: Path) -> None:
    """The model the scores came from, as a training run leaves it: a version row, its plots, a finished job."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from graphml.models import LabelingJob, ModelVersion

    folder = work / "model"
    folder.mkdir()
    figure, axes = plt.subplots(figsize=(4, 3))
    axes.plot([0, 1, 2, 3], [0.5, 0.7, 0.8, 0.85])
    axes.set_title("validation PR-AUC by epoch")
    figure.savefig(folder / "training_curves.png", dpi=60)
    model = ModelVersion.objects.create(
        version=1, kind="gat", directory=str(folder), threshold=0.5, calibration={}, feature_spec={},
        metrics=GAT_TEST, report=REPORT, trained_until=7, active=True,
    )  # fmt: skip
    LabelingJob.objects.create(
        model_version=model, status="succeeded", addresses_total=12, addresses_scored=12, flagged=2, clusters_flagged=1
    )


# The training run's figures the model page shows (graphml/evaluation.py metrics, training.py summary).
GAT_TEST = {
    "pr_auc": 0.873, "precision": 0.81, "recall": 0.77, "f1": 0.79, "threshold": 0.5,
    "confusion": {"tn": 2100, "fp": 41, "fn": 53, "tp": 177},
    "recall_by_typology": {"ransomware": 0.93, "peel_chain": 0.81, "sanctioned": 0.51},
    "illicit_by_typology": {"ransomware": 90, "peel_chain": 70, "sanctioned": 70},
}  # fmt: skip
REPORT = {
    "shipped": "gat",
    "models": {
        "gat": {"val_pr_auc": 0.979, "seconds": 291.0, "test": GAT_TEST},
        "gradient_boosting": {"val_pr_auc": 0.855, "seconds": 12.0, "test": {
            "pr_auc": 0.772, "precision": 0.782, "recall": 0.701, "f1": 0.739, "threshold": 0.6,
            "confusion": {"tn": 2095, "fp": 46, "fn": 69, "tp": 161},
            "recall_by_typology": {"ransomware": 0.88, "peel_chain": 0.52, "sanctioned": 0.34}}},
    },
}  # fmt: skip


def reasons_written(store, thief: list[str], shop: str) -> None:
    """The thief's addresses explained, as a labeling job writes reasons: features, attributions, neighbours."""
    from graph.ml import write_reasons

    rows = [
        {"address": thief[0], "features": ["illicit_tag_sent_share", "coinjoin_share", "script_p2pkh"],
         "weights": [1.6, 0.3, -0.1], "neighbours": [thief[1], shop]},
        {"address": thief[1], "features": ["coinjoin_share", "log_mean_spend_outputs", "kept_share"],
         "weights": [0.8, 0.5, 0.2], "neighbours": [shop]},
    ]  # fmt: skip
    write_reasons(store, rows)


def main(work: Path) -> None:
    chain_written(work)
    model_recorded(work)
    store = get_graph()
    thief = [addr("T1"), addr("T2")]
    write_address_scores(store, [{"address": a, "risk": 0.93, "label": "illicit"} for a in thief], model="e2e")
    write_address_scores(store, [{"address": addr("shop"), "risk": 0.2, "label": "licit"}], model="e2e")
    licit = [{"address": addr(f"W{i}"), "risk": 0.03 * i, "label": "licit"} for i in range(1, 15)]
    write_address_scores(store, licit, model="e2e")  # some of the wallet scored, all below the flag
    flag_clusters(store, model="e2e")
    reasons_written(store, thief, addr("shop"))
    cluster_of = "MATCH (:Address {address: $a})-[:IN_CLUSTER]->(c:Cluster) RETURN c.cluster_id AS c"
    cluster = store.read(cluster_of, a=thief[0])
    wallet = store.read(cluster_of, a=addr("W0"))[0]["c"]
    blue = Team.objects.create(name="Blue")
    # sam leads team Blue as its admin: only an admin makes someone a supervisor (test_case_flow invites sue).
    for name, role in (("ana", Membership.Role.ANALYST), ("sam", Membership.Role.ADMIN)):
        user = get_user_model().objects.create_user(name, password=PASSWORD)
        Membership.objects.create(user=user, team=blue, role=role)
    from investigations.tagging import tag_add

    tag_add(
        user=get_user_model().objects.get(username="sam"),
        address=addr("shop"),
        label="Shop",
        category="exchange",
        visibility="public",
    )
    Alert.objects.create(
        team=blue,
        source=Alert.Source.LABELING,
        kind="cluster",
        ref=cluster[0]["c"],
        title="Cluster flagged illicit by model e2e",
        risk=0.93,
    )
    made = {"thief": thief, "shop": addr("shop"), "supplier": addr("supplier"), "cluster": cluster[0]["c"]}
    print(json.dumps({**made, "wallet": wallet, "w0": addr("W0")}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
