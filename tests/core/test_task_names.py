"""Every task name the database or a job row sends is a task the worker knows, and each task is named after
the service it runs: a renamed task whose stored schedule kept the old name would be sent and never run."""

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from app.celery import app as celery_app
from core.jobs import JobRow


def registered() -> set[str]:
    celery_app.loader.import_default_modules()  # the workers' autodiscovery of every app's tasks.py
    return set(celery_app.tasks)


@pytest.mark.django_db
def test_every_stored_schedule_sends_a_task_a_worker_knows():
    scheduled = set(PeriodicTask.objects.exclude(task="").values_list("task", flat=True))
    assert scheduled, "the migrations store the schedules"
    assert scheduled - registered() == set()


def test_every_job_row_names_a_task_a_worker_knows():
    named = {model.task_name for model in apps.get_models() if issubclass(model, JobRow) and model.task_name}
    assert named == {"chain.ingest_run_execute", "graphml.labeling_job_execute"}
    assert named - registered() == set()


def test_each_task_is_named_after_the_service_its_body_runs():
    ours = sorted(name for name in registered() if not name.startswith("celery."))
    assert len(ours) >= 12
    misnamed = [
        (name, celery_app.tasks[name].__name__)
        for name in ours
        if not name.endswith(f".{celery_app.tasks[name].__name__}")
    ]
    assert misnamed == []


@pytest.mark.django_db
@pytest.mark.parametrize("app_label", ["chain", "graphml", "screening"])
def test_a_schedule_an_admin_stored_under_an_old_name_is_renamed_and_renamed_back(app_label):
    migration = importlib.import_module(f"{app_label}.migrations.{_task_names_migration(app_label)}")
    (old, new), *_ = migration.RENAMED.items()
    every = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.create(name="an admin's own", task=old, args="[1]", interval=every)
    migration.forward(apps, None)
    assert PeriodicTask.objects.get(name="an admin's own").task == new
    assert new in registered()
    migration.backward(apps, None)
    assert PeriodicTask.objects.get(name="an admin's own").task == old


def _task_names_migration(app_label: str) -> str:
    folder = Path(importlib.import_module(f"{app_label}.migrations").__file__).parent
    (found,) = [path.stem for path in folder.glob("*_task_names.py")]
    return found
