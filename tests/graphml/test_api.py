"""Labeling as the web app shows it: jobs with progress, models with metrics, and only the report's plots."""

import pytest
from django.test import Client

from graphml.models import LabelingJob, ModelVersion
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
    assert b"".join(plot.streaming_content) == PNG


def test_nothing_but_the_reports_own_plots_is_served(signed_in, model):
    for name in ("score_distribution", "report", "..%2F..%2Fetc%2Fpasswd", "training_curves.png%00"):
        assert signed_in.get(f"/api/v1/labeling/models/3/plots/{name}.png").status_code == 404
    assert signed_in.get("/api/v1/labeling/models/99/plots/training_curves.png").status_code == 404
    assert Client().get("/api/v1/labeling/jobs/").status_code == 403
