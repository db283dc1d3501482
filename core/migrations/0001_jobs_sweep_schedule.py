"""The sweep of jobs whose owner died (core/sweep.py), every minute, as a row an admin can edit."""

from django.db import migrations

NAME = "Send again the jobs whose worker died"


def create(apps, schema_editor):
    interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = interval.objects.get_or_create(every=1, period="minutes")
    periodic.objects.get_or_create(name=NAME, defaults={"task": "core.jobs_expired_resend", "interval": every})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create, remove)]
