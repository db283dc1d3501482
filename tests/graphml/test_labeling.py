"""The registry and labeling jobs: scores and flags land in the graph, once, the same every time."""

import csv
import shutil

import pytest
from django.db import IntegrityError

from graphml.models import LabelingJob, ModelVersion
from graphml.registry import (
    RegistryError,
    model_version_files,
    model_version_load,
    model_version_promote,
    model_version_register,
    model_version_rollback,
)
from graphml.runs import train_run
from graphml.services import AddressNotScored, address_explain_deep, labeling_job_create, labeling_job_execute
from graphml.tasks import labeling_job_execute as labeling_job_execute_task
from investigations.models import Alert, Team
from tests.graphml.conftest import FAST

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained(world_graph, tmp_path):
    store, truth = world_graph
    report = train_run(store=store, truth=truth, directory=tmp_path / "model", spec=FAST)
    version = model_version_register(report=report, directory=tmp_path / "model", activate=True)
    return store, truth, version


def scores(store) -> dict[str, tuple]:
    rows = store.read(
        "MATCH (a:Address) RETURN a.address AS a, a.risk AS risk, a.risk_label AS label, a.risk_model AS model"
    )
    return {row["a"]: (row["risk"], row["label"], row["model"]) for row in rows}


def reasons(store) -> dict[str, dict]:
    rows = store.read(
        "MATCH (a:Address) WHERE a.risk_reasons IS NOT NULL RETURN a.address AS a, a.risk_reasons AS features, "
        "a.risk_reason_weights AS weights, a.risk_neighbours AS neighbours"
    )
    return {row.pop("a"): row for row in rows}


def test_a_job_scores_every_address_and_flags_mostly_criminals(trained):
    store, truth, _ = trained
    job = labeling_job_execute(job_id=labeling_job_create(explain_top=5).id)
    assert job.status == LabelingJob.Status.SUCCEEDED, job.error
    written = scores(store)
    assert job.addresses_scored == job.addresses_total == len(written)
    assert all(model == "v1" and 0 <= risk <= 1 for risk, _, model in written.values())
    flagged = {address for address, (_, label, _) in written.items() if label == "illicit"}
    assert job.flagged == len(flagged) > 0
    with open(truth, newline="") as handle:
        illicit = {row["address"] for row in csv.DictReader(handle) if row["label"] == "illicit"}
    assert len(flagged & illicit) / len(flagged) > 0.5, "most of what is flagged is criminal"
    clusters = store.read("MATCH (c:Cluster) WHERE c.flagged = true RETURN count(c) AS n")[0]["n"]
    assert job.clusters_flagged == clusters > 0
    assert job.progress == 1.0
    assert job.seconds > 0


def test_a_job_records_each_phase_as_it_enters_it(trained):
    """What the dashboard polls: the row in the database, not the object the service holds."""
    seen = []

    def saved_phase(job):
        phase = LabelingJob.objects.values_list("phase", flat=True).get(pk=job.pk)
        if not seen or seen[-1] != phase:
            seen.append(phase)

    job = labeling_job_execute(job_id=labeling_job_create(explain_top=2).id, on_progress=saved_phase)
    assert seen == ["reading", "scoring", "writing", "flagging", "explaining"]
    job.refresh_from_db()
    assert (job.status, job.phase) == (LabelingJob.Status.SUCCEEDED, "explaining")


def test_the_riskiest_flagged_addresses_get_their_reasons(trained):
    from graphml.features import ADDRESS_FEATURES

    store, _, _ = trained
    job = labeling_job_execute(job_id=labeling_job_create(explain_top=5).id)
    explained = reasons(store)
    assert job.explained == len(explained) == min(5, job.flagged)
    riskiest = store.read(
        "MATCH (a:Address) WHERE a.risk_label = 'illicit' WITH a ORDER BY a.risk DESC LIMIT 1 RETURN a.address AS a"
    )[0]["a"]
    why = explained[riskiest]
    assert len(why["features"]) == 3
    assert set(why["features"]) <= set(ADDRESS_FEATURES)
    assert why["weights"] == sorted(why["weights"], reverse=True)
    assert why["neighbours"], "some neighbour mattered"
    assert riskiest not in why["neighbours"]
    known = {row["a"] for row in store.read("MATCH (a:Address) RETURN a.address AS a")}
    assert set(why["neighbours"]) <= known
    deep = address_explain_deep(riskiest)  # GNNExplainer, on demand, for one address
    assert deep["address"] == riskiest
    assert len(deep["features"]) == 3
    assert deep["weights"] == sorted(deep["weights"], reverse=True)
    assert set(deep["neighbours"]) <= known - {riskiest}
    with pytest.raises(AddressNotScored, match="not in the graph"):
        address_explain_deep("bcrt1qnowhere")


