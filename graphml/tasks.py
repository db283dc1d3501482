"""Celery entry points for labeling: ids in, a service call out.

Each task is named after the service it runs and imports it in its body: services import this module to
start their tasks (HackSoft's direction), and importing it loads neither the services nor torch."""

from celery import shared_task


@shared_task(name="graphml.labeling_job_execute")
def labeling_job_execute(job_id: int) -> str:
    """Not retried automatically: a failed job is recorded; a new job re-runs it (writes are idempotent).
    Redelivered after its worker died, it takes the job over once the dead worker's lease has run out."""
    from graphml.services import labeling_job_execute

    return labeling_job_execute(job_id=job_id).status


@shared_task(name="graphml.model_first_bootstrap")
def model_first_bootstrap(truth: str, directory: str) -> str:
    """Queued by the run command on a new installation; does nothing once any model exists."""
    from pathlib import Path

    from graphml.services import model_first_bootstrap

    job = model_first_bootstrap(truth=Path(truth), directory=Path(directory))
    return job.status if job else "skipped"


@shared_task(name="graphml.labeling_nightly")
def labeling_nightly() -> str:
    """Beat runs this every night (the schedule is editable in the admin): label what moved since the last run."""
    from graphml.services import labeling_nightly

    job = labeling_nightly()
    return job.status if job else "no active model"
