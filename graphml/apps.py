from django.apps import AppConfig


class GraphMLConfig(AppConfig):
    name = "graphml"
    verbose_name = "Labeling models and jobs"

    def ready(self) -> None:
        from graphml.receivers import labels_from_verdict, reasons_for_report
        from investigations.signals import case_verdict_reached, report_reasons_wanted

        case_verdict_reached.connect(labels_from_verdict, dispatch_uid="graphml.labels_from_verdict")
        report_reasons_wanted.connect(reasons_for_report, dispatch_uid="graphml.reasons_for_report")
