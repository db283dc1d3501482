"""Our GRAPH.BULK packing is byte for byte falkordb-bulk-loader's (the protocol's reference client) for every
type the loader sends, and keeps what that client cannot: an empty string inside an array."""

import pyarrow as pa
import pytest
from falkordb_bulk_loader.entity_file import Type, typed_prop_to_binary

from graph.bulk import _header, encode_batch, encode_column

ARROW = {"long": pa.int64(), "double": pa.float64(), "boolean": pa.bool_(), "string": pa.string()}
ARROW["long[]"], ARROW["string[]"] = pa.list_(pa.int64()), pa.list_(pa.string())


@pytest.mark.parametrize(
    ("kind", "value", "text", "typed"),
    [
        ("long", 5_000_000_000, "5000000000", Type.LONG),
        ("long", -3, "-3", Type.LONG),
        ("double", 0.95, "0.95", Type.DOUBLE),
        ("boolean", True, "true", Type.BOOL),
        ("boolean", False, "false", Type.BOOL),
        ("string", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", Type.STRING),
        ("long[]", [1, 2, 3], "[1, 2, 3]", Type.ARRAY),
        ("string[]", ["p2pkh", "p2wpkh"], "['p2pkh', 'p2wpkh']", Type.ARRAY),
        ("long", None, "", Type.LONG),
        ("string[]", None, "", Type.ARRAY),
    ],
)
def test_a_value_packs_as_the_reference_client_packs_it(kind, value, text, typed):
    packed = encode_column(pa.array([7 if kind == "long" else None, value], ARROW[kind]), kind).to_pylist()
    assert packed[1] == typed_prop_to_binary(text, typed)


def test_an_array_keeps_an_empty_string_that_the_reference_client_would_make_null():
    ours = encode_column(pa.array([["bc1qexample", ""]], ARROW["string[]"]), "string[]").to_pylist()[0]
    theirs = typed_prop_to_binary("['bc1qexample', '']", Type.ARRAY)
    assert ours != theirs
    assert ours.endswith(b"\x03\x00")  # a string of no characters, not the null type


def test_a_relationship_names_its_ends_then_its_properties():
    columns = [pa.array([7, 8], pa.int64()), pa.array([9, 10], pa.int64()), pa.array([3, 4]), pa.array([None, 1])]
    blob = encode_batch(columns, (("n", "long"), ("value", "long")), ends=True)
    first = (7).to_bytes(8, "little") + (9).to_bytes(8, "little") + typed_prop_to_binary("3", Type.LONG) + b"\x00"
    second = (8).to_bytes(8, "little") + (10).to_bytes(8, "little") + typed_prop_to_binary("4", Type.LONG)
    assert blob == first + second + typed_prop_to_binary("1", Type.LONG)
    assert _header("OUTPUT", (("n", "long"), ("value", "long"))) == b"OUTPUT\x00\x02\x00\x00\x00n\x00value\x00"