def test_running_a_job_again_changes_nothing(trained):
    """Scores, reasons (every flagged address has them), and the alerts each team's queue gets for flagged
    clusters (investigations). The second job writes only scores that differ: one changed by hand is put back."""
    store, _, _ = trained
    blue, red = Team.objects.create(name="Blue"), Team.objects.create(name="Red")
    job = labeling_job_execute(job_id=labeling_job_create(explain_top=10_000_000).id)
    first = scores(store), reasons(store)
    flagged = {address for address, (_, label, _) in first[0].items() if label == "illicit"}
    assert job.explained == job.flagged == len(flagged) == len(first[1]) > 5
    assert set(first[1]) == flagged, "every flagged address has its reasons"
    tampered = next(iter(flagged))
    store.write("MATCH (a:Address {address: $a}) SET a.risk = 0.0, a.risk_label = 'licit'", a=tampered)
    alerts = Alert.objects.filter(source="labeling")
    assert alerts.filter(team=blue).count() == alerts.filter(team=red).count() == job.clusters_flagged > 0
    riskiest = alerts.filter(team=blue).order_by("-risk").first()
    assert (riskiest.kind, riskiest.detail["model"]) == ("cluster", "v1")
    riskiest.status = Alert.Status.DISMISSED
    riskiest.save()
    again = labeling_job_execute(job_id=labeling_job_create(explain_top=10_000_000).id)
    assert again.addresses_scored == again.addresses_total == job.addresses_total
    assert (scores(store), reasons(store)) == first
    assert alerts.count() == 2 * job.clusters_flagged, "no alert again, dismissed ones included"


def test_a_cluster_scope_scores_only_that_cluster(trained):
    store, _, _ = trained
    cluster = store.read(
        "MATCH (a:Address)-[:IN_CLUSTER]->(c:Cluster) RETURN c.cluster_id AS id, count(a) AS n ORDER BY n DESC LIMIT 1"
    )[0]
    job = labeling_job_execute(job_id=labeling_job_create(scope=f"cluster:{cluster['id']}", explain_top=5).id)
    scored = [a for a, (risk, _, _) in scores(store).items() if risk is not None]
    assert job.addresses_scored == len(scored) == cluster["n"]
    with pytest.raises(ValueError, match="unknown scope"):
        labeling_job_create(scope="everything")


def test_promote_and_rollback_keep_exactly_one_version_active(trained, tmp_path):
    store, truth, first = trained
    report = train_run(store=store, truth=truth, directory=tmp_path / "second", spec=FAST)
    second = model_version_register(report=report, directory=tmp_path / "second")
    assert (first.active, second.active, second.version) == (True, False, 2)
    model_version_promote(version=2)
    assert list(ModelVersion.objects.filter(active=True).values_list("version", flat=True)) == [2]
    assert model_version_rollback().version == 1
    with pytest.raises(RegistryError, match="no model version 7"):
        model_version_promote(version=7)
    with pytest.raises(IntegrityError):
        ModelVersion.objects.filter(version=2).update(active=True)


def test_a_machine_without_the_trainers_files_loads_the_version_from_the_database(trained, tmp_path):
    _, _, version = trained
    weights = f"{version.kind}.pt"
    assert model_version_files(version) == tmp_path / "model"
    (tmp_path / "model" / weights).write_bytes(b"not these weights")  # changed on disk since registration
    copy = model_version_files(version)
    assert copy != tmp_path / "model"
    assert (copy / weights).read_bytes() == bytes(version.artifacts.get(name=weights).content)
    shutil.rmtree(tmp_path / "model")
    assert model_version_files(version) == copy
    assert {path.name for path in copy.iterdir()} >= {weights, "report.json"}
    assert model_version_load(version).kind == version.kind


