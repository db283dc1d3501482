# ruff: noqa: S608 - DuckDB SQL built from the store's own paths and constant names, never from user text
"""The load phase: the chain store into an empty FalkorDB graph (GRAPH.BULK), or into neo4j-admin's CSVs.

Rows come from chain/store/export.py (DuckDB, bounded memory); graph/bulk.py speaks the engines'
formats. After a FalkorDB load the schema (graph/schema.py) is created, so the graph is one the
incremental `ingest` continues from its tip.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis

from chain.store.export import EntitySet, StoreExport
from chain.store.prefetch import Prefetch
from graph import bulk
from graph.falkor import FalkorDBStore
from graph.schema import ensure_schema

BULK_COMMAND_TIMEOUT = 600.0  # seconds to wait for the server's answer to one GRAPH.BULK command
Progress = Callable[[str, int, int, float], None]  # entity set, rows sent, rows in it, seconds so far


@dataclass
class LoadResult:
    nodes: int = 0
    relationships: int = 0
    seconds: float = 0.0
    by_set: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LoadWindow:
    first: int | None = None
    last: int | None = None


def _export(store_dir: Path, work_dir: Path, window: LoadWindow, clusters_dir: Path | None, memory: str):
    return StoreExport(
        store_dir,
        work_dir=work_dir,
        first=window.first,
        last=window.last,
        clusters_dir=clusters_dir,
        memory_limit=memory,
    )


def load_falkordb(
    store_dir: Path,
    graph: FalkorDBStore,
    *,
    work_dir: Path,
    window: LoadWindow = LoadWindow(),
    clusters_dir: Path | None = None,
    memory_limit: str = "1GB",
    on_progress: Progress = lambda *args: None,
) -> LoadResult:
    """Load the store (or its window) into `graph`, which must be empty; then create the schema."""
    started = time.monotonic()
    client = bulk_client(graph)
    try:
        writer = bulk.BulkWriter(client, graph.graph_name)
        try:
            writer.refuse_existing()
            export = _export(store_dir, work_dir, window, clusters_dir, memory_limit)
            try:
                return export_write(export, graph, writer, started=started, on_progress=on_progress)
            finally:
                export.close()
        finally:
            writer.close()  # the sender and packers, stopped before their connection is closed
    finally:
        client.close()


def bulk_client(graph: FalkorDBStore) -> redis.Redis:
    """A connection for GRAPH.BULK: a command of 64 MB takes the server seconds, more on a busy machine, so
    redis-py's 5 s default is too short."""
    return redis.Redis(**graph.connection_kwargs, socket_timeout=BULK_COMMAND_TIMEOUT)


def export_write(
    export: StoreExport,
    graph: FalkorDBStore,
    writer: bulk.BulkWriter,
    *,
    started: float,
    on_progress: Progress = lambda *args: None,
) -> LoadResult:
    """Every entity set of `export` through `writer` into `graph` (empty), the schema made after the first
    command. Three stages overlap: a thread reads DuckDB's batches ahead (chain/store/prefetch.py), two pack
    them (graph/bulk.py), one sends; the server applies one command while the next is packed."""
    result = LoadResult()
    reader, schema = Prefetch(export), False
    try:
        for entity, total, batches in reader.sets():
            columns = _columns(entity, batches, total, started, on_progress)
            result.by_set[_set_name(entity)] = writer.send(entity.kind, entity.name, entity.properties, columns)
            if writer.begun and not schema:
                schema = _schema_early(writer, graph)
        writer.finish()
    finally:
        reader.close()
    if not schema:
        ensure_schema(graph)  # nothing was sent: the graph is the schema's alone
    result.nodes, result.relationships = writer.nodes, writer.relationships
    result.seconds = time.monotonic() - started
    return result


def _schema_early(writer: bulk.BulkWriter, graph: FalkorDBStore) -> bool:
    """The keys and indexes, made as soon as the graph exists (its first command, the blocks, has been
    applied): the server then indexes each node as it arrives, while we pack the next, instead of building
    every index after the load and waiting for it. A bulk insert does not check a unique constraint, but
    the keys are unique by construction (export.py's GROUP BY and DISTINCT), and every write after the load
    is checked against them (the bulk-loaded nodes are in the constraint's index)."""
    writer.drain()
    ensure_schema(graph)
    return True


