from django.apps import AppConfig


class InvestigationsConfig(AppConfig):
    name = "investigations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from graphml.signals import labeling_job_succeeded
        from investigations.receivers import alerts_after_labeling

        labeling_job_succeeded.connect(alerts_after_labeling, dispatch_uid="investigations.alerts_after_labeling")
