"""The clustering phase: chain/clustering.py's heuristics and chain/clusters.py's partition over the whole store.

No Python loop per transaction or input: every step is a set operation in DuckDB (chain/store/cluster_sql.py,
plain SQL so Spark can run the same definition). Steps: address keys (each address's 64-bit hash: the one pass
over address strings, which also finds any two addresses sharing a hash and then numbers the strings instead),
the store's columns read once into integer tables, where each address first appears (for fresh_change's
`seen_before`) and its dense id, each transaction's CoinJoin kind and change guess (`tx_clustering`), the
links, their connected components, and the clusters' names and figures. Integer keys because the heuristics'
joins on address strings took twice as long as on integers (docs/scale.md, "Address keys").

`seen_before` means what a block-by-block incremental ingest means: an address paid by an earlier
transaction, or spent from in an earlier block. (Batches of several blocks learn input addresses per
batch instead, so a batched ingest may differ on a few fresh_change guesses.)

Components: `engine="sql"` alternates large-star and small-star in SQL (bounded by DuckDB's memory limit,
spilling); `engine="scipy"` reads the links into numpy and runs scipy's connected_components, faster on one
machine while the links fit in memory (16 bytes a link). Both give the same labels (tested).
"""

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from chain.errors import RunSpecError
from chain.store import cluster_sql as sql
from chain.store.layout import MARKER, StoreLayout, publish, step_enter
from chain.store.resolve import connect

OUTPUT_TABLES = ("tx_clustering", "addresses", "address_clusters", "clusters")
BUILD_MARKER = MARKER  # {"build_run": id, "finished_at": iso time} of the build the clusters describe
MAX_STAR_ROUNDS = 200
WRITE_QUERIES = {  # what each written table holds, on every engine
    "tx_clustering": "SELECT tx_id, coinjoin, multi_input, change_n, change_heuristics, change_confidence "
    "FROM tx_clustering ORDER BY tx_id",
    "addresses": "SELECT a.address_id, n.address, a.script_type, a.first_tx_id "
    "FROM addresses a JOIN address_names n ON n.akey = a.akey",  # in no order: sorting strings costs
    "address_clusters": "SELECT address_id, cluster_id, txid, heuristic, confidence FROM address_clusters",
    "clusters": "SELECT * FROM clusters",
}


class ClusterOutOfMemory(RunSpecError):
    """A step needed more than DuckDB's memory limit; the clusters written before (if any) are kept."""


@dataclass
class ClusterTally:
    step: str = ""
    addresses: int = 0
    links: int = 0  # distinct address pairs linked
    clusters: int = 0
    clustered: int = 0  # addresses in a cluster
    inputs: int = 0
    rounds: int = 0  # large-star/small-star rounds (sql engine)
    exact_keys: bool = False  # two addresses shared a hash: the addresses were numbered by their strings
    seconds: float = 0.0
    step_seconds: dict[str, float] = field(default_factory=dict)  # where the time goes
    step_started: float = 0.0


def cluster_table_path(store: StoreLayout, table: str) -> Path:
    return store.root / "clusters" / table


def store_cluster(
    root: Path,
    *,
    min_confidence: float,
    engine: str = "scipy",
    memory_limit: str = "1GB",
    threads: int = 2,
    on_step: Callable[[ClusterTally], None] = lambda tally: None,
    built_by: dict | None = None,
    dialect: dict = sql.DUCKDB,
    master: str | None = None,
) -> ClusterTally:
    """Cluster the store at `root` and write its four clustering tables under `<root>/clusters/`.

    `built_by` (the build run the clusters describe) goes with them as `clusters/_build.json`, so a load
    can tell clusters of an older build from current ones (chain/store/load_runs.py). `dialect` is
    cluster_sql.DUCKDB unless a test swaps its address key for a colliding one. `engine="spark"` runs the same
    statements on Spark SQL at `master` (or SPARK_MASTER, else local[2]); `memory_limit`, `threads` are DuckDB's."""
    if engine == "spark":  # the same steps on Spark SQL (chain/store/spark.py), components by the SQL stars
        from chain.store.spark import spark_cluster

        return spark_cluster(root, min_confidence=min_confidence, on_step=on_step, built_by=built_by, master=master)
    store = StoreLayout(root)
    tally, started = ClusterTally(), time.monotonic()
    database = store.temp / "cluster.duckdb"  # the steps' tables on disk: in memory, they did not spill
    try:
        with connect(store, threads=threads, memory_limit=memory_limit, database=database) as con:
            con.execute("SET enable_progress_bar = false")  # the command prints its own steps
            _views(con, store, dialect)
            steps = {"min_confidence": min_confidence, "components": engine, "on_step": on_step, "dialect": dialect}
            cluster_steps(con, tally=tally, **steps)
            _write(con, store, built_by)
    except duckdb.OutOfMemoryException as error:
        raise ClusterOutOfMemory(
            f"clustering {root}: step {tally.step!r} needed more than CHAIN_STORE_MEMORY_LIMIT={memory_limit} "
            f"({str(error).splitlines()[0]}); raise the limit or run `chainstore cluster --engine spark`. "
            "The store's earlier clusters, if any, are unchanged."
        ) from error
    finally:  # a failed run's tables can be gigabytes
        database.unlink(missing_ok=True)
        Path(f"{database}.wal").unlink(missing_ok=True)
    tally.seconds = round(time.monotonic() - started, 3)
    step_enter(tally, on_step, "done")
    return tally


