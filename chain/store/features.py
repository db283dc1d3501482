"""Per-address features as of a block, from the store and its clusters: feature_sql.py's statements on DuckDB.

The steps are `feature_steps`, run the same way by chain/store/spark.py on Spark SQL. The result goes under
`<store>/features/until=H/` (address_features, address_stats, address_edges, cluster_stats, each `data.parquet`, and
`_build.json`), written in a temporary directory and renamed, so a reader sees the old set or the new one.

Memory is DuckDB's limit (it spills to `<store>/tmp/`); nothing is read into Python but the tags given and,
with components by scipy, the links confirmed by the block (16 bytes a link, as clustering).
"""

import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from chain.errors import RunSpecError
from chain.store import feature_sql as sql
from chain.store.clusters import labels_build
from chain.store.layout import MARKER, StoreLayout, publish, read_json, step_enter
from chain.store.resolve import connect

OUTPUT_TABLES = tuple(sql.WRITE_QUERIES)
BUILD_MARKER = MARKER  # until, the clustering's build run, the engine, the counts
CLUSTER_TABLES = {"cluster_addresses": "addresses", "cluster_txs": "tx_clustering"}


class FeaturesOutOfMemory(RunSpecError):
    """A step needed more than DuckDB's memory limit; the features written before (if any) are kept."""


@dataclass
class FeatureTally:
    until: int = 0
    step: str = ""
    addresses: int = 0  # seen by the block: rows written
    clustered: int = 0  # addresses in a cluster of two or more
    clusters: int = 0
    tagged: int = 0
    seconds: float = 0.0
    step_seconds: dict[str, float] = field(default_factory=dict)
    step_started: float = 0.0


def features_dir(root: Path, until: int) -> Path:
    return Path(root) / "features" / f"until={int(until)}"


def store_tip(root: Path) -> int:
    """The store's highest block: the `until` of features over all of it."""
    with duckdb.connect() as con:
        found = con.execute(f"SELECT max(height) FROM read_parquet('{StoreLayout(root).table_glob('blocks')}')")  # noqa: S608
        top = found.fetchone()[0]
    if top is None:
        raise RunSpecError(f"the store {root} holds no block: run `chainstore build` first")
    return int(top)


def store_inputs_check(root: Path, until: int) -> dict:
    """The store's tables and its clustering must be there (the clustering's marker is returned): a clear
    message naming the command to run otherwise, before anything is computed."""
    store = StoreLayout(root)
    if isinstance(until, bool) or not isinstance(until, int) or until < 0:
        raise RunSpecError(f"until must be a block height (an integer from 0), not {until!r}")
    if not any(store.tables.glob("transactions/*/*.parquet")):
        raise RunSpecError(f"no store tables under {store.tables}: run `chainstore build` first")
    for table in CLUSTER_TABLES.values():
        if not any((store.root / "clusters" / table).glob("*.parquet")):
            raise RunSpecError(f"no clusters in the store {store.root}: run `chainstore cluster` first")
    return read_json(store.root / "clusters" / BUILD_MARKER) or {}


def tags_table(tags: Iterable[tuple[str, str]]) -> pa.Table:
    """(address, risk class) pairs as the `tags_raw` table: read once, kept small (public tags only)."""
    addresses, classes = [], []
    for address, risk_class in tags:
        addresses.append(address)
        classes.append(risk_class)
    return pa.table({"address": pa.array(addresses, pa.string()), "risk_class": pa.array(classes, pa.string())})


