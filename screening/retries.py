"""What screening's worker retries, and how often: the task module (which imports no service) needs both
when Celery registers it, and the webhook service raises the error."""

MAX_ATTEMPTS = 6  # with backoff 2, 4, 8, 16, 32 s between them


class DeliveryFailed(Exception):
    """The receiver did not take the event (no answer, or not 2xx): try again later."""
