"""What every graph engine must do the same way: the contract the rest of ChainSleuth relies on."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import GraphConstraintError, GraphParameterError, GraphQueryError
from graph.params import INT64_MAX, INT64_MIN
from graph.schema import INDEXES, UNIQUE_KEYS, ensure_schema

HOSTILE = [
    "'",
    '"',
    "\\",
    "\\'",
    '\\"',
    "`",
    "*/",
    "/*",
    "//",
    "\n",
    "\r\n",
    "\t",
    "}",
    "{",
    ")",
    "(",
    "]",
    "$x",
    "' RETURN 1 //",
    '"}) MATCH (c:Canary) DETACH DELETE c //',
    "`) DETACH DELETE c //",
    "\\u0027",
    "é",
    "ü",
    "日本",
    "😀",
    "\u202e",
    "\ufeff",
    "CYPHER x=1 ",
]
hostile_text = (
    st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=8)), max_size=8)
    .map("".join)
    .filter(lambda text: "\x00" not in text)
)
# Any non-empty key without a backtick (graph/params.py): quotes, colons and spaces included.
map_keys = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True),
    hostile_text.filter(lambda key: key and "`" not in key),
)
# FalkorDB prints floats with 15 significant digits, so the largest doubles (above ~1.7976931348623e308)
# read back as infinity; amounts are integers, and no ChainSleuth value comes near that range.
finite_floats = st.floats(min_value=-1e300, max_value=1e300)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=INT64_MIN, max_value=INT64_MAX),
    finite_floats,
    hostile_text,
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(map_keys, children, max_size=4),
    ),
    max_leaves=12,
)
property_values = st.one_of(
    st.booleans(),
    st.integers(min_value=INT64_MIN, max_value=INT64_MAX),
    finite_floats,
    hostile_text,
    st.lists(st.integers(min_value=INT64_MIN, max_value=INT64_MAX), max_size=5),
    st.lists(hostile_text, max_size=5),
)
contract_settings = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def same(engine, sent, received) -> bool:
    """Equal, except that FalkorDB prints floats with 15 significant digits (graph/dialect.py)."""
    if isinstance(sent, float) and isinstance(received, float) and engine == "falkordb":
        return math.isclose(sent, received, rel_tol=1e-14, abs_tol=0.0) or sent == received
    if isinstance(sent, list | tuple):
        return (
            isinstance(received, list)
            and len(sent) == len(received)
            and all(same(engine, a, b) for a, b in zip(sent, received, strict=True))
        )
    if isinstance(sent, dict):
        return (
            isinstance(received, dict)
            and sent.keys() == received.keys()
            and all(same(engine, sent[key], received[key]) for key in sent)
        )
    return type(sent) is type(received) and sent == received


@pytest.fixture
def canary(store):
    store.write("CREATE (:Canary {token: $token})", token="alive")
    yield
    rows = store.read("MATCH (c:Canary) RETURN c.token AS token")
    assert rows == [{"token": "alive"}], "a parameter value was executed as Cypher"
    labels = store.read("MATCH (n) UNWIND labels(n) AS label RETURN DISTINCT label ORDER BY label")
    assert {row["label"] for row in labels} <= {"Canary", "Probe"}


@contract_settings
@given(value=json_values)
def test_any_parameter_comes_back_unchanged(store, canary, value):
    rows = store.read("RETURN $value AS value", value=value)
    assert same(store.engine, value, rows[0]["value"]), rows


@contract_settings
@given(value=property_values)
def test_stored_properties_read_back_unchanged(store, canary, value):
    store.write("MERGE (p:Probe {key: 1}) SET p.value = $value", value=value)
    rows = store.read("MATCH (p:Probe {key: 1}) RETURN p.value AS value, p.value = $value AS exact", value=value)
    assert rows[0]["exact"] is True, "the database did not store the value it was sent"
    assert same(store.engine, value, rows[0]["value"]), rows


@contract_settings
@given(text=hostile_text)
def test_hostile_strings_match_as_values_not_code(store, canary, text):
    store.write("MERGE (p:Probe {name: $name})", name=text)
    rows = store.read("MATCH (p:Probe) WHERE p.name = $name RETURN count(p) AS n", name=text)
    assert rows == [{"n": 1}]


def test_unwind_merge_batches_are_idempotent(store):
    rows = [{"address": f"addr{i}", "value": i * 1000} for i in range(2500)]
    query = "UNWIND $rows AS row MERGE (a:Probe {address: row.address}) SET a.value = row.value"
    for _ in range(2):
        assert store.write_rows(query, rows, batch_size=1000) == 2500
    totals = store.read("MATCH (a:Probe) RETURN count(a) AS n, sum(a.value) AS total")
    assert totals == [{"n": 2500, "total": sum(row["value"] for row in rows)}]


def test_a_write_guarded_by_an_existence_count_runs_once(store):
    guarded = (
        "OPTIONAL MATCH (done:Probe {key: $key}) WITH count(done) AS existing WHERE existing = 0 "
        "CREATE (p:Probe {key: $key}) RETURN count(p) AS created"
    )
    assert store.write(guarded, key="block-1") == [{"created": 1}]
    assert store.write(guarded, key="block-1") == [{"created": 0}]
    assert store.read("MATCH (p:Probe) RETURN count(p) AS n") == [{"n": 1}]


def test_a_failing_write_leaves_nothing_behind(store):
    store.write("CREATE (:Probe {id: 0})")
    with pytest.raises(GraphQueryError):
        store.write(
            "UNWIND $ids AS id CREATE (:Probe {id: id}) WITH id WHERE id = 3 RETURN 1 / (id - id) AS boom",
            ids=[1, 2, 3],
        )
    assert store.read("MATCH (p:Probe) RETURN p.id AS id") == [{"id": 0}]


def test_a_constraint_violation_rolls_back_the_whole_batch(store):
    ensure_schema(store)
    store.write("CREATE (:Address {address: 'a1'})")
    with pytest.raises(GraphConstraintError):
        store.write("UNWIND $rows AS a CREATE (:Address {address: a})", rows=["a2", "a3", "a1"])
    rows = store.read("MATCH (a:Address) RETURN a.address AS address ORDER BY address")
    assert rows == [{"address": "a1"}]
    store.write("MATCH (a:Address) DETACH DELETE a")


def test_schema_bootstrap_is_idempotent_and_enforces_keys(store):
    ensure_schema(store)
    ensure_schema(store)
    for label, prop in UNIQUE_KEYS:
        assert (label, prop) not in INDEXES
    store.write("CREATE (:Transaction {txid: 'tx1'})")
    with pytest.raises(GraphConstraintError):
        store.write("CREATE (:Transaction {txid: 'tx1'})")
    store.write("MATCH (t:Transaction) DETACH DELETE t")


def test_reads_refuse_to_write(store):
    with pytest.raises(GraphQueryError):
        store.read("CREATE (:Probe {id: 1})")
    assert store.read("MATCH (p:Probe) RETURN count(p) AS n") == [{"n": 0}]


def test_nodes_relationships_and_paths_come_back_as_plain_values(store):
    store.write("CREATE (:Probe {name: 'a'})-[:FLOWS {value: 5}]->(:Probe {name: 'b'})")
    row = store.read("MATCH p = (a:Probe {name: 'a'})-[r:FLOWS]->(b) RETURN a, r, b, p")[0]
    assert row["a"] == {"name": "a"}
    assert row["r"] == {"value": 5}
    assert row["p"] == {"nodes": [{"name": "a"}, {"name": "b"}], "relationships": [{"value": 5}]}


def test_a_syntax_error_is_a_query_error(store):
    with pytest.raises(GraphQueryError):
        store.read("RETURN 1 +")


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("a\x00b", "$value: text contains a NUL byte at position 1"),
        (float("inf"), "$value: inf is not a finite number"),
        (float("nan"), "$value: nan is not a finite number"),
        (2**63, "$value: integer 9223372036854775808 does not fit in 64 bits"),
        ({"rows": [{"ok": 1}, {"bad": "\ud800"}]}, "$value.rows[1].bad: text holds a lone surrogate at position 0"),
        (b"bytes", "$value: values of type bytes cannot be stored in the graph"),
        ({"a`b": 1}, "$value: map key 'a`b' must be a non-empty string without backticks"),
        ({"": 1}, "$value: map key '' must be a non-empty string without backticks"),
        (
            {"rows": [{"txid": "ab", "n": 2**70}]},
            "$value.rows[0].n: integer 1180591620717411303424 does not fit in 64 bits",
        ),
    ],
)
def test_unsupported_parameters_are_refused_with_their_name(store, value, named):
    with pytest.raises(GraphParameterError) as error:
        store.write("CREATE (:Probe {value: $value})", value=value)
    assert str(error.value) == named
    assert store.read("MATCH (p:Probe) RETURN count(p) AS n") == [{"n": 0}]
