from django.contrib import admin

from chain.models import ChainStoreRun, IngestRun
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


@admin.register(ChainStoreRun)
class ChainStoreRunAdmin(ReadOnlyAdmin):
    """Store builds are started by `manage.py chainstore build`; here operators follow their phases."""

    list_display = [
        "id",
        "status",
        "phase",
        "source",
        "store_dir",
        "blocks",
        "txs",
        "inputs_unresolved",
        "clusters",
        "failed_at",
        "error",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "phase", "kind"]
    search_fields = ["source", "store_dir", "error"]
