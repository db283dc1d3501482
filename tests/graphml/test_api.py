"""Labeling as the web app shows it: jobs with progress, models with metrics, and only the report's plots."""

import pytest
from django.test import Client

from chain.models import IngestRun
from graphml.models import LabelingJob, ModelArtifact, ModelVersion
from investigations.models import Membership, Team

pytestmark = pytest.mark.django_db
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


@pytest.fixture
def signed_in(django_user_model):
    user = django_user_model.objects.create_user("ana", password="a long test password")
    Membership.objects.create(user=user, team=Team.objects.create(name="Blue"), role=Membership.Role.ANALYST)
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def model(tmp_path):
    (tmp_path / "training_curves.png").write_bytes(PNG)
    (tmp_path / "report.json").write_text("{}")
    return ModelVersion.objects.create(
        version=3, kind="gat", directory=str(tmp_path), threshold=0.5, calibration={}, feature_spec={},
        metrics={"pr_auc": 0.87, "precision": 0.8}, report={}, trained_until=100, active=True,
    )  # fmt: skip


def test_jobs_and_models_show_progress_metrics_and_the_plots_there_are(signed_in, model):
    LabelingJob.objects.create(model_version=model, status="running", addresses_total=1000, addresses_scored=250)
    (job,) = signed_in.get("/api/v1/labeling/jobs/").json()
    assert (job["version"], job["status"], job["addresses_scored"], job["addresses_total"]) == (3, "running", 250, 1000)
    (shown,) = signed_in.get("/api/v1/labeling/models/").json()
    assert shown["active"]
    assert shown["metrics"]["pr_auc"] == 0.87
    assert shown["plots"] == ["training_curves"], "the score plot was never drawn"
    plot = signed_in.get("/api/v1/labeling/models/3/plots/training_curves.png")
    assert plot["Content-Type"] == "image/png"
    assert plot.content == PNG


def test_a_web_server_without_the_trainers_folder_serves_the_plots_from_the_database(signed_in, model):
    ModelArtifact.objects.create(version=model, name="training_curves.png", content=PNG, sha256="-")
    model.directory = "/nowhere/on/this/machine"
    model.save()
    (shown,) = signed_in.get("/api/v1/labeling/models/").json()
    assert shown["plots"] == ["training_curves"]
    assert signed_in.get("/api/v1/labeling/models/3/plots/training_curves.png").content == PNG


def test_nothing_but_the_reports_own_plots_is_served(signed_in, model):
    for name in ("score_distribution", "report", "..%2F..%2Fetc%2Fpasswd", "training_curves.png%00"):
        assert signed_in.get(f"/api/v1/labeling/models/3/plots/{name}.png").status_code == 404
    assert signed_in.get("/api/v1/labeling/models/99/plots/training_curves.png").status_code == 404
    assert Client().get("/api/v1/labeling/jobs/").status_code == 403


def test_the_jobs_poll_answers_304_until_a_job_moves_on(signed_in, model):
    job = LabelingJob.objects.create(model_version=model, status="running", phase="writing", addresses_total=10)
    first = signed_in.get("/api/v1/labeling/jobs/")
    assert first.json()[0]["phase"] == "writing"
    tag = first["ETag"]
    assert signed_in.get("/api/v1/labeling/jobs/", HTTP_IF_NONE_MATCH=tag).status_code == 304
    LabelingJob.objects.filter(pk=job.pk).update(phase="flagging")
    moved = signed_in.get("/api/v1/labeling/jobs/", HTTP_IF_NONE_MATCH=tag)
    assert moved.status_code == 200
    assert moved.json()[0]["phase"] == "flagging"


def test_the_first_model_reads_as_training_once_the_demo_blocks_are_in(signed_in, settings, tmp_path):
    settings.DEMO_WORLD_TXS, settings.DEMO_WORLD_DIR = 30_000, tmp_path
    state = lambda: signed_in.get("/api/v1/labeling/state/").json()  # noqa: E731
    assert state() == {"active_version": None, "first_model": "not_planned"}, "no ground truth: nothing trains"
    (tmp_path / "truth.csv").write_text("address,label\n")
    assert state()["first_model"] == "waiting_for_blocks"
    run = IngestRun.objects.create(kind="blk", source="demo", status="running")
    assert state()["first_model"] == "waiting_for_blocks"
    IngestRun.objects.filter(pk=run.pk).update(status="succeeded")
    assert state()["first_model"] == "training"
    settings.DEMO_WORLD_TXS = 0
    assert state()["first_model"] == "not_planned", "DEMO_WORLD_TXS=0: the run command trains nothing"


def test_an_active_model_is_the_state(signed_in, model):
    assert signed_in.get("/api/v1/labeling/state/").json() == {"active_version": 3, "first_model": "trained"}
    assert Client().get("/api/v1/labeling/state/").status_code == 403
