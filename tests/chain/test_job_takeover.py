"""A worker killed in the middle of an ingest run: the redelivered task takes the run over and finishes it."""

import time

import pytest

from chain.models import IngestRun
from chain.services import ingest_run_create
from chain.tasks import ingest_run
from tests.chain.conftest import fingerprint
from tests.chain.test_kill_and_resume import busy_chain
from tests.conftest import job_wait_final, worker_pool_kill

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def blocks(graph) -> int:
    return graph.read("MATCH (b:Block) RETURN count(b) AS n")[0]["n"]


def test_a_run_whose_worker_is_killed_is_taken_over_and_succeeds(worker, graph, tmp_path):
    graph.drop_all()
    chain = busy_chain(blocks=120, txs_per_block=20)
    run = ingest_run_create(kind="blk", source=str(chain.write_blk(tmp_path / "blk00000.dat")), network="regtest")
    ingest_run.delay(run.id)
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


def _wait_for(condition, message: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.02)
