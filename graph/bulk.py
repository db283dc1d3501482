"""Bulk first loads: FalkorDB's GRAPH.BULK protocol, and the header format of `neo4j-admin database import`.

Both take entity sets (chain/store/export.py): a label's nodes or a type's relationships, with typed
properties, as Arrow record batches; nodes come in the order of their load position (`nid`) and
relationships name their ends by it.

GRAPH.BULK is spoken here rather than through `falkordb-bulk-loader`, whose protocol this follows
(docs/dependencies.md): that tool reads CSV and infers the type of each array element from its text
(an empty string in `out_address` would become null) and keeps every node's id in a Python dictionary,
which does not fit the whole chain. Here the ids are the load positions DuckDB computed, and each value
is packed with the type the graph's incremental Cypher gives it.

The protocol: `GRAPH.BULK <graph> [BEGIN] <nodes> <relationships> <labels> <types> <blob>…`, BEGIN on
the first command only (the server refuses it for a graph that exists). A blob is the label's or
type's name, its property count and names (NUL-terminated), then its entities: a relationship's two
node ids (8 bytes each), then one typed value per property, where type 0 (null) leaves it unset.
Nodes get ids in the order they are sent, from 0.
"""

import struct
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import redis

from core.errors import Conflict
from graph.errors import GraphError

_NULL, _BOOL, _DOUBLE, _STRING, _LONG, _ARRAY = 0, 1, 2, 3, 4, 5
_NULL_BYTE = bytes([_NULL])
COMMAND_BYTES = 64 * 1024 * 1024  # a GRAPH.BULK command stays well under Redis's 512 MB argument limit
# (a command holds whole record batches: one batch of the largest transactions may exceed it alone)
PACKERS = 2  # record batches packed at once, each in a thread of its own


class GraphNotEmpty(GraphError, Conflict):
    """A bulk load writes only into a graph that does not exist yet: the caller's to fix (409), not a
    database failure, so a load run records it FAILED."""


def _header(name: str, properties: tuple[tuple[str, str], ...]) -> bytes:
    names = b"".join(prop.encode() + b"\x00" for prop, _ in properties)
    return name.encode() + b"\x00" + struct.pack("=I", len(properties)) + names


_FIXED = {"long": (_LONG, "<i8"), "double": (_DOUBLE, "<f8"), "boolean": (_BOOL, "?")}
_NULL_SCALAR = pa.scalar(_NULL_BYTE, pa.binary())
_NOTHING = pa.scalar(b"", pa.binary())


def _fixed_width(fields: list[tuple[str, str]], values: dict[str, Any], rows: int) -> pa.Array:
    """Rows of fixed-width fields laid out back to back by numpy, as one binary value per row."""
    packed = np.empty(rows, dtype=np.dtype(fields))
    for name, _ in fields:
        packed[name] = values[name]
    width = packed.dtype.itemsize
    array = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), rows, [None, pa.py_buffer(packed.tobytes())])
    return array.cast(pa.binary())


def encode_column(column: pa.Array, kind: str) -> pa.Array:
    """Each value of an Arrow column packed as GRAPH.BULK reads it (type byte, then the value); null as the
    null type. Vectorised: no Python per value."""
    if kind.endswith("[]"):
        lengths = pc.list_value_length(column).fill_null(0).to_numpy(zero_copy_only=False)
        head = _fixed_width([("t", "u1"), ("v", "<i8")], {"t": _ARRAY, "v": lengths}, len(column))
        elements = pa.ListArray.from_arrays(column.offsets, encode_column(column.values, kind[:-2]))
        packed = pc.binary_join_element_wise(head, pc.binary_join(elements, _NOTHING), _NOTHING)
    elif kind == "string":
        text = column.cast(pa.binary())
        packed = pc.binary_join_element_wise(pa.scalar(bytes([_STRING])), text, pa.scalar(b"\x00"), _NOTHING)
    else:
        code, layout = _FIXED[kind]
        values = column.fill_null(False if kind == "boolean" else 0).to_numpy(zero_copy_only=False)
        packed = _fixed_width([("t", "u1"), ("v", layout)], {"t": code, "v": values}, len(column))
    return pc.if_else(column.is_null(), _NULL_SCALAR, packed) if column.null_count else packed


def encode_batch(columns: list[pa.Array], properties: tuple[tuple[str, str], ...], *, ends: bool) -> bytes:
    """A record batch's entities packed back to back: a relationship's two node ids (`columns` start with
    src and dst), then one value per property."""
    parts = [
        encode_column(column, kind)
        for column, (_, kind) in zip(columns[2:] if ends else columns, properties, strict=True)
    ]
    if ends:
        rows = len(columns[0])
        ids = {"src": columns[0].to_numpy(), "dst": columns[1].to_numpy()}
        parts.insert(0, _fixed_width([("src", "<u8"), ("dst", "<u8")], ids, rows))
    joined = pc.binary_join_element_wise(*parts, _NOTHING) if len(parts) > 1 else parts[0]
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32)[joined.offset : joined.offset + len(joined) + 1]
    return joined.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]] if len(joined) else b""