def cluster_steps(con, *, min_confidence: float, components: str, tally: ClusterTally, on_step, dialect: dict) -> None:
    """Every statement from the keys to the clusters' figures, on `con`: a DuckDB connection, or anything with
    its `execute(statement).fetchone()` (chain/store/spark.py's SparkConnection). Ends at step `write`."""
    tally.inputs = con.execute("SELECT count(*) FROM inputs_raw").fetchone()[0]
    _heuristics(con, min_confidence, tally, on_step, dialect)
    step_enter(tally, on_step, "components")
    labels_build(con, engine=components, tally=tally)
    step_enter(tally, on_step, "names")
    for template in (sql.TOUCHED, sql.NAMES, sql.CLUSTERS, sql.JOINS, sql.ADDRESS_CLUSTERS):
        con.execute(sql.statement(template, min_confidence=min_confidence, dialect=dialect))
    tally.clusters, tally.clustered = con.execute("SELECT count(*), sum(size) FROM clusters").fetchone()
    tally.clustered = tally.clustered or 0
    step_enter(tally, on_step, "write")


def _views(con: duckdb.DuckDBPyConnection, store: StoreLayout, dialect: dict) -> None:
    """The store's tables as views `<table>_raw`; `outputs` and `inputs` keyed (`<table>_keyed`, hashed)."""
    for table in ("transactions", "outputs", "inputs"):
        glob = store.table_glob(table)
        con.execute(f"CREATE VIEW {table}_raw AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true)")  # noqa: S608
    for table in ("outputs", "inputs"):
        con.execute(sql.keyed_view(table, exact=False, dialect=dialect))
    masks = sql.change_masks()
    con.register(
        "change_masks_arrow",
        pa.table(
            {
                "mask": [mask for mask, _, _ in masks],
                "heuristics": [names for _, names, _ in masks],
                "confidence": pa.array([confidence for _, _, confidence in masks], pa.float64()),
            }
        ),
    )
    con.execute("CREATE TABLE change_masks AS SELECT * FROM change_masks_arrow")


def _address_keys(con, dialect: dict) -> bool:
    """`address_names` (each key's address), then the integer tables every later step reads. Keys are hashes
    unless two addresses share one (about n²/2⁶⁵ likely for n addresses: 10⁻⁷ for two million, a few percent
    for the whole chain's 1.5 billion): then exact keys, numbered over the address strings (slower)."""
    con.execute(sql.ADDRESS_NAMES)
    exact = con.execute(sql.ADDRESS_COLLISIONS).fetchone() is not None
    if exact:
        con.execute("DROP TABLE address_names")
        con.execute(sql.EXACT_KEYS)
        for table in ("outputs", "inputs"):
            con.execute(sql.keyed_view(table, exact=True, dialect=dialect))
        con.execute(sql.ADDRESS_NAMES)
    for table, query in sql.MATERIALIZED.items():
        con.execute(f"CREATE TABLE {table} AS {query}")
    return exact


