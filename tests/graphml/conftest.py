from tests.chain.conftest import chain_graph, ingest  # noqa: F401 - the same graph and ingest fixtures
