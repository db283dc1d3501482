"""The store's clustering on Apache Spark: cluster_sql.py's statements, run by clusters.py's steps, on Spark SQL.

The steps are clusters.py's `cluster_steps`, the statements are cluster_sql.py's with its `SPARK` dialect, and the
components are the same large-star/small-star SQL (each round a few joins and group-bys: no loop over records).
What is Spark's own is here: the store's Parquet read as temporary views, each `CREATE TABLE` written to
Parquet under `<store>/.spark.tmp` and read back (that cuts the plan's lineage: a star round would otherwise
recompute every earlier round), and the written tables in the same files and `_build.json` as DuckDB writes.

The store is a path every executor reaches (the same path on a shared filesystem: a local path in local mode).
"""

import contextlib
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from chain.errors import RunSpecError
from chain.store import cluster_sql as sql
from chain.store.clusters import WRITE_QUERIES, ClusterTally, cluster_steps
from chain.store.layout import StoreLayout, publish, step_enter

DEFAULT_MASTER = "local[2]"
SESSION_CONF = {
    "spark.app.name": "chainsleuth-cluster",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.compression.codec": "zstd",
    "spark.driver.memory": os.environ.get("SPARK_DRIVER_MEMORY", "2g"),
}
CREATE = re.compile(r"\s*CREATE TABLE (\w+) AS\s(.*)", re.S | re.I)
VIEW = re.compile(r"\s*CREATE OR REPLACE VIEW (\w+) AS\s(.*)", re.S | re.I)
DROP = re.compile(r"\s*DROP TABLE (?:IF EXISTS )?(\w+)\s*$", re.I)
RENAME = re.compile(r"\s*ALTER TABLE (\w+) RENAME TO (\w+)\s*$", re.I)
# Spark's types where DuckDB's differ (row_number is an int in Spark, sums of bigints a bigint): the written
# files carry DuckDB's, so `chainstore load` and any reader see one schema whichever engine clustered.
WRITE_TYPES = {
    "addresses": {"address_id": "BIGINT"},
    "address_clusters": {"address_id": "BIGINT"},
    "clusters": {"received": "DOUBLE", "sent": "DOUBLE"},
}


class SparkStartError(RunSpecError):
    """Spark could not start (no Java, or a master that does not answer): the machine's to fix."""


class SparkConnection:
    """What clusters.py's steps ask of a connection, `execute(statement).fetchone()`, on a SparkSession.

    Tables (`CREATE TABLE name AS query`) are written under `scratch`, one directory per table made, and read
    back as a temporary view; a rename moves only the view's name, a drop removes the directory."""

    def __init__(self, session, scratch: Path) -> None:
        self.session, self.scratch = session, scratch
        self.made: dict[str, Path] = {}
        self.result = None
        self.count = 0

    def execute(self, statement: str) -> "SparkConnection":
        self.result = None
        if created := CREATE.match(statement):
            self._create(created.group(1), created.group(2))
        elif viewed := VIEW.match(statement):
            self.session.sql(f"CREATE OR REPLACE TEMP VIEW {viewed.group(1)} AS {viewed.group(2)}")
        elif dropped := DROP.match(statement):
            self._drop(dropped.group(1))
        elif renamed := RENAME.match(statement):
            self._rename(renamed.group(1), renamed.group(2))
        else:
            self.result = self.session.sql(statement)
        return self

    def fetchone(self) -> tuple | None:
        rows = self.result.take(1) if self.result is not None else []
        return tuple(rows[0]) if rows else None

    def _create(self, name: str, query: str) -> None:
        self.count += 1
        directory = self.scratch / f"{name}-{self.count}"
        self.session.sql(query).write.parquet(str(directory))
        self.session.read.parquet(str(directory)).createOrReplaceTempView(name)
        self.made[name] = directory

    def _drop(self, name: str) -> None:
        self.session.catalog.dropTempView(name)
        if (directory := self.made.pop(name, None)) is not None:
            shutil.rmtree(directory, ignore_errors=True)

    def _rename(self, old: str, new: str) -> None:
        self._drop(new)
        self.session.read.parquet(str(self.made[old])).createOrReplaceTempView(new)
        self.session.catalog.dropTempView(old)
        self.made[new] = self.made.pop(old)


def spark_session(master: str | None = None):
    """The session this process already runs (a test's, a notebook's), else a new one at `master`, SPARK_MASTER
    or local[2]. Returns (session, made): a session made here is stopped by whoever made it."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    url = master or os.environ.get("SPARK_MASTER") or DEFAULT_MASTER
    builder = SparkSession.builder.master(url).config("spark.sql.shuffle.partitions", _shuffle_partitions(url))
    for key, value in SESSION_CONF.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as error:  # py4j and the launcher raise plain exceptions (no Java: RuntimeError, OSError)
        raise SparkStartError(f"Spark did not start at {url}: {error}") from error
    session.sparkContext.setLogLevel("ERROR")
    return session, True


def _shuffle_partitions(url: str) -> str:
    """SPARK_SHUFFLE_PARTITIONS, else one per core in local mode (local[N]: tiny tasks cost more than they
    share), else 200, Spark's own default (adaptive execution coalesces what turns out small)."""
    if "SPARK_SHUFFLE_PARTITIONS" in os.environ:
        return os.environ["SPARK_SHUFFLE_PARTITIONS"]
    local = re.fullmatch(r"local\[(\d+)\]", url)
    return local.group(1) if local else "200"


