"""Celery entry points for ingestion: ids in, a service call out."""

from celery import shared_task

from chain.services import ingest_run_execute
from graph import GraphUnavailable


@shared_task(name="chain.ingest_run", autoretry_for=(GraphUnavailable,), retry_backoff=True, max_retries=5)
def ingest_run(run_id: int) -> str:
    # One process: a Celery child may not fork a parser pool of its own.
    return ingest_run_execute(run_id=run_id, workers=1).status
