"""Screening listening to the rest of the application."""

import time

from django.conf import settings
from django.db import transaction

from screening.keys import key_changed
from screening.tasks import anomalies_scan as anomalies_scan_task


def scan_after_write(sender, *, blocks, txids, activity, absorbed, newest_time, written_at, **kwargs) -> None:
    """Each write is scanned for anomalies in a realtime worker. Blocks older than the history the
    statistics keep (a catch-up of old history) are not sent at all."""
    if not settings.ANOMALY_DETECTION:
        return
    if newest_time is not None and newest_time < time.time() - settings.ANOMALY_HISTORY_DAYS * 86400:
        return
    anomalies_scan_task.delay(blocks, txids, written_at, activity, absorbed)


def key_saved_or_deleted(sender, *, instance, **kwargs) -> None:
    """Web processes keep the keys they have read (screening/keys.py); a change reaches them once it is
    committed, so none can read the row before the change and keep it as current."""
    transaction.on_commit(lambda: key_changed(instance.prefix))


def undo_after_rollback(sender, *, block, **kwargs) -> None:
    """A rolled-back block's anomaly statistics are taken back at once, in the rolling-back process: the
    rollbacks come newest first, and so must the undoing (screening/anomaly_undo.py)."""
    from screening.anomaly_undo import anomalies_undo

    anomalies_undo(block=block)


def exposure_for_report(sender, *, kind: str, ref: str, **kwargs) -> dict | None:
    """A case report's exposure section (investigations.signals.report_exposure_wanted): the figures the
    exposure endpoints give (screening/api.py); None for a subject the graph does not hold."""
    import dataclasses

    from graph import get_graph
    from graph.explore import address_detail, cluster_detail
    from screening.exposure import cluster_exposure, exposure

    store = get_graph()
    if kind == "address":
        detail = address_detail(store, ref)
        found = exposure(detail) if detail is not None else None
    elif kind == "cluster":
        cluster = cluster_detail(store, ref, limit=0)
        found = cluster_exposure(cluster) if cluster is not None else None
    else:
        found = None
    return dataclasses.asdict(found) if found is not None else None