@contextlib.contextmanager
def _spark_work(master: str | None, scratch: Path):
    """A session (borrowed, or made and stopped after) and a connection writing its tables under `scratch`;
    afterwards the temporary views it made are dropped and the scratch removed, whatever happened."""
    session, made = spark_session(master)
    shutil.rmtree(scratch, ignore_errors=True)
    con = SparkConnection(session, scratch)
    try:
        yield session, con
    finally:
        for name in list(con.made):
            session.catalog.dropTempView(name)
        shutil.rmtree(scratch, ignore_errors=True)
        if made:
            session.stop()


def spark_cluster(
    root: Path,
    *,
    min_confidence: float,
    on_step: Callable[[ClusterTally], None] = lambda tally: None,
    built_by: dict | None = None,
    master: str | None = None,
    dialect: dict = sql.SPARK,
) -> ClusterTally:
    """clusters.store_cluster on Spark: the same steps and statements, the same four tables and marker."""
    store = StoreLayout(root)
    tally, started = ClusterTally(), time.monotonic()
    with _spark_work(master, store.root / ".spark.tmp") as (session, con):
        _views(session, store, dialect, con)
        cluster_steps(
            con, min_confidence=min_confidence, components="sql", tally=tally, on_step=on_step, dialect=dialect
        )
        _write(session, store, built_by)
    tally.seconds = round(time.monotonic() - started, 3)
    step_enter(tally, on_step, "done")
    return tally


def _views(session, store: StoreLayout, dialect: dict, con: SparkConnection) -> None:
    """The store's tables as views `<table>_raw`, the keyed views over them, and the change masks' table."""
    for table in ("transactions", "outputs", "inputs"):
        session.read.parquet(store.table_glob(table)).createOrReplaceTempView(f"{table}_raw")
    for table in ("outputs", "inputs"):
        con.execute(sql.keyed_view(table, exact=False, dialect=dialect))
    masks = [(mask, names, confidence) for mask, names, confidence in sql.change_masks()]
    schema = "mask BIGINT, heuristics ARRAY<STRING>, confidence DOUBLE"
    session.createDataFrame(masks, schema).createOrReplaceTempView("change_masks")


def _name_like_duckdb(directory: Path) -> None:
    """Spark's part files as `data.parquet` (one) or `data-00000.parquet`... (several, in Spark's order: an
    ordered table stays ordered by name), without its _SUCCESS and .crc files: the directory DuckDB writes."""
    parts = sorted(directory.glob("part-*.parquet"))
    for index, part in enumerate(parts):
        part.rename(directory / ("data.parquet" if len(parts) == 1 else f"data-{index:05d}.parquet"))
    for leftover in [*directory.glob("_SUCCESS"), *directory.glob(".*.crc")]:
        leftover.unlink()


def _write(session, store: StoreLayout, built_by: dict | None) -> None:
    """Each table (and the build marker) into a temporary directory, then all in place of the old ones."""
    final = store.root / "clusters"
    temporary = store.root / ".clusters.tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    for table, query in WRITE_QUERIES.items():
        frame = session.sql(query)
        for column, kind in WRITE_TYPES.get(table, {}).items():
            frame = frame.withColumn(column, frame[column].cast(kind))
        frame.write.parquet(str(temporary / table))
        _name_like_duckdb(temporary / table)
    publish(temporary, final, built_by)


def spark_features(
    root: Path,
    *,
    until: int,
    min_confidence: float,
    tags=(),
    master: str | None = None,
    on_step: Callable = lambda tally: None,
    clustered_by: dict | None = None,
):
    """features.store_features on Spark: feature_sql.py's statements in its SPARK dialect, components by the SQL
    stars, the same four tables and marker under `features/until=H/`."""
    from chain.store import feature_sql
    from chain.store.features import FeatureTally, feature_marker, feature_steps, features_dir

    store = StoreLayout(root)
    tally, started = FeatureTally(until=until), time.monotonic()
    with _spark_work(master, store.root / ".spark-features.tmp") as (session, con):
        _feature_views(session, store, tags)
        feature_steps(
            con,
            until=until,
            min_confidence=min_confidence,
            components="sql",
            tally=tally,
            on_step=on_step,
            dialect=feature_sql.SPARK,
        )
        final = features_dir(store.root, until)
        temporary = final.with_name(f".{final.name}.tmp")
        shutil.rmtree(temporary, ignore_errors=True)
        for table, query in feature_sql.WRITE_QUERIES.items():
            session.sql(query).write.parquet(str(temporary / table))
            _name_like_duckdb(temporary / table)
        publish(temporary, final, feature_marker(tally, "spark", clustered_by or {}))
    tally.seconds = round(time.monotonic() - started, 3)
    step_enter(tally, on_step, "done")
    return tally


def _feature_views(session, store: StoreLayout, tags) -> None:
    """The store's tables as `<table>_raw`, the clustering's as `cluster_addresses` and `cluster_txs`, the tags."""
    for table in ("transactions", "outputs", "inputs"):
        session.read.parquet(store.table_glob(table)).createOrReplaceTempView(f"{table}_raw")
    session.read.parquet(str(store.root / "clusters" / "addresses")).createOrReplaceTempView("cluster_addresses")
    session.read.parquet(str(store.root / "clusters" / "tx_clustering")).createOrReplaceTempView("cluster_txs")
    rows = [(address, risk_class) for address, risk_class in tags]
    session.createDataFrame(rows, "address STRING, risk_class STRING").createOrReplaceTempView("tags_raw")
