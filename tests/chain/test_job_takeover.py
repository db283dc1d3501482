"""A worker killed in the middle of an ingest run: the redelivered task takes the run over and finishes it.
A whole worker killed leaves no task to redeliver for hours: beat's sweep sends it again."""

import os
import signal
import time
import uuid

import pytest
from django.utils import timezone

from chain.models import IngestRun
from chain.services import ingest_run_create
from chain.tasks import ingest_run_execute as ingest_run_execute_task
from core.sweep import jobs_expired_resend
from tests.chain.conftest import fingerprint
from tests.chain.test_kill_and_resume import busy_chain
from tests.conftest import celery_worker, job_wait_final, worker_pool_kill

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def blocks(graph) -> int:
    return graph.read("MATCH (b:Block) RETURN count(b) AS n")[0]["n"]


def test_a_run_whose_worker_is_killed_is_taken_over_and_succeeds(worker, graph, tmp_path):
    graph.drop_all()
    chain = busy_chain(blocks=120, txs_per_block=20)
    run = ingest_run_create(kind="blk", source=str(chain.write_blk(tmp_path / "blk00000.dat")), network="regtest")
    ingest_run_execute_task.delay(run.id)
    _wait_for(lambda: blocks(graph) >= 10, "the worker wrote no blocks")
    worker_pool_kill(worker)
    killed_at = blocks(graph)
    assert killed_at < 121, "the kill must land mid-run"

    run = job_wait_final(run)
    assert (run.status, run.error, run.attempts) == (IngestRun.Status.SUCCEEDED, "", 2)
    assert run.finished_at is not None
    assert run.blocks_done + run.blocks_present == 121
    assert fingerprint(graph)["blocks"]["n"] == 121
    graph.drop_all()


def test_a_run_whose_whole_worker_is_killed_is_sent_again_by_the_sweep_and_succeeds(graph, settings, tmp_path):
    graph.drop_all()
    chain = busy_chain(blocks=120, txs_per_block=20)
    run = ingest_run_create(kind="blk", source=str(chain.write_blk(tmp_path / "blk00000.dat")), network="regtest")
    doomed = f"doomed-{uuid.uuid4().hex[:8]}"
    with celery_worker(graph_name=settings.GRAPH_NAME, queues=[doomed]) as first:
        ingest_run_execute_task.apply_async(args=[run.id], queue=doomed)
        _wait_for(lambda: blocks(graph) >= 10, "the worker wrote no blocks")
        os.killpg(first.pid, signal.SIGKILL)  # the main process and its pool, as a host's OOM killer would
        first.wait()
    assert blocks(graph) < 121, "the kill must land mid-run"
    assert IngestRun.objects.get(id=run.id).status == IngestRun.Status.RUNNING, "nothing is left to finish it"

    with celery_worker(graph_name=settings.GRAPH_NAME, queues=["celery"]):
        _wait_for(lambda: IngestRun.objects.filter(id=run.id, lease_expires_at__lt=timezone.now()).exists(), "lease")
        assert jobs_expired_resend() == 1
        run = job_wait_final(run)
    assert (run.status, run.attempts) == (IngestRun.Status.SUCCEEDED, 2)
    assert fingerprint(graph)["blocks"]["n"] == 121
    assert jobs_expired_resend() == 0, "a finished run is never sent again"
    graph.drop_all()


def _wait_for(condition, message: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.02)
