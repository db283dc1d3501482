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
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import redis

from graph.errors import GraphError

_NULL, _BOOL, _DOUBLE, _STRING, _LONG, _ARRAY = 0, 1, 2, 3, 4, 5
_LONG_VALUE = struct.Struct("=Bq")
_DOUBLE_VALUE = struct.Struct("=Bd")
_ENDS = struct.Struct("=QQ")
_NULL_BYTE = bytes([_NULL])
_TRUE, _FALSE = struct.pack("=B?", _BOOL, True), struct.pack("=B?", _BOOL, False)
COMMAND_BYTES = 64 * 1024 * 1024  # a GRAPH.BULK command stays well under Redis's 512 MB argument limit
# (a command holds whole record batches: one batch of the largest transactions may exceed it alone)


class GraphNotEmpty(GraphError):
    """A bulk load writes only into a graph that does not exist yet."""


def _string(value: str) -> bytes:
    return bytes([_STRING]) + value.encode() + b"\x00"


def _long(value: int) -> bytes:
    return _LONG_VALUE.pack(_LONG, value)


def _double(value: float) -> bytes:
    return _DOUBLE_VALUE.pack(_DOUBLE, value)


def _bool(value: bool) -> bytes:
    return _TRUE if value else _FALSE


_SCALAR = {"long": _long, "double": _double, "boolean": _bool, "string": _string}


def _packer(kind: str) -> Callable[[Any], bytes]:
    if kind.endswith("[]"):
        element = _SCALAR[kind[:-2]]

        def array(values: list) -> bytes:
            return _LONG_VALUE.pack(_ARRAY, len(values)) + b"".join(element(v) for v in values)

        pack = array
    else:
        pack = _SCALAR[kind]
    return lambda value: _NULL_BYTE if value is None else pack(value)


def _header(name: str, properties: tuple[tuple[str, str], ...]) -> bytes:
    names = b"".join(prop.encode() + b"\x00" for prop, _ in properties)
    return name.encode() + b"\x00" + struct.pack("=I", len(properties)) + names


def encode_rows(columns: list[list], properties: tuple[tuple[str, str], ...], *, ends: bool) -> list[bytes]:
    """One binary entity per row; `columns` are src, dst then the properties (relationships) or the
    properties alone (nodes), as lists of Python values."""
    packers = [_packer(kind) for _, kind in properties]
    values = columns[2:] if ends else columns
    packed = [list(map(pack, column)) for pack, column in zip(packers, values, strict=True)]
    rows = zip(*packed, strict=True) if packed else iter(() for _ in range(len(columns[0])))
    if ends:
        return [_ENDS.pack(s, d) + b"".join(props) for s, d, props in zip(columns[0], columns[1], rows, strict=True)]
    return [b"".join(props) for props in rows]


_FIXED = {"long": (_LONG, "<i8"), "double": (_DOUBLE, "<f8"), "boolean": (_BOOL, "?")}


def encode_batch(columns: list, properties: tuple[tuple[str, str], ...], *, ends: bool) -> bytes:
    """A record batch's entities, packed back to back. `columns` are Arrow arrays. Fixed-width properties with
    no null (every relationship but INPUT) are laid out by numpy in one pass; the rest go row by row."""
    values = columns[2:] if ends else columns
    fixed = all(kind in _FIXED for _, kind in properties) and all(column.null_count == 0 for column in values)
    if not fixed:
        return b"".join(encode_rows([column.to_pylist() for column in columns], properties, ends=ends))
    layout = [("src", "<u8"), ("dst", "<u8")] if ends else []
    for index, (_, kind) in enumerate(properties):
        layout += [(f"t{index}", "u1"), (f"v{index}", _FIXED[kind][1])]
    packed = np.empty(len(columns[0]), dtype=np.dtype(layout))
    if ends:
        packed["src"], packed["dst"] = columns[0].to_numpy(), columns[1].to_numpy()
    for index, ((_, kind), column) in enumerate(zip(properties, values, strict=True)):
        packed[f"t{index}"] = _FIXED[kind][0]
        packed[f"v{index}"] = column.to_numpy(zero_copy_only=False)
    return packed.tobytes()


class BulkWriter:
    """Sends entities to one FalkorDB graph in GRAPH.BULK commands of at most COMMAND_BYTES."""

    def __init__(self, client: redis.Redis, graph_name: str) -> None:
        self.client = client
        self.graph_name = graph_name
        self.begun = False
        self.nodes = 0
        self.relationships = 0

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
        for columns in batches:
            blob, rows = encode_batch(columns, properties, ends=ends), len(columns[0])
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

    def _command(self, ends: bool, header: bytes, blobs: list[bytes], count: int) -> None:
        counts = [0, count, 0, 1] if ends else [count, 0, 1, 0]
        args = ["GRAPH.BULK", self.graph_name] + ([] if self.begun else ["BEGIN"]) + counts
        self.client.execute_command(*args, header + b"".join(blobs))
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
