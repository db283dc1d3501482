"""Celery entry points for investigations: a service call each, named after it and imported in the body
(services import this module to start their tasks)."""

from celery import shared_task
from django.conf import settings

from investigations.retries import ReportFailed


@shared_task(name="investigations.watchlists_check")
def watchlists_check() -> int:
    """Beat runs this every few minutes (editable in the admin): watched refs that moved raise alerts."""
    from investigations.alerts import watchlists_check

    return watchlists_check()


@shared_task(
    name="investigations.report_generate",
    autoretry_for=(ReportFailed,),
    retry_backoff=2 * settings.REPORT_RETRY_BACKOFF,  # queued after one backoff; then two, four, ... more
    retry_backoff_max=3600,
    retry_jitter=False,
    max_retries=settings.REPORT_RETRIES,
    acks_late=True,
)
def report_generate(report_id: int) -> str:
    """An approved export's report that failed: made again, as the case stands now."""
    from investigations.models import Report
    from investigations.services import report_generate

    try:
        return report_generate(report_id=report_id).status
    except Report.DoesNotExist:
        return "removed"
