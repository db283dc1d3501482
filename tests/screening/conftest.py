from tests.chain.conftest import chain_graph, ingest  # noqa: F401 - a graph of each test's own, and ingestion
from tests.investigations.conftest import people  # noqa: F401 - two teams of investigators
from tests.investigations.test_exploration import flows  # noqa: F401 - the hand-built chain
