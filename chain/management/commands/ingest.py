"""`manage.py ingest blk|raw|json …`: load Bitcoin blocks into the graph, with a progress bar."""

import os
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from chain.models import IngestRun
from chain.networks import NETWORKS
from chain.services import ingest_run_create, ingest_run_execute


class Command(BaseCommand):
    help = "Ingest blocks from blk*.dat files, a raw block (hex or binary), or getblock JSON files."

    def add_arguments(self, parser):
        sources = parser.add_subparsers(dest="kind", required=True)
        blk = sources.add_parser("blk", help="a blk*.dat file or a directory of them (Bitcoin Core's blocks/)")
        blk.add_argument("path")
        raw = sources.add_parser("raw", help="one serialized block: a file (hex or binary) or a hex string")
        raw.add_argument("data")
        json_files = sources.add_parser("json", help="getblock <hash> 2 (or 3) answers: files or directories")
        json_files.add_argument("paths", nargs="+")
        for sub in (blk, raw, json_files):
            sub.add_argument("--network", default="bitcoin", choices=sorted(NETWORKS))
            sub.add_argument("--skip-bad", action="store_true", help="go on past bad blocks and list them")
            sub.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parser processes")
            sub.add_argument("--queue", action="store_true", help="hand the run to a Celery worker and return")

    def handle(self, *, kind, network, skip_bad, workers, queue, **options):
        source = {"blk": options.get("path"), "raw": options.get("data")}.get(kind) or "\n".join(options["paths"])
        run = ingest_run_create(kind=kind, source=source, network=network, skip_bad=skip_bad)
        if queue:
            from chain.tasks import ingest_run

            ingest_run.delay_on_commit(run.id)
            self.stdout.write(f"ingest run {run.id} queued")
            return
        with _ProgressBar() as bar:
            run = ingest_run_execute(run_id=run.id, workers=workers, on_progress=bar.update)
        self._report(run)

    def _report(self, run: IngestRun) -> None:
        for skipped in run.skipped:
            self.stderr.write(f"skipped {skipped['where']}: {skipped['error']}")
        summary = (
            f"run {run.id}: {run.blocks_done} blocks written ({run.txs} transactions, {run.edges} edges), "
            f"{run.blocks_present} already present, {run.blocks_orphaned} orphaned, {len(run.skipped)} skipped, "
            f"{run.unresolved_inputs} inputs unresolved"
        )
        if run.status == IngestRun.Status.FAILED:
            raise CommandError(f"{summary}\nfailed at {run.failed_at or 'start'}: {run.error}")
        self.stdout.write(self.style.SUCCESS(summary))


class _ProgressBar:
    """A tqdm bar over blocks, with blocks/s (tqdm's rate) and tx/s."""

    def __enter__(self) -> "_ProgressBar":
        self.bar = tqdm(unit="block", dynamic_ncols=True, mininterval=0.5)
        self.started = time.monotonic()
        return self

    def update(self, run: IngestRun) -> None:
        self.bar.total = run.blocks_total
        handled = run.blocks_done + run.blocks_present + len(run.skipped)
        elapsed = max(time.monotonic() - self.started, 1e-9)
        self.bar.set_postfix_str(f"{run.txs / elapsed:,.0f} tx/s, height {run.last_height}", refresh=False)
        self.bar.update(handled - self.bar.n)  # tqdm redraws at most every mininterval

    def __exit__(self, *_exc) -> None:
        self.bar.close()