def test_without_an_active_model_a_job_cannot_start():
    with pytest.raises(RegistryError, match="no active model"):
        labeling_job_create()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_queued_job(worker, graph, tmp_path):
    from chain.services import ingest_run_create, ingest_run_execute
    from chain.simulator.run import WorldSpec, simulate

    graph.drop_all()
    simulate(WorldSpec(txs=2_000, seed=3, illicit_share=0.1), tmp_path / "world")
    run = ingest_run_create(kind="blk", source=str(tmp_path / "world" / "blocks"), network="regtest")
    assert ingest_run_execute(run_id=run.id).status == "succeeded"
    report = train_run(store=graph, truth=tmp_path / "world" / "truth.csv", directory=tmp_path / "m", spec=FAST)
    model_version_register(report=report, directory=tmp_path / "m", activate=True)
    shutil.rmtree(tmp_path / "m")  # a worker on another machine: it has only the database
    job = labeling_job_create(explain_top=5)
    assert labeling_job_execute_task.delay(job.id).get(timeout=300) == "succeeded"
    job.refresh_from_db()
    assert job.addresses_scored == len(scores(graph)) > 0
    assert job.model_version.version == 1
    graph.drop_all()


def test_the_first_start_trains_a_small_model_on_the_demo_world_and_labels_it(world_graph, tmp_path):
    from graphml.services import model_first_bootstrap

    store, truth = world_graph
    job = model_first_bootstrap(truth=truth, directory=tmp_path / "first")
    assert job.status == LabelingJob.Status.SUCCEEDED
    assert ModelVersion.objects.get().active
    assert job.addresses_scored == len(scores(store))
    assert model_first_bootstrap(truth=truth, directory=tmp_path / "again") is None, "once a model exists"