def store_features(
    root: Path,
    *,
    until: int,
    min_confidence: float,
    tags: Iterable[tuple[str, str]] = (),
    engine: str = "duckdb",
    components: str = "scipy",
    memory_limit: str = "1GB",
    threads: int = 2,
    master: str | None = None,
    on_step: Callable[[FeatureTally], None] = lambda tally: None,
) -> FeatureTally:
    """Features of every address seen by block `until`, written to `features/until=H/`.

    `tags`: (address, risk class) pairs, the public tags (graph/tags.py tag_classes). `engine="spark"` runs the
    same statements on Spark SQL at `master` (SPARK_MASTER, else local[2]), components by the SQL stars;
    `components` ("scipy" or "sql"), `memory_limit` and `threads` are DuckDB's."""
    clustered_by = store_inputs_check(Path(root), until)
    if engine == "spark":
        from chain.store.spark import spark_features

        return spark_features(
            root,
            until=until,
            min_confidence=min_confidence,
            tags=tags,
            master=master,
            on_step=on_step,
            clustered_by=clustered_by,
        )
    if engine != "duckdb":
        raise RunSpecError(f"unknown features engine {engine!r} (duckdb or spark)")
    store = StoreLayout(root)
    tally, started = FeatureTally(until=until), time.monotonic()
    with connect(store, threads=threads, memory_limit=memory_limit) as con:
        con.execute("SET enable_progress_bar = false")
        _views(con, store, tags_table(tags))
        try:
            feature_steps(
                con,
                until=until,
                min_confidence=min_confidence,
                components=components,
                tally=tally,
                on_step=on_step,
                dialect=sql.DUCKDB,
            )
            _write(con, store, until, feature_marker(tally, "duckdb", clustered_by))
        except duckdb.OutOfMemoryException as error:
            raise FeaturesOutOfMemory(
                f"features of {root} as of block {until}: step {tally.step!r} needed more than "
                f"CHAIN_STORE_MEMORY_LIMIT={memory_limit} ({str(error).splitlines()[0]}); raise the limit or run "
                "`chainstore features --engine spark`. Features written before are unchanged."
            ) from error
    tally.seconds = round(time.monotonic() - started, 3)
    step_enter(tally, on_step, "done")
    return tally


def feature_steps(con, *, until: int, min_confidence: float, components: str, tally: FeatureTally, on_step, dialect):
    """Every statement, on `con` (DuckDB, or anything with its `execute(statement).fetchone()`), to `f_features`."""
    step_enter(tally, on_step, "activity")
    for statement in sql.statements_before_components(until=until, min_confidence=min_confidence, dialect=dialect):
        con.execute(statement)
    step_enter(tally, on_step, "components")
    labels_build(con, engine=components, links="f_links")
    step_enter(tally, on_step, "features")
    for statement in sql.statements_after_components(dialect=dialect):
        con.execute(statement)
    tally.addresses = con.execute("SELECT count(*) FROM f_activity").fetchone()[0]  # each has its feature row
    tally.clustered, tally.clusters = con.execute("SELECT count(*), count(DISTINCT root) FROM labels").fetchone()
    tally.tagged = con.execute("SELECT count(*) FROM f_tags").fetchone()[0]
    step_enter(tally, on_step, "write")


def _views(con, store: StoreLayout, tags: pa.Table) -> None:
    for table in ("transactions", "outputs", "inputs"):
        glob = store.table_glob(table)
        con.execute(f"CREATE VIEW {table}_raw AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true)")  # noqa: S608
    for view, table in CLUSTER_TABLES.items():
        con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet('{store.root / 'clusters' / table}/*.parquet')")  # noqa: S608
    con.register("tags_arrow", tags)
    con.execute("CREATE TABLE tags_raw AS SELECT * FROM tags_arrow")
    con.unregister("tags_arrow")


def feature_marker(tally: FeatureTally, engine: str, clustered_by: dict) -> dict:
    return {
        "until": tally.until,
        "engine": engine,
        "build_run": clustered_by.get("build_run"),
        "addresses": tally.addresses,
        "clustered": tally.clustered,
        "tagged": tally.tagged,
    }


def _write(con, store: StoreLayout, until: int, marker: dict) -> None:
    final = features_dir(store.root, until)
    temporary = final.with_name(f".{final.name}.tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    for table, query in sql.WRITE_QUERIES.items():
        (temporary / table).mkdir(parents=True)
        con.execute(f"COPY ({query}) TO '{temporary / table / 'data.parquet'}' (FORMAT parquet, COMPRESSION zstd)")
    publish(temporary, final, marker)
