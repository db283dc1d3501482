from django.apps import AppConfig


class GraphMLConfig(AppConfig):
    name = "graphml"
    verbose_name = "Labeling models and jobs"

    def ready(self) -> None:
        from graphml.receivers import labels_from_verdict
        from investigations.signals import case_verdict_reached

        case_verdict_reached.connect(labels_from_verdict, dispatch_uid="graphml.labels_from_verdict")
