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
    # A command of 64 MB takes the server seconds, more on a busy machine: redis-py's 5 s default is too short.
    client = redis.Redis(**graph.connection_kwargs, socket_timeout=BULK_COMMAND_TIMEOUT)
    writer = bulk.BulkWriter(client, graph.graph_name)
    writer.refuse_existing()
    export = _export(store_dir, work_dir, window, clusters_dir, memory_limit)
    result = LoadResult()
    try:
        for entity in export.entity_sets():
            total = export.size(entity)
            batches = _columns(export, entity, total, started, on_progress)
            result.by_set[_set_name(entity)] = writer.send(entity.kind, entity.name, entity.properties, batches)
        writer.finish()
    finally:
        export.close()
        client.close()
    ensure_schema(graph)
    result.nodes, result.relationships = writer.nodes, writer.relationships
    result.seconds = time.monotonic() - started
    return result


def _set_name(entity: EntitySet) -> str:
    return entity.name if entity.properties != (("txid", "string"),) else "Transaction (spent, outside)"


def _columns(export: StoreExport, entity: EntitySet, total: int, started: float, on_progress: Progress):
    """Each record batch's Arrow columns, the `nid` column dropped (nodes go in its order)."""
    sent = 0
    skip = 1 if entity.kind == "node" else 0
    for batch in export.batches(entity):
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
        con.execute(f"CREATE OR REPLACE TEMP TABLE n_keys AS {keys}")
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
