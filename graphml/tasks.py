"""Celery entry points for labeling: ids in, a service call out."""

from pathlib import Path

from celery import shared_task

from graphml.jobs import first_model_bootstrap, labeling_job_execute, nightly_labeling


@shared_task(name="graphml.label")
def label(job_id: int) -> str:
    """Not retried automatically: a failed job is recorded; a new job re-runs it (writes are idempotent).
    Redelivered after its worker died, it takes the job over once the dead worker's lease has run out."""
    return labeling_job_execute(job_id=job_id).status


@shared_task(name="graphml.first_run")
def first_run(truth: str, directory: str) -> str:
    """Queued by the run command on a new installation; does nothing once any model exists."""
    job = first_model_bootstrap(truth=Path(truth), directory=Path(directory))
    return job.status if job else "skipped"


@shared_task(name="graphml.nightly")
def nightly() -> str:
    """Beat runs this every night (the schedule is editable in the admin): label what moved since the last run."""
    job = nightly_labeling()
    return job.status if job else "no active model"
