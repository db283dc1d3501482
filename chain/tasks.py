"""Celery entry points for ingestion: ids in, a service call out."""

from celery import shared_task

from chain.services import ingest_run_execute


@shared_task(name="chain.ingest_run")
def ingest_run(run_id: int) -> str:
    """No automatic retry: the run records its failure; ingesting it again (a new run) resumes where it stopped.
    Redelivered after its worker died, it takes the run over once the dead worker's lease has run out.

    One process: a Celery child may not fork a parser pool of its own.
    """
    return ingest_run_execute(run_id=run_id, workers=1).status


@shared_task(name="chain.chainstore_run")
def chainstore_run(run_id: int) -> str:
    """A store build; redelivered after its worker died, it takes the run over and resumes from the store's
    files. One process, as for ingest runs."""
    from chain.store.services import chainstore_run_execute

    return chainstore_run_execute(run_id=run_id, workers=1).status
