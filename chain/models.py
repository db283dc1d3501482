"""Ingest runs: what was loaded from where, how far it got, and what went wrong."""

from django.db import models

from chain.errors import ChainDataError
from core.jobs import JobRow
from graph.errors import GraphError


class IngestRun(JobRow):
    """One load of a source (a blk file or directory, raw data, JSON files, an RPC height range).

    A job row in the NetBox sense: the command, the Celery task and the UI all read
    its status and progress figures; `error` and `failed_at` name the bad block.
    """

    task_name = "chain.ingest_run_execute"

    # Bad data, an unreachable node and a graph error are the run's own failures, recorded FAILED.
    domain_errors = (ValueError, ChainDataError, GraphError)

    class Kind(models.TextChoices):
        BLK = "blk", "blk*.dat files"
        RAW = "raw", "raw block or transaction"
        JSON = "json", "getblock JSON files"
        RPC = "rpc", "Bitcoin Core RPC"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    source = models.CharField(max_length=2000, help_text="paths, or the RPC URL without credentials")
    network = models.CharField(max_length=16, default="bitcoin")
    skip_bad = models.BooleanField(default=False)
    options = models.JSONField(default=dict, blank=True, help_text="RPC runs: from, to, follow, cookie_file")

    blocks_total = models.PositiveIntegerField(default=0)
    blocks_done = models.PositiveIntegerField(default=0, help_text="written by this run")
    blocks_present = models.PositiveIntegerField(default=0, help_text="already in the graph, left as they were")
    blocks_orphaned = models.PositiveIntegerField(default=0, help_text="not on the longest chain")
    txs = models.PositiveBigIntegerField(default=0)
    inputs = models.PositiveBigIntegerField(default=0)
    unresolved_inputs = models.PositiveBigIntegerField(default=0)
    completed_inputs = models.PositiveBigIntegerField(default=0, help_text="earlier unresolved spends now resolved")
    edges = models.PositiveBigIntegerField(default=0)
    blocks_rolled_back = models.PositiveIntegerField(default=0, help_text="undone after a reorganisation")
    first_height = models.IntegerField(null=True, blank=True)
    last_height = models.IntegerField(null=True, blank=True)

    failed_at = models.CharField(max_length=2000, blank=True, help_text="file and byte offset, or RPC height")
    skipped = models.JSONField(default=list, blank=True, help_text="bad blocks passed over with --skip-bad")

    class Meta(JobRow.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.source} ({self.status})"

    @property
    def progress(self) -> float:
        """Share of the planned blocks handled so far, 0.0 to 1.0."""
        handled = self.blocks_done + self.blocks_present + len(self.skipped)
        return min(1.0, handled / self.blocks_total) if self.blocks_total else 0.0

    def error_describe(self, error: BaseException) -> str:
        """The message alone, with `failed_at` naming the file and offset (or height) where the first error was."""
        where, message = "", str(error)
        if isinstance(error, ChainDataError):
            where, message = error.where, error.message
        elif not isinstance(error, self.domain_errors):
            where, message = self.source, f"unexpected error: {error!r}"
        if not self.error:
            self.failed_at = where
        return message
