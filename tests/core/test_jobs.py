"""The job row contract (core/jobs.py) and its runner (core/runner.py), on a real job model and database.

IngestRun stands for every job row here: the contract is the base's, not the subclass's.
"""

import logging
import threading
import time

import pytest
from django.db import connections

from chain.models import IngestRun
from core.errors import ChainSleuthError
from core.jobs import JobRow
from core.runner import job_execute

Status = JobRow.Status


def queued() -> IngestRun:
    return IngestRun.objects.create(kind="blk", source="/data/blocks")


def in_thread(target, *args):
    """Run `target` on a thread of its own (a connection of its own, as another worker has)."""

    def run():
        try:
            target(*args)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def claim_race(job_id: int, callers: int) -> list[str]:
    """`callers` threads claim one job at the same instant; the names of those that won."""
    start, winners = threading.Barrier(callers), []

    def claim(name: str) -> None:
        start.wait()
        if IngestRun.claim(job_id, name, 60):
            winners.append(name)

    for thread in [in_thread(claim, f"worker-{n}") for n in range(callers)]:
        thread.join()
    return winners


@pytest.mark.postgres_leg
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("audit_log_cleared", "append_only_restored")  # PostgreSQL's flush is a TRUNCATE
def test_of_workers_claiming_one_job_at_once_exactly_one_wins():
    for _ in range(5):
        job = queued()
        winners = claim_race(job.id, callers=6)
        job.refresh_from_db()
        assert len(winners) == 1
        assert (job.status, job.owner, job.attempts) == (Status.RUNNING, winners[0], 1)


@pytest.mark.django_db
def test_a_live_lease_is_not_taken_over_and_an_expired_one_is():
    job = queued()
    assert IngestRun.claim(job.id, "first", 60)
    assert not IngestRun.claim(job.id, "second", 60), "the first owner's lease still runs"
    IngestRun.objects.filter(id=job.id).update(lease_expires_at=job.created_at)  # its owner stopped beating
    assert IngestRun.claim(job.id, "second", 60)
    job.refresh_from_db()
    assert (job.owner, job.attempts) == ("second", 2)


@pytest.mark.django_db
def test_a_heartbeat_extends_only_its_owners_lease():
    job = queued()
    IngestRun.claim(job.id, "first", 1)
    job.refresh_from_db()
    before = job.lease_expires_at
    assert job.heartbeat(60)
    job.refresh_from_db()
    assert job.lease_expires_at > before
    stranger = IngestRun.objects.get(id=job.id)
    stranger.owner = "someone else"
    assert not stranger.heartbeat(600)


@pytest.mark.django_db
def test_the_first_error_is_kept():
    job = queued()
    IngestRun.claim(job.id, "first", 60)
    job.refresh_from_db()
    IngestRun.objects.filter(id=job.id).update(error="the first error")  # recorded by an earlier attempt
    assert job.terminate(Status.ERRORED, "a later error")
    job.refresh_from_db()
    assert (job.status, job.error) == (Status.ERRORED, "the first error")


@pytest.mark.django_db
def test_a_finished_job_is_not_finished_again():
    job = queued()
    IngestRun.claim(job.id, "first", 60)
    job.refresh_from_db()
    assert job.terminate(Status.FAILED, "bad block")
    assert not job.terminate(Status.SUCCEEDED)
    job.refresh_from_db()
    assert (job.status, job.error) == (Status.FAILED, "bad block")


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.QUEUED, Status.RUNNING, "paused"])
def test_terminate_refuses_to_leave_a_job_unfinished(status):
    job = queued()
    with pytest.raises(ValueError, match="not a final status"):
        job.terminate(status)
    job.refresh_from_db()
    assert (job.status, job.finished_at) == (Status.QUEUED, None)


@pytest.mark.django_db
def test_a_body_that_returns_succeeds_with_its_duration():
    job = job_execute(IngestRun, queued().id, lambda job: time.sleep(0.01))
    job.refresh_from_db()
    assert (job.status, job.error, job.attempts, job.lease_expires_at) == (Status.SUCCEEDED, "", 1, None)
    assert job.seconds > 0


