"""`manage.py chainstore cluster --store DIR`: the subcommand's arguments and its progress lines."""

import os
import time

from django.core.management.base import CommandError

from chain.errors import RunSpecError
from chain.store.cluster_runs import chainstore_cluster
from chain.store.clusters import ClusterTally


def cluster_parser_add(actions) -> object:
    parser = actions.add_parser("cluster", help="cluster every address of a built store (docs/scale.md)")
    parser.add_argument(
        "--engine",
        choices=["scipy", "sql", "spark"],
        default="scipy",
        help="DuckDB with components by scipy or SQL stars, or the same SQL on Spark (docs/scale.md)",
    )
    parser.add_argument(
        "--master",
        help="the Spark master for --engine spark: local[2], spark://host:7077, yarn (default: SPARK_MASTER)",
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="DuckDB threads (all cores)")
    return parser


def cluster_handle(command, *, store: str, engine: str, threads: int, master: str | None = None) -> None:
    started = time.monotonic()

    def progress(tally: ClusterTally) -> None:
        command.stdout.write(f"[{time.monotonic() - started:8.1f}s] {tally.step}")

    try:
        run = chainstore_cluster(store_dir=store, engine=engine, threads=threads, master=master, on_step=progress)
    except RunSpecError as error:
        raise CommandError(str(error)) from None
    seconds = run.phase_seconds["cluster"]
    rate = run.inputs / seconds if seconds else 0.0
    command.stdout.write(
        command.style.SUCCESS(
            f"store run {run.id}: {run.cluster_links:,} links, {run.clusters:,} clusters of "
            f"{run.clustered_addresses:,} addresses in {seconds:.1f}s ({rate:,.0f} inputs/s)"
        )
    )
