"""The contract suite runs on every engine we have: embedded FalkorDB always, Neo4j when NEO4J_URL is set.

NEO4J_URL must name a throw-away database: the suite deletes everything in it.
"""

import os
import uuid

import pytest
from django.conf import settings

from graph import open_graph

ENGINES = ["falkordb", "neo4j"]


@pytest.fixture(params=ENGINES)
def store(request):
    if request.param == "neo4j":
        url = os.environ.get("NEO4J_URL")
        if not url:
            pytest.skip("NEO4J_URL is not set; the contract suite runs on FalkorDB only")
        engine_store = open_graph(url, password=os.environ.get("NEO4J_PASSWORD"))
        engine_store.drop_all()
        yield engine_store
        engine_store.drop_all()
        engine_store.close()
        return
    from core.embedded import ensure_running_if_needed

    ensure_running_if_needed()
    base = settings.GRAPH_URL if settings.GRAPH_URL.startswith("falkordb") else None
    if base is None:
        pytest.skip("GRAPH_URL points at Neo4j; the FalkorDB leg needs the embedded server or a falkordb:// URL")
    engine_store = open_graph(base, graph_name=f"contract_{uuid.uuid4().hex}", password=settings.GRAPH_PASSWORD)
    yield engine_store
    engine_store.delete_graph()
    engine_store.close()
