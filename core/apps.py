from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Owns no tables of its own: abstract models and the services every domain app builds on."""

    name = "core"
    verbose_name = "Shared contracts"
