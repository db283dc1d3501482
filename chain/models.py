"""Ingest runs: what was loaded from where, how far it got, and what went wrong."""

from django.db import models

from chain.errors import ChainDataError
from core.errors import ChainSleuthError
from core.jobs import JobRow
from graph.errors import GraphError


class IngestRun(JobRow):
    """One load of a source (a blk file or directory, raw data, JSON files, an RPC height range).

    A job row in the NetBox sense: the command, the Celery task and the UI all read
    its status and progress figures; `error` and `failed_at` name the bad block.
    """

    task_name = "chain.ingest_run_execute"

    # Our refusals, bad data, an unreachable node and a graph error are the run's own failures, recorded FAILED.
    domain_errors = (ChainSleuthError, ChainDataError, GraphError)

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


class ChainStoreRun(JobRow):
    """One build of the chain store (chain/store/): its phases, their figures, and the bad data that stopped it.

    The store's files are the record of what is done (manifests and markers); this row is what the
    admin and the command show. Counts are the store's totals after the run, so a resumed build reads
    the same as an uninterrupted one; `partitions_present` tells what an earlier attempt had done.
    """

    # No Celery task: builds run from `manage.py chainstore build`, and one whose process died is taken over
    # by the next build of the same source into the same store (chain/store/services.py).
    task_name = ""
    domain_errors = (ChainSleuthError, ChainDataError)

    class Phase(models.TextChoices):
        PARSE = "parse"
        RESOLVE = "resolve"
        CLUSTER = "cluster"  # `chainstore cluster`, after a build (chain/store/cluster_runs.py)
        LOAD = "load"  # a bulk load of the store into a graph (chain/store/load.py); options name the engine
        DONE = "done"

    kind = models.CharField(max_length=8, choices=IngestRun.Kind.choices)
    source = models.CharField(max_length=2000, help_text="paths, or the RPC URL without credentials")
    network = models.CharField(max_length=16, default="bitcoin")
    store_dir = models.CharField(max_length=2000)
    options = models.JSONField(default=dict, blank=True, help_text="RPC runs: from, to, cookie_file")
    phase = models.CharField(max_length=8, choices=Phase.choices, default=Phase.PARSE)

    partitions_total = models.PositiveIntegerField(default=0)
    partitions_parsed = models.PositiveIntegerField(default=0, help_text="parsed by this run")
    partitions_present = models.PositiveIntegerField(default=0, help_text="parsed before, left as they were")
    blocks = models.PositiveIntegerField(default=0)
    blocks_orphaned = models.PositiveIntegerField(default=0, help_text="not on the longest chain: not stored")
    txs = models.PositiveBigIntegerField(default=0)
    outputs = models.PositiveBigIntegerField(default=0)
    inputs = models.PositiveBigIntegerField(default=0)
    buckets_total = models.PositiveIntegerField(default=0)
    buckets_done = models.PositiveIntegerField(default=0)
    partitions_resolved = models.PositiveIntegerField(default=0)
    inputs_resolved = models.PositiveBigIntegerField(default=0)
    inputs_unresolved = models.PositiveBigIntegerField(default=0, help_text="spent output not in the store")
    repeated_coinbases = models.PositiveIntegerField(default=0, help_text="BIP30 repeats, flagged `repeated`")
    first_height = models.IntegerField(null=True, blank=True)
    last_height = models.IntegerField(null=True, blank=True)
    phase_seconds = models.JSONField(default=dict, blank=True)
    cluster_links = models.PositiveBigIntegerField(default=0, help_text="address pairs the heuristics linked")
    clusters = models.PositiveBigIntegerField(default=0, help_text="clusters over the whole store")
    clustered_addresses = models.PositiveBigIntegerField(default=0)
    nodes = models.PositiveBigIntegerField(default=0, help_text="load: nodes written")
    relationships = models.PositiveBigIntegerField(default=0, help_text="load: relationships written")

    failed_at = models.CharField(max_length=2000, blank=True, help_text="file and byte offset, or RPC height")

    class Meta(JobRow.Meta):
        pass

    def __str__(self) -> str:
        return f"chain store {self.store_dir} from {self.source} ({self.status}, {self.phase})"

    @property
    def progress(self) -> float:
        """Parse counts for half, resolve (buckets, then partitions) for the other half."""
        if self.phase == self.Phase.DONE:
            return 1.0
        parsed = (
            (self.partitions_parsed + self.partitions_present) / self.partitions_total if self.partitions_total else 0
        )
        steps = self.buckets_total + self.partitions_total
        resolved = (self.buckets_done + self.partitions_resolved) / steps if steps else 0
        return min(1.0, 0.5 * parsed + 0.5 * resolved)

    def error_describe(self, error: BaseException) -> str:
        if isinstance(error, ChainDataError):
            self.failed_at = self.failed_at or error.where
            return error.message
        return super().error_describe(error)
