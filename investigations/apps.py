from django.apps import AppConfig


class InvestigationsConfig(AppConfig):
    name = "investigations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from investigations.models import Case
        from investigations.signals import case_saved

        post_save.connect(case_saved, sender=Case, dispatch_uid="investigations.case_saved")
