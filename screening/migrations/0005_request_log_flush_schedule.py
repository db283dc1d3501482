"""The request log's flush, as a row an admin can edit (django_celery_beat)."""

from django.db import migrations

NAME = "Move buffered request-log rows into the table"


def create(apps, schema_editor):
    interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = interval.objects.get_or_create(every=1, period="minutes")
    periodic.objects.get_or_create(name=NAME, defaults={"task": "screening.request_log_flush", "interval": every})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0004_request_log_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
