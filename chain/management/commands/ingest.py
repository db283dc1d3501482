"""`manage.py ingest blk|raw|json …`: load Bitcoin blocks into the graph, with a progress bar."""

import os
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from chain.errors import ChainDataError
from chain.models import IngestRun
from chain.networks import NETWORKS
from chain.rpc import CoreRPC
from chain.services import ingest_rpc_run_create, ingest_run_create, ingest_run_execute
from chain.tasks import ingest_run_execute as ingest_run_execute_task
from core.embedded import EmbeddedServerError, broker_ensure


class Command(BaseCommand):
    help = "Ingest blocks from blk*.dat files, a raw block (hex or binary), getblock JSON files or a Core node."

    def add_arguments(self, parser):
        sources = parser.add_subparsers(dest="kind", required=True)
        blk = sources.add_parser("blk", help="a blk*.dat file or a directory of them (Bitcoin Core's blocks/)")
        blk.add_argument("path")
        raw = sources.add_parser("raw", help="one serialized block or transaction: a file (hex or binary) or hex")
        raw.add_argument("data")
        json_files = sources.add_parser("json", help="getblock <hash> 2 (or 3) answers: files or directories")
        json_files.add_argument("paths", nargs="+")
        rpc = sources.add_parser("rpc", help="a Bitcoin Core node: http://[user:password@]host:port")
        rpc.add_argument("url")
        rpc.add_argument("--cookie", help="the node's .cookie file, instead of user:password in the URL")
        rpc.add_argument("--from", dest="first", type=int, help="first height (default: after our tip)")
        rpc.add_argument("--to", dest="last", type=int, help="last height (default: the node's tip)")
        rpc.add_argument("--follow", action="store_true", help="keep ingesting new blocks as they arrive")
        rpc.add_argument("--poll", type=float, default=5.0, help="seconds between looks at the node's tip")
        rpc.add_argument(
            "--mempool", action="store_true", help="with --follow: write mempool transactions as they arrive"
        )
        for sub in (blk, raw, json_files, rpc):
            sub.add_argument("--network", default="bitcoin", choices=sorted(NETWORKS))
            sub.add_argument("--skip-bad", action="store_true", help="go on past bad blocks and list them")
            sub.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parser processes")
            sub.add_argument("--queue", action="store_true", help="hand the run to a Celery worker and return")

    def handle(self, *, kind, network, skip_bad, workers, queue, **options):
        source, run_options, rpc_url = self._source(kind, options)
        try:
            broker_ensure()  # the writer lock and the queued run live there; started here if embedded
        except EmbeddedServerError as error:
            raise CommandError(str(error)) from None
        if queue and kind == "rpc" and rpc_url != source and not run_options.get("cookie_file"):
            raise CommandError("a queued RPC run cannot keep the URL's password: use --cookie")
        if kind == "rpc":
            run = ingest_rpc_run_create(url=rpc_url, network=network, options=run_options, skip_bad=skip_bad)
        else:
            run = ingest_run_create(kind=kind, source=source, network=network, skip_bad=skip_bad)
        if queue:
            ingest_run_execute_task.delay_on_commit(run.id)
            self.stdout.write(f"ingest run {run.id} queued")
            return
        try:
            with _ProgressBar() as bar:
                run = ingest_run_execute(run_id=run.id, workers=workers, on_progress=bar.update, rpc_url=rpc_url)
        except Exception as error:  # errored: recorded on the run and logged with its traceback by the runner
            run.refresh_from_db()
            raise CommandError(f"run {run.id} errored at {run.failed_at or 'start'}: {run.error}") from error
        self._report(run)

    @staticmethod
    def _source(kind: str, options: dict) -> tuple[str, dict, str | None]:
        """The run's stored source and options, and the node URL with its credentials (never stored)."""
        if kind == "rpc":
            if options["mempool"] and not options["follow"]:
                raise CommandError("--mempool follows the node's mempool: give --follow too")
            try:
                bare = CoreRPC(options["url"]).where
            except ChainDataError as error:
                raise CommandError(str(error)) from None
            run_options = {
                "from": options["first"],
                "to": options["last"],
                "follow": options["follow"],
                "mempool": options["mempool"] or None,
                "cookie_file": options["cookie"],
                "poll_seconds": options["poll"],
            }
            return bare, {key: value for key, value in run_options.items() if value is not None}, options["url"]
        source = {"blk": options.get("path"), "raw": options.get("data")}.get(kind) or "\n".join(options["paths"])
        return source, {}, None

    def _report(self, run: IngestRun) -> None:
        for skipped in run.skipped:
            self.stderr.write(f"skipped {skipped['where']}: {skipped['error']}")
        summary = (
            f"run {run.id}: {run.blocks_done} blocks written ({run.txs} transactions, {run.edges} edges), "
            f"{run.blocks_present} already present, {run.blocks_orphaned} orphaned, {len(run.skipped)} skipped, "
            f"{run.unresolved_inputs} inputs unresolved, {run.blocks_rolled_back} rolled back after reorganisations"
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