def _set_name(entity: EntitySet) -> str:
    return entity.name if entity.properties != (("txid", "string"),) else "Transaction (spent, outside)"


def _columns(entity: EntitySet, batches, total: int, started: float, on_progress: Progress):
    """Each record batch's Arrow columns, the `nid` column dropped (nodes go in its order)."""
    sent = 0
    skip = 1 if entity.kind == "node" else 0
    for batch in batches:
        yield batch.columns[skip:]
        sent += batch.num_rows
        on_progress(_set_name(entity), sent, total, time.monotonic() - started)


def load_neo4j_csv(
    store_dir: Path,
    out_dir: Path,
    *,
    work_dir: Path,
    window: LoadWindow = LoadWindow(),
    clusters_dir: Path | None = None,
    memory_limit: str = "1GB",
    on_progress: Progress = lambda *args: None,
) -> LoadResult:
    """neo4j-admin's CSVs under `out_dir`: per entity set a header file and a data file (import.args
    lists them as `--nodes=` and `--relationships=` arguments; docs/scale.md shows the import)."""
    started = time.monotonic()
    out_dir.mkdir(parents=True, exist_ok=True)
    export = _export(store_dir, work_dir, window, clusters_dir, memory_limit)
    result, arguments = LoadResult(), []
    try:
        con = export.con
        keys = " UNION ALL ".join(
            f'SELECT nid, "{entity.key}" AS key FROM ({entity.query})' for entity in export.node_sets()
        )
        con.execute(f"CREATE OR REPLACE TABLE n_keys AS {keys}")
        for index, entity in enumerate(export.entity_sets()):
            stem = f"{index:02d}-{entity.kind}-{entity.name}"
            count = _write_neo4j_set(con, entity, out_dir, stem)
            option = "--nodes" if entity.kind == "node" else "--relationships"
            arguments.append(f"{option}={entity.name}={stem}.header.csv,{stem}.csv")
            result.by_set[f"{stem}"] = count
            if entity.kind == "node":
                result.nodes += count
            else:
                result.relationships += count
            result.files += [f"{stem}.header.csv", f"{stem}.csv"]
            on_progress(_set_name(entity), count, count, time.monotonic() - started)
    finally:
        export.close()
    (out_dir / "import.args").write_text("\n".join(arguments) + "\n")
    result.seconds = time.monotonic() - started
    return result


def _write_neo4j_set(con, entity: EntitySet, out_dir: Path, stem: str) -> int:
    values = [_neo4j_value(name, kind) for name, kind in entity.properties]
    count = con.execute(f"SELECT count(*) FROM ({entity.query})").fetchall()[0][0]
    if entity.kind == "node":
        header = bulk.neo4j_node_header(entity.name, entity.key, entity.properties)
        own = [value for (name, _), value in zip(entity.properties, values, strict=True) if name != entity.key]
        select = ", ".join([f'"{entity.key}"', *own, f"'{entity.name}'"])
        query = f"SELECT {select} FROM ({entity.query})"
    else:
        header = bulk.neo4j_relationship_header(*entity.ends, entity.properties)
        select = ", ".join(["s.key", "d.key", *values, f"'{entity.name}'"])
        query = f"SELECT {select} FROM ({entity.query}) r JOIN n_keys s ON s.nid = r.src JOIN n_keys d ON d.nid = r.dst"
    (out_dir / f"{stem}.header.csv").write_text(",".join(header) + "\n")
    target = out_dir / f"{stem}.csv"
    con.execute(f"COPY ({query}) TO '{target}' (FORMAT csv, HEADER false)")
    return count


def _neo4j_value(name: str, kind: str) -> str:
    if kind.endswith("[]"):
        return f"array_to_string(\"{name}\", '{bulk.ARRAY_DELIMITER}')"
    return f'"{name}"'
