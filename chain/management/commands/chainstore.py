"""`manage.py chainstore build blk|raw|json|rpc … --store DIR`, `… status --store DIR`, `… cluster --store DIR`
(chain/store/cluster_cli.py), `… features --store DIR --until H` (chain/store/features_cli.py) and
`… load --store DIR` (chain/store/load_cli.py)."""

import json
import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from chain.errors import ChainDataError, RunSpecError
from chain.models import ChainStoreRun
from chain.networks import NETWORKS
from chain.store.build import store_status
from chain.store.cluster_cli import cluster_handle, cluster_parser_add
from chain.store.features_cli import features_handle, features_parser_add
from chain.store.load_cli import add_load_parser, handle_load
from chain.store.services import chainstore_run_create, chainstore_run_execute


class Command(BaseCommand):
    help = "Build the chain store (partitioned Parquet, inputs resolved) from blk*.dat, raw or JSON blocks."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        build = actions.add_parser("build", help="parse and resolve a source into the store (resumable)")
        build.add_argument("kind", choices=["blk", "raw", "json", "rpc"], help="the source's format, as for `ingest`")
        build.add_argument(
            "sources", nargs="+", help="blk: a file or directory; raw: a file; json: files or dirs; rpc: the node's URL"
        )
        build.add_argument("--from", dest="first", type=int, help="rpc: first height (default 0)")
        build.add_argument("--to", dest="last", type=int, help="rpc: last height (default: the node's tip)")
        build.add_argument("--cookie", help="rpc: the node's .cookie file, instead of user:password in the URL")
        build.add_argument("--network", default="bitcoin", choices=sorted(NETWORKS))
        build.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parser processes")
        status = actions.add_parser("status", help="what a store holds, read from its markers")
        cluster = cluster_parser_add(actions)
        load = add_load_parser(actions)
        features = features_parser_add(actions)
        for sub in (build, status, cluster, load, features):
            sub.add_argument("--store", default=str(settings.CHAIN_STORE_DIR), help="the store directory")

    def handle(self, *, action, store, **options):
        if action == "cluster":
            cluster_handle(
                self, store=store, engine=options["engine"], threads=options["threads"], master=options.get("master")
            )
            return
        if action == "features":
            features_handle(
                self,
                store=store,
                **{key: options[key] for key in ("until", "engine", "tags", "threads")},
                master=options.get("master"),
            )
            return
        if action == "load":
            handle_load(self, store=store, **options)
            return
        if action == "status":
            try:
                self.stdout.write(json.dumps(store_status(store), indent=2))
            except ChainDataError as error:
                raise CommandError(str(error)) from None
            return
        kind, source = options["kind"], "\n".join(options["sources"])
        rpc_options = {"from": options["first"], "to": options["last"], "cookie_file": options["cookie"]}
        try:
            run = chainstore_run_create(
                kind=kind,
                source=source,
                store_dir=store,
                network=options["network"],
                options={key: value for key, value in rpc_options.items() if value is not None},
            )
        except (RunSpecError, ChainDataError) as error:
            raise CommandError(str(error)) from None
        rpc_url = source if kind == "rpc" else None
        try:
            with _ProgressBar(self.stderr._out) as bar:  # the stream itself: tqdm redraws with \r
                run = chainstore_run_execute(
                    run_id=run.id, workers=options["workers"], on_progress=bar.update, rpc_url=rpc_url
                )
        except Exception as error:  # errored: recorded on the run and logged with its traceback by the runner
            run.refresh_from_db()
            raise CommandError(f"store run {run.id} errored at {run.failed_at or 'start'}: {run.error}") from error
        self._report(run)

    def _report(self, run: ChainStoreRun) -> None:
        seconds = ", ".join(f"{phase} {value:.1f}s" for phase, value in run.phase_seconds.items())
        summary = (
            f"store run {run.id}: {run.blocks} blocks, {run.txs} transactions, {run.outputs} outputs, "
            f"{run.inputs} inputs ({run.inputs_unresolved} unresolved) in {run.partitions_total} partitions "
            f"({run.partitions_present} already there), {run.blocks_orphaned} orphaned; {seconds}"
        )
        if run.status == ChainStoreRun.Status.FAILED:
            raise CommandError(f"{summary}\nfailed at {run.failed_at or 'start'}: {run.error}")
        self.stdout.write(self.style.SUCCESS(summary))


class _ProgressBar:
    """One tqdm bar per phase: partitions with tx/s while parsing, buckets and partitions while resolving."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def __enter__(self) -> "_ProgressBar":
        self.bar, self.phase, self.started, self.txs_at_start = None, None, time.monotonic(), 0
        return self

    def update(self, run: ChainStoreRun) -> None:
        if run.phase != self.phase:
            self._next_phase(run)
        if self.bar is None:
            return
        elapsed = max(time.monotonic() - self.started, 1e-9)
        if run.phase == ChainStoreRun.Phase.PARSE:
            done = run.partitions_parsed + run.partitions_present
            rate = (run.txs - self.txs_at_start) / elapsed
            self.bar.set_postfix_str(f"{rate:,.0f} tx/s, height {run.last_height}", refresh=False)
        else:
            done = run.buckets_done + run.partitions_resolved
            self.bar.set_postfix_str(f"{run.inputs_resolved / elapsed:,.0f} inputs/s", refresh=False)
        self.bar.update(done - self.bar.n)

    def _next_phase(self, run: ChainStoreRun) -> None:
        if self.bar is not None:
            self.bar.close()
        self.phase, self.started = run.phase, time.monotonic()
        self.txs_at_start = run.txs if run.phase == ChainStoreRun.Phase.PARSE else 0
        if run.phase == ChainStoreRun.Phase.DONE:
            self.bar = None
            return
        total = (
            run.partitions_total if run.phase == ChainStoreRun.Phase.PARSE else run.buckets_total + run.partitions_total
        )
        unit = "partition" if run.phase == ChainStoreRun.Phase.PARSE else "step"
        self.bar = tqdm(total=total, unit=unit, desc=run.phase, dynamic_ncols=True, mininterval=0.5, file=self.stream)

    def __exit__(self, *_exc) -> None:
        if self.bar is not None:
            self.bar.close()