@pytest.mark.django_db
def test_our_own_error_fails_the_job_and_an_unexpected_one_errors_it_and_is_raised():
    def refused(job):
        raise ChainSleuthError("no such network")

    def broken(job):
        raise ZeroDivisionError("oops")

    failed = job_execute(IngestRun, queued().id, refused)
    assert (failed.status, failed.error) == (Status.FAILED, "no such network")
    errored_id = queued().id
    with pytest.raises(ZeroDivisionError):
        job_execute(IngestRun, errored_id, broken)
    errored = IngestRun.objects.get(id=errored_id)
    assert errored.status == Status.ERRORED
    assert "ZeroDivisionError" in errored.error
    assert errored.finished_at is not None


@pytest.mark.django_db
def test_a_bug_raising_a_plain_value_error_errors_the_job_with_its_traceback(caplog):
    """A bare ValueError is no refusal of ours (a slip in our code, a library's complaint): it must not read
    as the job's own failure, and its traceback must reach the worker's log."""

    def buggy(job):
        int("not a number")

    job_id = queued().id
    with caplog.at_level(logging.ERROR, logger="core.runner"), pytest.raises(ValueError, match="invalid literal"):
        job_execute(IngestRun, job_id, buggy)
    job = IngestRun.objects.get(id=job_id)
    assert job.status == Status.ERRORED
    assert "invalid literal for int()" in job.error
    (logged,) = [record for record in caplog.records if record.name == "core.runner"]
    assert logged.exc_info is not None
    assert logged.exc_info[0] is ValueError
    assert 'int("not a number")' in caplog.text, "the traceback names the line that raised"


@pytest.mark.django_db
def test_a_refusal_of_ours_fails_the_job_and_is_not_logged_as_an_error(caplog):
    def refused(job):
        raise ChainSleuthError("scope: nothing to label")

    job_id = queued().id
    with caplog.at_level(logging.WARNING, logger="core.runner"):
        job = job_execute(IngestRun, job_id, refused)
    assert (job.status, job.error) == (Status.FAILED, "scope: nothing to label")
    assert IngestRun.objects.get(id=job_id).status == Status.FAILED
    assert all(record.exc_info is None for record in caplog.records), "a refusal is no crash: no traceback"


@pytest.mark.django_db
@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_ctrl_c_cancels_the_job_and_never_reads_as_success(stop):
    def interrupted(job):
        raise stop

    job_id = queued().id
    with pytest.raises(stop):
        job_execute(IngestRun, job_id, interrupted)
    job = IngestRun.objects.get(id=job_id)
    assert (job.status, job.error) == (Status.CANCELLED, "stopped by the operator")
    assert job.finished_at is not None


@pytest.mark.django_db
def test_a_job_whose_owner_died_is_taken_over_and_finished():
    job = queued()
    IngestRun.claim(job.id, "a killed worker", 0.2)
    ran = []
    finished = job_execute(IngestRun, job.id, ran.append)
    assert ran, "the body ran again"
    assert (finished.status, finished.attempts) == (Status.SUCCEEDED, 2)
    assert finished.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_second_delivery_leaves_a_job_whose_owner_beats_alone():
    """The first owner's heartbeats (a thread beside its body) keep its job past the length of one lease."""
    job_id, release, started, ran_twice = queued().id, threading.Event(), threading.Event(), []

    def long_body(job):
        started.set()
        assert release.wait(30)

    first = in_thread(job_execute, IngestRun, job_id, long_body)
    assert started.wait(10)
    second = job_execute(IngestRun, job_id, ran_twice.append)  # waits out one lease, sees the beat, leaves
    assert (second.status, ran_twice) == (Status.RUNNING, [])
    release.set()
    first.join()
    job = IngestRun.objects.get(id=job_id)
    assert (job.status, job.attempts) == (Status.SUCCEEDED, 1)


@pytest.mark.django_db
def test_beat_sweeps_for_jobs_whose_worker_died_every_minute():
    from django_celery_beat.models import PeriodicTask

    sweep = PeriodicTask.objects.get(task="core.jobs_expired_resend")
    assert (sweep.enabled, sweep.interval.every, sweep.interval.period) == (True, 1, "minutes")
