"""An ingest run queued to a real Celery worker: the worker loads the blocks and the run row says so."""

import pytest

from chain.models import IngestRun
from chain.services import ingest_run_create
from chain.tasks import ingest_run_execute as ingest_run_execute_task

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_queued_run_is_ingested_by_the_worker(worker, graph, fixtures):
    graph.drop_all()
    run = ingest_run_create(kind="blk", source=str(fixtures / "blk-heights-1-255.dat"))
    assert ingest_run_execute_task.delay(run.id).get(timeout=120) == "succeeded"
    run.refresh_from_db()
    assert (run.status, run.blocks_done, run.last_height) == (IngestRun.Status.SUCCEEDED, 255, 255)
    assert graph.read("MATCH (b:Block) RETURN count(b) AS n") == [{"n": 255}]
    graph.drop_all()
