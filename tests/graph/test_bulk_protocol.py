"""Our GRAPH.BULK packing is byte for byte falkordb-bulk-loader's (the protocol's reference client) for every
type the loader sends, and keeps what that client cannot: an empty string inside an array."""

import pytest
from falkordb_bulk_loader.entity_file import Type, typed_prop_to_binary

from graph.bulk import _header, _packer, encode_rows


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
        ("long", None, "", Type.LONG),
    ],
)
def test_a_value_packs_as_the_reference_client_packs_it(kind, value, text, typed):
    assert _packer(kind)(value) == typed_prop_to_binary(text, typed)


def test_an_array_keeps_an_empty_string_that_the_reference_client_would_make_null():
    ours = _packer("string[]")(["bc1qexample", ""])
    theirs = typed_prop_to_binary("['bc1qexample', '']", Type.ARRAY)
    assert ours != theirs
    assert ours.endswith(b"\x03\x00")  # a string of no characters, not the null type


def test_a_relationship_names_its_ends_then_its_properties():
    (entity,) = encode_rows([[7], [9], [3], [None]], (("n", "long"), ("value", "long")), ends=True)
    assert entity == (7).to_bytes(8, "little") + (9).to_bytes(8, "little") + _packer("long")(3) + b"\x00"
    assert _header("OUTPUT", (("n", "long"), ("value", "long"))) == b"OUTPUT\x00\x02\x00\x00\x00n\x00value\x00"