def _pack(columns: list, properties, ends: bool) -> tuple[bytes, int]:
    return encode_batch(columns, properties, ends=ends), len(columns[0])


class BulkWriter:
    """Sends entities to one FalkorDB graph in GRAPH.BULK commands of at most COMMAND_BYTES."""

    def __init__(self, client: redis.Redis, graph_name: str) -> None:
        self.client = client
        self.graph_name = graph_name
        self.begun = False
        self.nodes = 0
        self.relationships = 0
        # One thread sends, in order (node ids are the order of arrival), while the caller packs the next
        # command: the server's work and ours overlap. At most two commands wait, bounding the memory.
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-send")
        self._pending: deque[Future] = deque()
        self._packers = ThreadPoolExecutor(max_workers=PACKERS, thread_name_prefix="bulk-pack")

    def drain(self) -> None:
        """Wait until the server has applied every command sent; one it refused raises here."""
        while self._pending:
            self._pending.popleft().result()

    def finish(self) -> None:
        """Wait for every command sent, then let the threads go; a command the server refused raises here at
        the latest."""
        self.drain()
        self.close()

    def close(self) -> None:
        """Let the threads go without waiting for what is queued: after a failure (a refused command, a
        reader's error) the load stops, and nothing left in the queues may still reach the server."""
        for pending in self._pending:
            pending.cancel()
        self._sender.shutdown(wait=True, cancel_futures=True)
        self._packers.shutdown(wait=True, cancel_futures=True)

    def refuse_existing(self) -> None:
        """A graph key that exists is refused, unless it holds nothing (the schema bootstrap's empty graph)."""
        if not self.client.exists(self.graph_name):
            return
        reply = self.client.execute_command("GRAPH.RO_QUERY", self.graph_name, "MATCH (n) RETURN count(n)")
        count = reply[1][0][0]
        if count:
            raise GraphNotEmpty(
                f"graph {self.graph_name!r} already holds {count} nodes: a bulk load needs an empty graph "
                "(choose another GRAPH_NAME, or remove it with `manage.py graph reset`)"
            )
        self.client.execute_command("GRAPH.DELETE", self.graph_name)

    def send(self, kind: str, name: str, properties, batches: Iterable[list]) -> int:
        """Send an entity set's record batches (lists of Arrow columns); returns how many entities."""
        header = _header(name, properties)
        ends = kind == "relationship"
        blobs, size, count, sent = [], len(header), 0, 0
        for blob, rows in self._packed(batches, properties, ends):
            if size + len(blob) > COMMAND_BYTES and blobs:
                self._command(ends, header, blobs, count)
                blobs, size, count = [], len(header), 0
            blobs.append(blob)
            size += len(blob)
            count += rows
            sent += rows
        if blobs:
            self._command(ends, header, blobs, count)
        return sent

    def _packed(self, batches: Iterable[list], properties, ends: bool) -> Iterator[tuple[bytes, int]]:
        """Each batch packed, with its row count, in order; PACKERS batches are packed at once (Arrow compute
        and numpy release the GIL, so the packers, the sender and DuckDB's reader share the cores)."""
        waiting: deque[Future] = deque()
        for columns in batches:
            if len(waiting) >= PACKERS:
                yield waiting.popleft().result()
            waiting.append(self._packers.submit(_pack, columns, properties, ends))
        while waiting:
            yield waiting.popleft().result()

    def _command(self, ends: bool, header: bytes, blobs: list[bytes], count: int) -> None:
        counts = [0, count, 0, 1] if ends else [count, 0, 1, 0]
        args = ["GRAPH.BULK", self.graph_name] + ([] if self.begun else ["BEGIN"]) + counts
        if len(self._pending) >= 2:
            self._pending.popleft().result()
        self._pending.append(self._sender.submit(self.client.execute_command, *args, header + b"".join(blobs)))
        self.begun = True
        if ends:
            self.relationships += count
        else:
            self.nodes += count


# neo4j-admin's names for the property types, in a header field `name:type`.
NEO4J_TYPES = {"long": "long", "double": "double", "boolean": "boolean", "string": "string"}
NEO4J_TYPES |= {f"{kind}[]": f"{name}[]" for kind, name in list(NEO4J_TYPES.items())}
ARRAY_DELIMITER = ";"


def neo4j_node_header(label: str, key: str, properties) -> list[str]:
    """`key:ID(label)` (the key is also stored as a property), then the typed properties, then `:LABEL`."""
    fields = [f"{key}:ID({label})"]
    fields += [f"{prop}:{NEO4J_TYPES[kind]}" for prop, kind in properties if prop != key]
    return [*fields, ":LABEL"]


def neo4j_relationship_header(start: str, end: str, properties) -> list[str]:
    fields = [f":START_ID({start})", f":END_ID({end})"]
    return fields + [f"{prop}:{NEO4J_TYPES[kind]}" for prop, kind in properties] + [":TYPE"]
