"""Jobs whose owner died with no task left to redeliver them, sent again.

A pool child killed mid-job is redelivered at once (late acks, reject on a lost worker). A whole worker
killed with kill -9 is not: its unacknowledged task comes back only after the broker's visibility
timeout (hours on Redis). Beat runs this every minute: a running row whose lease ran out has lost its
owner, so its task is sent again and the claim (core/jobs.py) lets exactly one attempt take it over.
"""

import logging

from celery import current_app
from django.apps import apps
from django.utils import timezone

from core.jobs import JobRow

log = logging.getLogger(__name__)


def jobs_expired_resend() -> int:
    """Send the task of every running job whose lease ran out; how many were sent."""
    sent = 0
    for model in _job_models():
        expired = model.objects.filter(status=JobRow.Status.RUNNING, lease_expires_at__lt=timezone.now())
        for job_id in expired.values_list("pk", flat=True):
            log.warning("%s %s: its owner's lease ran out; sending its task again", model.__name__, job_id)
            current_app.send_task(model.task_name, args=[job_id])
            sent += 1
    return sent


def _job_models() -> list[type[JobRow]]:
    return [model for model in apps.get_models() if issubclass(model, JobRow) and model.task_name]
