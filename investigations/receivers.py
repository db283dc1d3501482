"""Investigations listening to the rest of the application."""

import logging

from investigations.alerts import alerts_from_labeling

log = logging.getLogger(__name__)


def alerts_after_labeling(sender, *, job, **kwargs) -> None:
    """A job that flagged clusters puts them in every team's alert queue."""
    if job.clusters_flagged:
        raised = alerts_from_labeling(model=f"v{job.model_version.version}")
        log.info("labeling job %s: %d new alerts", job.id, raised)
