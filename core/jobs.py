"""The job row: one contract for every long piece of work the UI shows (ingest runs, labeling jobs, …).

A job is claimed with ONE conditional UPDATE, so of two workers that try at once exactly one wins. The
winner holds a lease that its heartbeat keeps extending; a worker killed with kill -9 stops beating, its
lease runs out, and the redelivered task (late acks, requeue on a lost worker) claims the job again and
re-runs or resumes it. Without the lease a job whose worker died would read "running" for ever.
"""

from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.errors import ChainSleuthError


class JobRow(models.Model):
    """Status, timestamps, owner and lease, attempts and the first error of one job."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"  # the job's own error: bad input, a refusal (the row says which)
        ERRORED = "errored"  # an unexpected error: the worker's log has its traceback
        CANCELLED = "cancelled"

    FINAL: ClassVar[frozenset[str]] = frozenset({Status.SUCCEEDED, Status.FAILED, Status.ERRORED, Status.CANCELLED})
    # Errors that mean "this job cannot be done as asked" (recorded FAILED); anything else is ERRORED. Our own
    # errors only: a bare ValueError is as likely a bug (ours, or a library's) as a refusal, and a bug must
    # leave its traceback in the log, not read as the job's own failure.
    domain_errors: ClassVar[tuple[type[BaseException], ...]] = (ChainSleuthError,)
    # The Celery task that runs a row (its only argument the row's id), sent again by the sweep below.
    task_name: ClassVar[str] = ""

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True, help_text="the first error; a later one never replaces it")
    owner = models.CharField(max_length=200, blank=True, help_text="host:pid/attempt of the worker holding it")
    attempts = models.PositiveIntegerField(default=0, help_text="claims so far: more than one after a takeover")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True, help_text="after this, another worker takes over")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @classmethod
    def claim(cls, job_id: int, owner: str, lease: float | None = None) -> bool:
        """Take a queued job, or a running one whose lease ran out (its owner is dead): one UPDATE, one winner.

        A running row without a lease predates leases; its owner is long gone, so it is claimable too.
        """
        now = timezone.now()
        expired = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
        claimable = Q(status=cls.Status.QUEUED) | (Q(status=cls.Status.RUNNING) & expired)
        return bool(
            cls.objects.filter(claimable, pk=job_id).update(
                status=cls.Status.RUNNING,
                owner=owner,
                attempts=F("attempts") + 1,
                heartbeat_at=now,
                lease_expires_at=now + _seconds(lease),
                started_at=Coalesce(F("started_at"), Value(now)),
            )
        )

    def heartbeat(self, lease: float | None = None) -> bool:
        """Extend the lease; False when this owner no longer holds the job (it was taken over or ended)."""
        now = timezone.now()
        mine = type(self).objects.filter(pk=self.pk, owner=self.owner, status=self.Status.RUNNING)
        return bool(mine.update(heartbeat_at=now, lease_expires_at=now + _seconds(lease)))

    def terminate(self, status: str, error: str = "") -> bool:
        """Record a final status with this row's figures; False when another owner holds the job now.

        A job is never left unfinished by its runner, so a non-final status is refused.
        """
        if status not in self.FINAL:
            raise ValueError(f"{status!r} is not a final status: a job ends {', '.join(sorted(self.FINAL))}")
        self.status, self.finished_at, self.lease_expires_at = status, timezone.now(), None
        self.error = self.error or error
        fields = {
            field.attname: getattr(self, field.attname)
            for field in self._meta.concrete_fields
            if not field.primary_key and field.attname != "error"
        }
        first_error = Case(When(error="", then=Value(self.error)), default=F("error"), output_field=models.TextField())
        unfinished = Q(status__in=[self.Status.QUEUED, self.Status.RUNNING])
        mine = type(self).objects.filter(unfinished, pk=self.pk, owner=self.owner)
        recorded = bool(mine.update(**fields, error=first_error))
        self.refresh_from_db(fields=["error"] if recorded else None)
        return recorded

    def error_describe(self, error: BaseException) -> str:
        """The error text a user reads on the row; subclasses name where it happened."""
        return f"{type(error).__name__}: {error}"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def progress(self) -> float:
        """0.0 to 1.0; subclasses that count their work say how far it got."""
        return 1.0 if self.status == self.Status.SUCCEEDED else 0.0

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


def _seconds(lease: float | None) -> timedelta:
    return timedelta(seconds=settings.JOB_LEASE_SECONDS if lease is None else lease)
