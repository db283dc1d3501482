# ruff: noqa: S608 - DuckDB SQL built from the export's own constant queries and names
"""What the embedded server holds per kind of entity and per property: the same store bulk-loaded in
variants of the graph's shape, each into a fresh graph key, read back with GRAPH.MEMORY USAGE (its
figures, in whole MB, per label, per relationship type, for the matrices and the indexes).

The variants exist only here, to price a change of shape (docs/scale.md, "What a bulk load costs"): the
graph's shape itself is graph/chain.py's, which every reader and both write paths share.
"""

import shutil
import time
import uuid
from dataclasses import replace
from pathlib import Path

from django.conf import settings

from chain.store.export import LONG, EntitySet, StoreExport
from chain.store.load import bulk_client, export_write
from core.embedded import from_settings
from graph import bulk, open_graph

_OUT_ARRAYS = ("out_value", "out_address", "out_type")

# The outpoint as the spent transaction's store tx_id and the output index (null: spent outside the window).
_INPUT_AS_PAIR = """
SELECT a.nid AS src, t.nid AS dst, p.tx_id AS prev_tx, i.prev_n::BIGINT AS prev_n, i.value
FROM w_inputs i JOIN n_txs t USING (tx_id) JOIN n_addresses a USING (address) LEFT JOIN n_txs p ON p.txid = i.prev_txid
"""


def _without(entity: EntitySet, dropped: tuple[str, ...]) -> EntitySet:
    kept = tuple((name, kind) for name, kind in entity.properties if name not in dropped)
    if kept == entity.properties:
        return entity
    ends = "nid" if entity.kind == "node" else "src, dst"
    columns = ", ".join([ends, *(f'"{name}"' for name, _ in kept)])
    order = " ORDER BY nid" if entity.kind == "node" else ""
    return replace(entity, properties=kept, query=f"SELECT {columns} FROM ({entity.query}){order}")


def _input_as_pair(entity: EntitySet) -> EntitySet:
    if entity.name != "INPUT":
        return entity
    return replace(entity, properties=(("prev_tx", LONG), ("prev_n", LONG), ("value", LONG)), query=_INPUT_AS_PAIR)


def _lean(entity: EntitySet) -> EntitySet | None:
    if entity.name == "SPENT_BY":
        return None
    return _without(_without(entity, _OUT_ARRAYS), ("outpoint",))


def _leaner(entity: EntitySet) -> EntitySet | None:
    lean = _lean(entity)
    return None if lean is None else _without(lean, ("block_hash",))


# name -> what becomes of each entity set (None: the set is not loaded)
SHAPES = {
    "as today (graph/chain.py)": lambda entity: entity,
    "no out_value/out_address/out_type arrays": lambda entity: _without(entity, _OUT_ARRAYS),
    "INPUT.outpoint as an integer pair (prev_tx, prev_n)": _input_as_pair,
    "no INPUT.outpoint": lambda entity: _without(entity, ("outpoint",)),
    "no SPENT_BY edges": lambda entity: None if entity.name == "SPENT_BY" else entity,
    "no Address figures (address, script_type only)": lambda entity: _without(
        entity, ("received", "sent", "n_tx", "first_seen", "first_height", "last_seen", "last_height")
    ),
    "no Transaction.block_hash (the IN_BLOCK edge names the block)": lambda entity: _without(entity, ("block_hash",)),
    "lean: no out_* arrays, no outpoint, no SPENT_BY": _lean,
    "leaner: lean, and no Transaction.block_hash": _leaner,
}


class _ShapedExport(StoreExport):
    def __init__(self, store_dir: Path, *, work_dir: Path, shape) -> None:
        super().__init__(store_dir, work_dir=work_dir)
        self.shape = shape

    def entity_sets(self):
        for entity in super().entity_sets():
            if (shaped := self.shape(entity)) is not None:
                yield shaped


def graph_memory(graph_name: str) -> dict:
    """GRAPH.MEMORY USAGE's figures (MB, whole numbers), nested dictionaries with text keys."""
    reply = from_settings().client().execute_command("GRAPH.MEMORY", "USAGE", graph_name)
    return _decoded(reply)


def _decoded(value):
    if isinstance(value, dict):
        return {_text(key): _decoded(item) for key, item in value.items()}
    if isinstance(value, list):  # RESP2: a flat list of keys and values
        return {_text(value[i]): _decoded(value[i + 1]) for i in range(0, len(value), 2)}
    return value


def _text(key) -> str:
    return key.decode() if isinstance(key, bytes) else str(key)


def _load_shape(store_dir: Path, shape) -> dict:
    name = f"bench_shape_{uuid.uuid4().hex}"
    graph = open_graph(settings.GRAPH_URL, graph_name=name, password=settings.GRAPH_PASSWORD, timeout_ms=600_000)
    client, work = bulk_client(graph), Path(settings.VAR_DIR) / "bulkload-work" / uuid.uuid4().hex
    export = _ShapedExport(store_dir, work_dir=work, shape=shape)
    try:
        result = export_write(export, graph, bulk.BulkWriter(client, name), started=time.monotonic())
    finally:
        export.close()
        client.close()
        shutil.rmtree(work, ignore_errors=True)
    usage = graph_memory(name)
    graph.delete_graph()
    return {"txs": result.by_set["Transaction"], "usage": usage}


def shape_rows(store_dir: Path) -> list[str]:
    """A table row per shape: bytes per transaction in all and by part, and the saving on today's shape.
    (INFO's used_memory is not used here: the server frees a deleted graph in the background, so its
    deltas from one variant to the next are noise.)"""
    rows = [
        "| shape | graph bytes/tx | saved on today's | node attributes by label, MB | edge attributes by type, MB "
        "| matrices (label / relation), node + edge blocks, indexes, MB |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    today = None
    for shape_name, shape in SHAPES.items():
        figures = _load_shape(store_dir, shape)
        usage, txs = figures["usage"], figures["txs"]
        per_tx = usage["total_graph_sz_mb"] * 2**20 / txs
        today = per_tx if today is None else today
        nodes = ", ".join(f"{k} {v}" for k, v in usage["amortized_node_attributes_by_label_sz_mb"].items() if v)
        edges = ", ".join(f"{k} {v}" for k, v in usage["amortized_edge_attributes_by_type_sz_mb"].items() if v)
        blocks = f"{usage['amortized_node_block_sz_mb']} + {usage['amortized_edge_block_sz_mb']}"
        parts = (
            f"{usage['label_matrices_sz_mb']} / {usage['relation_matrices_sz_mb']}, {blocks}, {usage['indices_sz_mb']}"
        )
        rows.append(f"| {shape_name} | {per_tx:,.0f} | {today - per_tx:,.0f} | {nodes} | {edges} | {parts} |")
        print(rows[-1], flush=True)
    return rows
