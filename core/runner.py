"""`job_execute`: the one way a job row is run, from a Celery task, a management command or a test.

The failure policy, the same for every kind of job:
- the body returns: SUCCEEDED;
- it raises one of the row's `domain_errors` (bad input, a refusal): FAILED, the error on the row;
- it raises anything else: ERRORED, logged with its traceback and re-raised so Celery records it too;
- Ctrl-C or SystemExit: CANCELLED (never SUCCEEDED), re-raised.
A job another live worker holds is left alone; one whose owner died is taken over (see core/jobs.py).
"""

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.utils import timezone

from core.jobs import JobRow

log = logging.getLogger(__name__)
J = TypeVar("J", bound=JobRow)


def job_execute(
    model: type[J],
    job_id: int,
    body: Callable[[J], None],
    *,
    raise_failed: bool = False,
    on_success: Callable[[J], None] | None = None,
) -> J:
    """Claim the job, run `body(job)` while heartbeats keep the lease, and record how it ended.

    `raise_failed` also re-raises a domain error after it is recorded, for callers that report it themselves.
    `on_success` runs once SUCCEEDED is recorded by this call (not for a job some other call ran).
    """
    owner, lease = job_owner(), settings.JOB_LEASE_SECONDS
    if not _claim_or_wait(model, job_id, owner, lease):
        return model.objects.get(pk=job_id)
    job = model.objects.get(pk=job_id)
    if job.attempts > 1:
        log.warning(
            "%s %s: taken over after its owner's lease ran out (attempt %d)", model.__name__, job_id, job.attempts
        )
    try:
        with _heartbeats(job, lease):
            body(job)
    except model.domain_errors as error:
        log.warning("%s %s failed: %s", model.__name__, job_id, error)
        job.terminate(JobRow.Status.FAILED, job.error_describe(error))
        if raise_failed:
            raise
        return job
    except Exception as error:
        log.exception("%s %s errored", model.__name__, job_id)
        job.terminate(JobRow.Status.ERRORED, job.error_describe(error))
        raise
    except (KeyboardInterrupt, SystemExit):
        job.terminate(JobRow.Status.CANCELLED, "stopped by the operator")
        raise
    if not job.terminate(JobRow.Status.SUCCEEDED):
        log.warning("%s %s: finished after another worker took it over; its outcome stands", model.__name__, job_id)
    elif on_success is not None:
        on_success(job)
    return job


def job_owner() -> str:
    """Host and process, and a token of this attempt: two attempts in one process never pass for each other."""
    return f"{socket.gethostname()}:{os.getpid()}/{uuid.uuid4().hex[:8]}"


def _claim_or_wait(model: type[JobRow], job_id: int, owner: str, lease: float) -> bool:
    """Claim, or wait out a running owner's lease: a task redelivered after kill -9 arrives while the dead
    owner's lease still runs. A heartbeat seen meanwhile means the owner lives: leave the job to it."""
    seen = None
    while not model.claim(job_id, owner, lease):
        status, beat, expires = model.objects.values_list("status", "heartbeat_at", "lease_expires_at").get(pk=job_id)
        if status != JobRow.Status.RUNNING or (seen is not None and beat != seen):
            return False
        seen = beat
        left = (expires - timezone.now()).total_seconds() if expires else 0.0
        time.sleep(min(lease, max(0.05, left + 0.05)))
    return True


@contextlib.contextmanager
def _heartbeats(job: JobRow, lease: float) -> Iterator[None]:
    """Extend the lease every third of it from a thread, so long steps without progress keep the job.

    Inside an open transaction (a caller's, or a test's) another connection could not see the claimed
    row, and no other worker can either: there is nothing to beat for.
    """
    if connection.in_atomic_block:
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(target=_beat, args=(job, lease, stop), name=f"heartbeat-{job.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _beat(job: JobRow, lease: float, stop: threading.Event) -> None:
    try:
        while not stop.wait(lease / 3):
            try:
                if not job.heartbeat(lease):
                    log.warning("%s %s: another worker holds it now", type(job).__name__, job.pk)
                    return
            except DatabaseError as error:  # a busy database: the next beat may get through
                log.warning("heartbeat of %s %s failed: %s", type(job).__name__, job.pk, error)
    finally:
        connections.close_all()  # this thread's own connections
