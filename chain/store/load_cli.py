"""`manage.py chainstore load --store DIR --engine falkordb|neo4j-csv [--out DIR] [--from-height H --to-height H]`.

Kept apart from the command's module so the build's options and the load's do not mix; the command
hands `load` here.
"""

import time

from django.core.management.base import CommandError
from tqdm import tqdm

from chain.errors import RunSpecError
from chain.models import ChainStoreRun
from chain.store.load_runs import ENGINES, chainstore_load_create, chainstore_load_execute


def add_load_parser(actions):
    load = actions.add_parser("load", help="bulk-load the store into an empty graph, or into Neo4j import CSVs")
    load.add_argument("--engine", choices=ENGINES, default="falkordb")
    load.add_argument("--out", help="neo4j-csv: the directory for the CSVs and import.args")
    load.add_argument("--from-height", type=int, help="first height of the window (default: the store's first)")
    load.add_argument("--to-height", type=int, help="last height of the window (default: the store's last)")
    load.add_argument(
        "--clusters",
        help="a cluster assignment (address_clusters/, tx_clustering/ Parquet) instead of the store's own "
        "(<store>/clusters, made by `chainstore cluster`, loaded by default for a whole-store load)",
    )
    return load


def handle_load(command, *, store: str, **options) -> None:
    try:
        run = chainstore_load_create(
            store_dir=store,
            engine=options["engine"],
            out_dir=options.get("out"),
            first_height=options.get("from_height"),
            last_height=options.get("to_height"),
            clusters_dir=options.get("clusters"),
        )
    except RunSpecError as error:
        raise CommandError(str(error)) from None
    bar = _LoadProgress()
    try:
        run = chainstore_load_execute(run_id=run.id, on_progress=bar.update)
    finally:
        bar.close()
    if run.status != ChainStoreRun.Status.SUCCEEDED:
        raise CommandError(f"load run {run.id} {run.status}: {run.error}")
    seconds = run.phase_seconds.get("load", 0) or 1e-9
    command.stdout.write(
        command.style.SUCCESS(
            f"load run {run.id}: {run.nodes:,} nodes, {run.relationships:,} relationships in {seconds:.1f}s "
            f"({run.relationships / seconds:,.0f} relationships/s); clusters: {run.options.get('clusters') or 'none'}"
        )
    )


class _LoadProgress:
    """One bar per entity set, with its rows per second."""

    def __init__(self) -> None:
        self.bar, self.name, self.started = None, None, time.monotonic()

    def update(self, name: str, sent: int, total: int, _seconds: float) -> None:
        if name != self.name:
            self.close()
            self.bar = tqdm(total=total, desc=name, unit="row", dynamic_ncols=True, mininterval=0.5)
            self.name, self.started = name, time.monotonic()
        self.bar.update(sent - self.bar.n)
        self.bar.set_postfix_str(f"{sent / max(time.monotonic() - self.started, 1e-9):,.0f}/s", refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
