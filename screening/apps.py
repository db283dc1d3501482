from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from chain.signals import chain_written
        from screening import schema  # noqa: F401 - registers the API key's OpenAPI security scheme
        from screening.receivers import scan_after_write

        chain_written.connect(scan_after_write, dispatch_uid="screening.scan_after_write")
