"""The Celery application: configured from Django settings (CELERY_ prefix).

The reliability settings (late acks, requeue when a worker dies, prefetch 1,
time limits below the visibility timeout, JSON only) live in app/settings.py so
they are visible beside the broker they depend on.
"""

import os

from celery import Celery
from celery.signals import beat_init, celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")

app = Celery("chainsleuth")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@celeryd_init.connect
@beat_init.connect
def _start_embedded_server(**_kwargs) -> None:
    """Worker and beat may be the first processes up; they start the embedded server if it is used."""
    from core.embedded import ensure_running_if_needed

    ensure_running_if_needed()
