"""A report states the case as it stood when it was made. The usual order is an export approved, then the
close approved a moment later, so the report handed over would read "status confirmed" for a closed case.
Closing therefore makes each report exported before it again, as the case stands closed.

Idempotent: only a ready report made before the close is taken, by a conditional update (ready → pending),
so a second call, a second save of the closed case or two processes at once make it once. A failure is
left `failed` and retried like any report (investigations/retries.py, the worker's report_generate task,
the team's retry), and a retry makes it as the case stands then: closed."""

from django.db import transaction

from investigations.audit.log import audit_event_append
from investigations.models import Case, Report
from investigations.retries import ReportFailed

ACTOR = "system"  # no one asked: the close did


def reports_finalise(*, case_id: int) -> list[int]:
    """Make the closed case's earlier reports again; the ids of those taken (made, or failed and queued)."""
    from investigations.services import report_generate, report_retry_queue  # services import this app's tasks

    case = Case.objects.get(id=case_id)
    if case.closed_at is None:
        return []
    taken = [report_id for report_id in _stale(case) if _claim(case, report_id)]
    for report_id in taken:
        try:
            report_generate(report_id=report_id)
        except ReportFailed:
            report_retry_queue(report_id, attempt=1)
    return taken


def _stale(case: Case) -> list[int]:
    made_before = case.reports.filter(status=Report.Status.READY, generated_at__lt=case.closed_at)
    return list(made_before.values_list("id", flat=True))


@transaction.atomic
def _claim(case: Case, report_id: int) -> bool:
    """Ready → pending if no one took it first; the audit log says why it is made again."""
    taken = Report.objects.filter(id=report_id, status=Report.Status.READY, generated_at__lt=case.closed_at).update(
        status=Report.Status.PENDING
    )
    if taken:
        audit_event_append(actor=ACTOR, action="report.finalise", target=f"case:{case.id}",
                           data={"report": report_id, "reason": "the case closed"})  # fmt: skip
    return bool(taken)
