"""What investigations' worker retries: the task module (which imports no service) needs the error when
Celery registers the task, and the report service raises it."""


class ReportFailed(RuntimeError):
    """Making a report's files failed; the report row holds the error, and a retry may succeed."""