def test_the_nightly_job_labels_only_what_moved_since_the_last_run(ingest, chain_graph, tmp_path):
    from django_celery_beat.models import PeriodicTask

    from chain.networks import NETWORKS
    from chain.simulator.run import WorldSpec, simulate
    from chain.sources import scan_blk_file
    from graphml.services import labeling_nightly

    world = tmp_path / "world"
    simulate(WorldSpec(txs=4_000, seed=2, illicit_share=0.1), world)
    entries = scan_blk_file(world / "blocks" / "blk00000.dat", NETWORKS["regtest"]).entries
    early = tmp_path / "early.dat"
    early.write_bytes(
        b"".join(
            NETWORKS["regtest"].magic + len(raw).to_bytes(4, "little") + raw
            for raw in (entry.raw() for entry in entries[: len(entries) * 3 // 4])
        )
    )
    assert ingest("blk", early, network="regtest").status == "succeeded"
    assert labeling_nightly() is None, "no model yet"
    report = train_run(store=chain_graph, truth=world / "truth.csv", directory=tmp_path / "m", spec=FAST)
    model_version_register(report=report, directory=tmp_path / "m", activate=True)
    first = labeling_job_execute(job_id=labeling_job_create(explain_top=0).id)
    before = scores(chain_graph)

    assert ingest("blk", world / "blocks", network="regtest").status == "succeeded"
    moved = chain_graph.read("MATCH (a:Address) WHERE a.last_height > $h RETURN a.address AS a", h=first.scored_until)
    job = labeling_nightly()
    assert (job.scope, job.status) == ("since_last", LabelingJob.Status.SUCCEEDED)
    assert job.addresses_scored == len(moved) > 0
    after = scores(chain_graph)
    assert {a for a in after if after[a][0] is not None} == set(before) | {row["a"] for row in moved}
    assert PeriodicTask.objects.get(task="graphml.labeling_nightly").crontab.hour == "2", "an admin-editable schedule"


def test_evaluate_scores_a_version_on_addresses_it_never_trained_on(trained, capsys):
    import json

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from graphml.runs import evaluate_run

    store, truth, version = trained
    result = evaluate_run(store=store, truth=truth)
    assert (result["version"], result["after_block"]) == (1, version.trained_until)
    assert result["f1"] > 0.5
    assert sum(result["confusion"].values()) == sum(result["support"].values()) > 0
    call_command("evaluate", "--truth", str(truth))
    assert json.loads(capsys.readouterr().out)["f1"] == result["f1"]
    with pytest.raises(CommandError, match="no model version 9"):
        call_command("evaluate", "--model", "9", "--truth", str(truth))


def test_the_label_and_models_commands(trained, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("label", "--model", "1", "--explain-top", "0")
    assert "succeeded" in capsys.readouterr().out
    call_command("models", "list")
    assert "* v1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no earlier active version"):
        call_command("models", "rollback")


def test_enough_new_verdicts_retrain_and_the_nightly_run_relabels_with_the_new_model(trained, settings, tmp_path):
    from graphml.outcomes import confirmed_label_record
    from graphml.registry import model_version_active
    from graphml.services import labeling_nightly, model_retrain_if_due

    _, truth, _ = trained
    settings.RETRAIN_MIN_LABELS, settings.VAR_DIR, settings.DEMO_WORLD_DIR = 3, tmp_path, truth.parent
    with open(truth, newline="") as handle:
        rows = list(csv.DictReader(handle))
    illicit = [row["address"] for row in rows if row["label"] == "illicit"]
    licit = [row["address"] for row in rows if row["label"] == "licit"]
    confirmed_label_record(address=illicit[0], illicit=True, source="case:1")
    confirmed_label_record(address=licit[0], illicit=False, source="case:2")
    assert model_retrain_if_due(spec=FAST) is None, "two verdicts are fewer than three"

    confirmed_label_record(address=licit[1], illicit=False, source="case:3")
    job = labeling_nightly(retrain_spec=FAST)
    second = ModelVersion.objects.get(version=2)
    assert job.model_version == model_version_active()
    assert job.scope == ("all" if second.active else "since_last"), "a new active model rescores everything"
    assert job.status == LabelingJob.Status.SUCCEEDED, job.error
    assert model_retrain_if_due(spec=FAST) is None, "the verdicts are in version 2 now"


def test_verdicts_alone_too_few_for_a_split_leave_the_model_as_it_is(trained, settings, tmp_path, caplog):
    from graphml.outcomes import confirmed_label_record
    from graphml.services import model_retrain_if_due

    _, truth, _ = trained
    settings.RETRAIN_MIN_LABELS, settings.VAR_DIR, settings.DEMO_WORLD_DIR = 2, tmp_path, tmp_path / "no-world"
    with open(truth, newline="") as handle:
        first_two = [row["address"] for row, _ in zip(csv.DictReader(handle), range(2), strict=False)]
    for address in first_two:
        confirmed_label_record(address=address, illicit=True, source="case:9")
    assert model_retrain_if_due(spec=FAST) is None
    assert "retraining on 2 new verdicts skipped" in caplog.text
    assert ModelVersion.objects.count() == 1


def test_a_version_trained_on_other_features_is_refused_with_the_reason(trained):
    _, _, version = trained
    version.feature_spec = {**version.feature_spec, "address": version.feature_spec["address"][:-1]}
    version.save()
    job = labeling_job_create()
    with pytest.raises(RegistryError, match="v1 was trained on other features"):
        labeling_job_execute(job_id=job.id)
    job.refresh_from_db()
    assert job.status == LabelingJob.Status.FAILED
    assert "train a new version" in job.error


def test_a_case_scope_scores_only_the_cases_addresses(trained):
    from django.contrib.auth import get_user_model

    from graph.ml import cluster_members
    from investigations.models import Membership, Team
    from investigations.services import case_create, subject_add

    store, _, _ = trained
    user = get_user_model().objects.create_user("ana", password="a long test password")
    Membership.objects.create(user=user, team=Team.objects.create(name="Blue"))
    cluster = store.read("MATCH (c:Cluster) WHERE c.size > 2 RETURN c.cluster_id AS id LIMIT 1")[0]["id"]
    loner = store.read("MATCH (a:Address) WHERE NOT (a)-[:IN_CLUSTER]->() RETURN a.address AS a LIMIT 1")[0]["a"]
    case = case_create(user=user, title="Two subjects")
    subject_add(user=user, case_id=case.id, kind="cluster", ref=cluster)
    subject_add(user=user, case_id=case.id, kind="address", ref=loner)

    job = labeling_job_execute(job_id=labeling_job_create(scope=f"case:{case.id}", explain_top=0).id)
    expected = cluster_members(store, cluster) | {loner}
    assert job.addresses_scored == len(expected)
    assert {a for a, (risk, _, _) in scores(store).items() if risk is not None} == expected
    with pytest.raises(ValueError, match="there is no case 999"):
        labeling_job_create(scope="case:999")
