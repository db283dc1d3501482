"""Celery entry points for labeling: ids in, a service call out."""

from celery import shared_task

from graphml.jobs import labeling_job_execute


@shared_task(name="graphml.label")
def label(job_id: int) -> str:
    """Not retried automatically: a failed job is recorded; a new job re-runs it (writes are idempotent)."""
    return labeling_job_execute(job_id=job_id).status
