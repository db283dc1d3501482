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
