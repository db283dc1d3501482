"""Queueing screening's background work by task name.

Services queue work here and never import screening.tasks, which imports the services: the task module
is only the worker's entry point, so no import circle can form. Names are the tasks' explicit names;
routing (the realtime queue) follows them through CELERY_TASK_ROUTES as with `.delay()`. Callers queue
after their transaction commits (`transaction.on_commit`).
"""

from typing import Any

from celery import current_app

DELIVER = "screening.deliver"
TRANSFER_SCREEN = "screening.transfer_screen"
ANOMALIES_SCAN = "screening.anomalies_scan"


def delivery_queue(delivery_id: int) -> None:
    current_app.send_task(DELIVER, args=[delivery_id])


def transfer_screen_queue(transfer_id: int) -> None:
    current_app.send_task(TRANSFER_SCREEN, args=[transfer_id])


def anomalies_scan_queue(
    *,
    blocks: list[str],
    txids: list[str],
    written_at: float,
    activity: dict[str, Any] | None,
    absorbed: list[Any] | None,
) -> None:
    current_app.send_task(ANOMALIES_SCAN, args=[blocks, txids, written_at, activity, absorbed])
