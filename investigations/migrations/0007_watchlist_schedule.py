"""The watchlist check's schedule, as a row an admin can edit or disable (django_celery_beat)."""

from django.db import migrations

NAME = "Check watchlists for new activity"


def create(apps, schema_editor):
    interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    periodic = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = interval.objects.get_or_create(every=5, period="minutes")
    periodic.objects.get_or_create(name=NAME, defaults={"task": "investigations.watchlists_check", "interval": every})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("investigations", "0006_alerts_watchlists"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
