from django.apps import AppConfig


class GraphMLConfig(AppConfig):
    name = "graphml"
    verbose_name = "Labeling models and jobs"
