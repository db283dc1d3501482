from celery import shared_task


@shared_task(name="core.jobs_expired_resend")
def jobs_expired_resend() -> int:
    from core.sweep import jobs_expired_resend

    return jobs_expired_resend()
