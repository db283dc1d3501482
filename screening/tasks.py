"""Celery entry points for screening: ids in, a service call out.

Each task is named after the service it runs and imports it in its body; the services import this module
at their top to start their tasks after commit (HackSoft's direction), so no import circle can form."""

from celery import shared_task

from screening.retries import MAX_ATTEMPTS, DeliveryFailed


@shared_task(
    name="screening.delivery_attempt",
    autoretry_for=(DeliveryFailed,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=False,
    max_retries=MAX_ATTEMPTS - 1,
    acks_late=True,
)
def delivery_attempt(delivery_id: int) -> str:
    from screening.webhooks import delivery_attempt

    delivery = delivery_attempt(delivery_id)
    return delivery.status if delivery is not None else "removed"


@shared_task(name="screening.transfer_screen", acks_late=True)
def transfer_screen(transfer_id: int) -> str:
    from screening.transfers import transfer_screen

    return transfer_screen(transfer_id=transfer_id).status


@shared_task(name="screening.transfers_seen_check")
def transfers_seen_check() -> int:
    """Beat runs this every minute: transfers whose transaction reached the graph are screened again."""
    from screening.transfers import transfers_seen_check

    return transfers_seen_check()


@shared_task(name="screening.anomalies_scan", acks_late=True)
def anomalies_scan(
    blocks: list[str], txids: list[str], written_at: float, activity: dict | None = None, absorbed: list | None = None
) -> dict:
    """On the realtime queue: started by each ingest write, so an anomaly is an alert within a second."""
    from screening.anomalies import anomalies_scan

    return anomalies_scan(blocks=blocks, txids=txids, written_at=written_at, activity=activity, absorbed=absorbed)


@shared_task(name="screening.request_log_flush")
def request_log_flush() -> int:
    """Beat runs this every minute: buffered request-log rows reach the table."""
    from screening.requestlog import request_log_flush

    return request_log_flush()
