"""Celery task names became the names of the services they run (docs/architecture.md, Celery): schedules
stored under an old name (django_celery_beat rows, the admin's too) follow, so a deployed beat keeps
sending tasks a worker knows. Reversible."""

from django.db import migrations

RENAMED = {
    "chain.ingest_run": "chain.ingest_run_execute",
}


def forward(apps, schema_editor):
    _rename(apps, RENAMED)


def backward(apps, schema_editor):
    _rename(apps, {new: old for old, new in RENAMED.items()})


def _rename(apps, names: dict[str, str]) -> None:
    periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    for old, new in names.items():
        periodic.objects.filter(task=old).update(task=new)


class Migration(migrations.Migration):
    dependencies = [("chain", "0003_job_lease"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(forward, backward)]
