from django.apps import AppConfig
from django.core.signals import setting_changed


class ChainSleuthConfig(AppConfig):
    """Holds the project-wide management commands (serve, embedded, graph) and the health check."""

    name = "app"
    label = "chainsleuth"
    verbose_name = "ChainSleuth"

    def ready(self) -> None:
        setting_changed.connect(_forget_graph_store)


def _forget_graph_store(*, setting: str, **_kwargs) -> None:
    if setting.startswith("GRAPH_"):
        from graph.connection import reset_graph

        reset_graph()
