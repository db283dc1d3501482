"""Investigations listening to the rest of the application."""

import logging

from investigations.alerts import alerts_from_labeling

log = logging.getLogger(__name__)


def alerts_after_labeling(sender, *, job, **kwargs) -> None:
    """A job that flagged clusters puts them in every team's alert queue."""
    if not job.clusters_flagged:
        return
    try:
        raised = alerts_from_labeling(model=f"v{job.model_version.version}")
    except Exception:  # the scores are written and the job succeeded; the next job raises what this one missed
        log.exception("labeling job %s: raising its alerts failed", job.id)
        return
    log.info("labeling job %s: %d new alerts", job.id, raised)
