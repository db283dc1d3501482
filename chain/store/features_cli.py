"""`manage.py chainstore features --store DIR --until H`: the subcommand's arguments and its progress lines."""

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from chain.errors import RunSpecError
from chain.store.features import FeatureTally, features_dir, store_features


def features_parser_add(actions) -> object:
    parser = actions.add_parser(
        "features", help="per-address features and aggregates as of a block, from a clustered store (docs/scale.md)"
    )
    parser.add_argument("--until", type=int, required=True, help="the last block the features may see")
    parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb", help="DuckDB here, or Spark SQL")
    parser.add_argument(
        "--master",
        help="the Spark master for --engine spark: local[2], spark://host:7077, yarn (default: SPARK_MASTER)",
    )
    parser.add_argument(
        "--tags",
        choices=["graph", "none"],
        default="graph",
        help="tag exposure from the graph's public tags (default), or none (the tag features are 0)",
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="DuckDB threads (all cores)")
    return parser


def features_handle(command, *, store: str, until: int, engine: str, tags: str, threads: int, master=None) -> None:
    started = time.monotonic()

    def progress(tally: FeatureTally) -> None:
        command.stdout.write(f"[{time.monotonic() - started:8.1f}s] {tally.step}")

    try:
        tally = store_features(
            Path(store).resolve(),
            until=until,
            min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE,
            tags=_tags(tags),
            engine=engine,
            memory_limit=settings.CHAIN_STORE_MEMORY_LIMIT,
            threads=threads,
            master=master,
            on_step=progress,
        )
    except RunSpecError as error:
        raise CommandError(str(error)) from None
    rate = tally.addresses / tally.seconds if tally.seconds else 0.0
    command.stdout.write(
        command.style.SUCCESS(
            f"features as of block {until:,}: {tally.addresses:,} addresses, {tally.clusters:,} clusters of two or "
            f"more, {tally.tagged:,} tagged, in {tally.seconds:.1f}s ({rate:,.0f} addresses/s) "
            f"into {features_dir(Path(store), until)}"
        )
    )


def _tags(source: str):
    if source == "none":
        return []
    from graph import get_graph
    from graph.tags import tag_classes

    return list(tag_classes(get_graph()))
