"""Celery entry points for screening: ids in, a service call out.

Only workers import this module (autodiscovery); services queue these tasks by name through
screening/queue.py and never import it, so the tasks may import every service without a circle."""

from celery import shared_task

from screening.anomalies import anomalies_scan
from screening.requestlog import request_log_flush
from screening.transfers import transfer_screen, transfers_seen_check
from screening.webhooks import MAX_ATTEMPTS, DeliveryFailed, delivery_attempt


@shared_task(
    name="screening.deliver",
    autoretry_for=(DeliveryFailed,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=False,
    max_retries=MAX_ATTEMPTS - 1,
    acks_late=True,
)
def deliver(delivery_id: int) -> str:
    delivery = delivery_attempt(delivery_id)
    return delivery.status if delivery is not None else "removed"


@shared_task(name="screening.transfer_screen", acks_late=True)
def screen_transfer(transfer_id: int) -> str:
    return transfer_screen(transfer_id=transfer_id).status


@shared_task(name="screening.transfers_seen")
def transfers_seen() -> int:
    """Beat runs this every minute: transfers whose transaction reached the graph are screened again."""
    return transfers_seen_check()


@shared_task(name="screening.anomalies_scan", acks_late=True)
def scan_anomalies(
    blocks: list[str], txids: list[str], written_at: float, activity: dict | None = None, absorbed: list | None = None
) -> dict:
    """On the realtime queue: started by each ingest write, so an anomaly is an alert within a second."""
    return anomalies_scan(blocks=blocks, txids=txids, written_at=written_at, activity=activity, absorbed=absorbed)


@shared_task(name="screening.request_log_flush")
def flush_request_log() -> int:
    """Beat runs this every minute: buffered request-log rows reach the table."""
    return request_log_flush()
