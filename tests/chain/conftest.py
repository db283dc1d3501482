import os
import uuid
from pathlib import Path

import pytest

from chain.services import ingest_run_create, ingest_run_execute
from graph import get_graph
from graph.schema import ensure_schema
from tests.conftest import REPO_ROOT

FIXTURES = Path(os.environ.get("CHAIN_FIXTURES", REPO_ROOT.parent / "shared" / "fixtures" / "bitcoin"))


@pytest.fixture
def fixtures() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip(f"real Bitcoin blocks not found at {FIXTURES} (set CHAIN_FIXTURES)")
    return FIXTURES


@pytest.fixture
def chain_graph(settings):
    """An empty graph of this test's own, with the schema; the services reach it through get_graph()."""
    settings.GRAPH_NAME = f"chain_{uuid.uuid4().hex}"
    store = get_graph()
    ensure_schema(store)
    yield store
    store.delete_graph()


@pytest.fixture
def ingest(db, chain_graph):
    def run(kind: str, source, *, network: str = "bitcoin", skip_bad: bool = False, workers: int = 1):
        created = ingest_run_create(kind=kind, source=str(source), network=network, skip_bad=skip_bad)
        return ingest_run_execute(run_id=created.id, workers=workers)

    return run


def fingerprint(store) -> dict:
    """Everything a user could notice about the loaded chain, in a few numbers."""
    return {
        "blocks": store.read("MATCH (b:Block) RETURN count(b) AS n, sum(b.height) AS heights")[0],
        "txs": store.read(
            "MATCH (t:Transaction) RETURN count(t) AS n, sum(t.value) AS value, sum(t.fee) AS fees, "
            "sum(t.unresolved) AS unresolved"
        )[0],
        "addresses": store.read(
            "MATCH (a:Address) RETURN count(a) AS n, sum(a.received) AS received, sum(a.sent) AS sent, "
            "sum(a.n_tx) AS n_tx"
        )[0],
        "edges": {
            row["type"]: row["n"]
            for row in store.read("MATCH ()-[r]->() RETURN type(r) AS type, count(r) AS n ORDER BY type")
        },
        "edge_value": store.read("MATCH ()-[r]->() RETURN sum(r.value) AS v")[0]["v"],
    }
