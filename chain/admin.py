from django.contrib import admin

from chain.models import IngestRun
from core.admin import ReadOnlyAdmin


@admin.register(IngestRun)
class IngestRunAdmin(ReadOnlyAdmin):
    """Runs are started by `manage.py ingest` (or queued to a worker); here operators follow and read them."""

    list_display = [
        "id",
        "kind",
        "status",
        "source",
        "blocks_done",
        "blocks_total",
        "error",
        "attempts",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["source", "error"]
