"""Project-wide Celery tasks. Thin: ids in, a service call (imported in the body), retries on transient graph
errors."""

from celery import shared_task

from graph.errors import GraphUnavailable


@shared_task(name="graph.ensure_schema", autoretry_for=(GraphUnavailable,), retry_backoff=True, max_retries=5)
def ensure_schema() -> dict[str, int]:
    from graph import get_graph
    from graph.schema import INDEXES, UNIQUE_KEYS, ensure_schema

    ensure_schema(get_graph())
    return {"unique_keys": len(UNIQUE_KEYS), "indexes": len(INDEXES)}


@shared_task(name="app.ping")
def ping() -> str:
    """Does nothing: the round trip through broker, worker and result backend, for health checks and as the
    baseline of bench/anomaly.py."""
    return "pong"
