"""A worker killed in the middle of a labeling job: the redelivered task takes the job over and finishes it."""

import time

import pytest

from chain.services import ingest_run_create, ingest_run_execute
from chain.simulator.run import WorldSpec, simulate
from graphml.models import LabelingJob
from graphml.registry import model_version_register
from graphml.runs import train_run
from graphml.services import labeling_job_create
from graphml.tasks import labeling_job_execute as labeling_job_execute_task
from graphml.training import TrainSpec
from tests.conftest import job_wait_final, worker_pool_kill

TINY = TrainSpec(models=("graphsage",), epochs=5, patience=5, hidden=16, seed=1)  # any model will do here

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_job_whose_worker_is_killed_is_taken_over_and_succeeds(worker, graph, tmp_path):
    graph.drop_all()
    simulate(WorldSpec(txs=2_000, seed=3, illicit_share=0.1), tmp_path / "world")
    run = ingest_run_create(kind="blk", source=str(tmp_path / "world" / "blocks"), network="regtest")
    assert ingest_run_execute(run_id=run.id).status == "succeeded"
    report = train_run(store=graph, truth=tmp_path / "world" / "truth.csv", directory=tmp_path / "m", spec=TINY)
    model_version_register(report=report, directory=tmp_path / "m", activate=True)
    job = labeling_job_create(explain_top=10)
    labeling_job_execute_task.delay(job.id)
    _wait_until_running(job)
    worker_pool_kill(worker)
    job.refresh_from_db()
    assert job.status == LabelingJob.Status.RUNNING, "the kill must land mid-job"

    job = job_wait_final(job)
    assert (job.status, job.error, job.attempts) == (LabelingJob.Status.SUCCEEDED, "", 2)
    assert job.finished_at is not None
    scored = graph.read("MATCH (a:Address) WHERE a.risk_model = 'v1' RETURN count(a) AS n")[0]["n"]
    assert job.addresses_scored == job.addresses_total == scored > 0
    graph.drop_all()


def _wait_until_running(job: LabelingJob, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not LabelingJob.objects.filter(id=job.id, status=LabelingJob.Status.RUNNING).exists():
        assert time.monotonic() < deadline, "the worker did not start the job"
        time.sleep(0.02)