def _heuristics(con, min_confidence: float, tally: ClusterTally, on_step, dialect: dict) -> None:
    step_enter(tally, on_step, "addresses")
    tally.exact_keys = _address_keys(con, dialect)
    for template in (sql.ACTIVITY, sql.ADDRESS_FIRSTS, sql.ADDRESSES):
        con.execute(sql.statement(template, dialect=dialect))
    for table in ("activity", "address_firsts"):  # `addresses` carries their figures from here on
        con.execute(f"DROP TABLE {table}")
    steps = (
        (
            "heuristics",
            (sql.NAMED_INPUTS, sql.INPUT_FACTS, sql.COINJOINS, *sql.CHANGE_STEPS, *sql.TX_STEPS),
        ),
        ("links", (sql.LINKS,)),
    )
    for name, templates in steps:
        step_enter(tally, on_step, name)
        for template in templates:
            con.execute(sql.statement(template, min_confidence=min_confidence, dialect=dialect))
        if name == "heuristics":  # what tx_clustering sums up, and the rows read once: memory back to DuckDB
            for table in ("input_facts", "coinjoins", *sql.CHANGE_TABLES, *sql.TX_TABLES, "outputs", "inputs"):
                con.execute(f"DROP TABLE {table}")
    tally.addresses = con.execute("SELECT count(*) FROM addresses").fetchone()[0]
    tally.links = con.execute("SELECT count(*) FROM links").fetchone()[0]


def labels_build(con, *, engine: str, tally: ClusterTally | None = None, links: str = "links") -> None:
    """Table `labels` (address_id, root): each linked address and its component's smallest address id."""
    if engine == "sql":
        rounds = _stars(con, links)
    elif engine == "scipy":
        rounds = _scipy_labels(con, links)
    else:
        raise ValueError(f"unknown components engine {engine!r} (sql or scipy)")
    if tally is not None:
        tally.rounds = rounds


def _stars(con, links: str) -> int:
    con.execute("DROP TABLE IF EXISTS edges")
    con.execute(f"CREATE TABLE edges AS SELECT u, v FROM {links} WHERE u <> v")  # noqa: S608
    rounds, stars = 0, False
    while not stars:
        if rounds == MAX_STAR_ROUNDS:
            raise RuntimeError(f"connected components did not converge in {MAX_STAR_ROUNDS} rounds")
        for template in (sql.LARGE_STAR, sql.SMALL_STAR):
            con.execute(template)
            con.execute("DROP TABLE edges")
            con.execute("ALTER TABLE edges_next RENAME TO edges")
        rounds += 1
        stars = con.execute(sql.NOT_STARS).fetchone()[0] == 0
    con.execute("DROP TABLE IF EXISTS labels")
    con.execute(sql.LABELS_FROM_STARS)
    return rounds


def _scipy_labels(con, links: str) -> int:
    found = con.execute(f"SELECT u, v FROM {links} WHERE u <> v").fetchnumpy()  # noqa: S608
    u, v = np.asarray(found["u"], dtype=np.int64), np.asarray(found["v"], dtype=np.int64)
    size = int(max(u.max(), v.max())) + 1 if len(u) else 0
    graph = coo_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(size, size))  # ids are dense: no renumbering
    _, component = connected_components(graph, directed=False)
    linked = np.zeros(size, dtype=bool)
    linked[u], linked[v] = True, True
    nodes = np.flatnonzero(linked)
    _, first = np.unique(component[nodes], return_index=True)  # nodes ascend: the first of a component is its least
    root = np.empty(len(component), dtype=np.int64)
    root[component[nodes[first]]] = nodes[first]
    con.register("labels_arrow", pa.table({"address_id": nodes, "root": root[component[nodes]]}))
    con.execute("DROP TABLE IF EXISTS labels")
    con.execute("CREATE TABLE labels AS SELECT * FROM labels_arrow")
    con.unregister("labels_arrow")
    return 1


def _write(con, store: StoreLayout, built_by: dict | None) -> None:
    """Each table (and the build marker) into a temporary directory, then all in place of the old ones."""
    final = store.root / "clusters"
    temporary = store.root / ".clusters.tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    for table, query in WRITE_QUERIES.items():
        (temporary / table).mkdir(parents=True)
        con.execute(f"COPY ({query}) TO '{temporary / table / 'data.parquet'}' (FORMAT parquet, COMPRESSION zstd)")
    publish(temporary, final, built_by)
