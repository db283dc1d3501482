"""Admin views of the registry, jobs and verdicts: what an operator checks until the web app shows them.

Versions and jobs are read-only here (promote and rollback go through the registry's services, so
the one-active rule and the activation history stay right); verdicts can be corrected.
"""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from graphml.models import ConfirmedLabel, LabelingJob, ModelVersion


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    list_display = ("version", "kind", "active", "trained_until", "threshold", "created_at")
    list_filter = ("active", "kind")


@admin.register(LabelingJob)
class LabelingJobAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "model_version",
        "scope",
        "status",
        "addresses_scored",
        "flagged",
        "attempts",
        "created_at",
        "finished_at",
    )
    list_filter = ("status",)


@admin.register(ConfirmedLabel)
class ConfirmedLabelAdmin(admin.ModelAdmin):
    list_display = ("address", "illicit", "category", "source", "recorded_at")
    list_filter = ("illicit",)
    search_fields = ("address", "source")
