"""Celery entry points for ingestion: ids in, a service call out (imported in the body: services import
this module to start the task)."""

from celery import shared_task


@shared_task(name="chain.ingest_run_execute")
def ingest_run_execute(run_id: int) -> str:
    """No automatic retry: the run records its failure; ingesting it again (a new run) resumes where it stopped.
    Redelivered after its worker died, it takes the run over once the dead worker's lease has run out.

    One process: a Celery child may not fork a parser pool of its own.
    """
    from chain.services import ingest_run_execute

    return ingest_run_execute(run_id=run_id, workers=1).status
