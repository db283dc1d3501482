from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from chain.signals import chain_rolled_back, chain_written
        from investigations.signals import report_exposure_wanted
        from screening import schema  # noqa: F401 - registers the API key's OpenAPI security scheme
        from screening.models import ApiKey
        from screening.receivers import exposure_for_report, key_saved_or_deleted, scan_after_write, undo_after_rollback

        chain_written.connect(scan_after_write, dispatch_uid="screening.scan_after_write")
        chain_rolled_back.connect(undo_after_rollback, dispatch_uid="screening.undo_after_rollback")
        report_exposure_wanted.connect(exposure_for_report, dispatch_uid="screening.exposure_for_report")
        post_save.connect(key_saved_or_deleted, sender=ApiKey, dispatch_uid="screening.key_saved")
        post_delete.connect(key_saved_or_deleted, sender=ApiKey, dispatch_uid="screening.key_deleted")
