"""Celery entry points for investigations: a service call each."""

from celery import shared_task

from investigations.alerts import watchlists_check


@shared_task(name="investigations.watchlists_check")
def check_watchlists() -> int:
    """Beat runs this every few minutes (editable in the admin): watched refs that moved raise alerts."""
    return watchlists_check()
