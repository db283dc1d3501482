"""Building a store from GRAPH_URL, and what callers see when the database is not there."""

import pytest

from graph import GraphUnavailable, open_graph
from graph.falkor import FalkorDBStore
from graph.neo import Neo4jStore
from tests.conftest import free_port


def test_a_falkordb_url_names_host_port_and_graph():
    store = open_graph("falkordb://:secret@db.example:6390/cases")
    assert isinstance(store, FalkorDBStore)
    assert store.graph_name == "cases"
    kwargs = store.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["password"], kwargs["ssl"]) == ("db.example", 6390, "secret", False)


def test_a_falkordb_url_without_a_path_uses_the_configured_graph_name():
    assert open_graph("falkordb://localhost", graph_name="chainsleuth").graph_name == "chainsleuth"


@pytest.mark.parametrize("scheme", ["neo4j", "neo4j+s", "bolt", "bolt+ssc"])
def test_a_neo4j_url_keeps_its_scheme_and_database(scheme):
    store = open_graph(f"{scheme}://neo4j:pw@graph.example:7687/investigations")
    assert isinstance(store, Neo4jStore)
    assert (store._uri, store._auth, store._database) == (
        f"{scheme}://graph.example:7687",
        ("neo4j", "pw"),
        "investigations",
    )


def test_an_ipv6_neo4j_url_keeps_its_brackets():
    assert open_graph("bolt://neo4j:pw@[::1]:7687/db")._uri == "bolt://[::1]:7687"


def test_graph_password_overrides_the_url():
    store = open_graph("neo4j://neo4j:old@graph.example", password="new")
    assert store._auth == ("neo4j", "new")


def test_an_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="unsupported scheme 'http'"):
        open_graph("http://localhost:7474")


def test_an_unreachable_falkordb_is_unavailable_after_retries():
    store = open_graph(f"falkordb://127.0.0.1:{free_port()}")
    store.retries, store.backoff_seconds = 2, 0.01
    with pytest.raises(GraphUnavailable, match="FalkorDB is unavailable"):
        store.read("RETURN 1 AS ok")


def test_an_unreachable_neo4j_is_unavailable():
    store = Neo4jStore(uri=f"neo4j://127.0.0.1:{free_port()}", auth=("neo4j", "pw"), database=None, retry_seconds=0.5)
    store.backoff_seconds = 0.01
    with pytest.raises(GraphUnavailable, match="Neo4j is unavailable"):
        store.ping()
