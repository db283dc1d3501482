from celery import shared_task

from core.sweep import jobs_expired_resend


@shared_task(name="core.jobs_expired_resend")
def jobs_expired_resend_task() -> int:
    return jobs_expired_resend()
