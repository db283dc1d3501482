import pytest
import torch

from chain.simulator.run import WorldSpec, simulate
from graphml.training import TrainSpec
from tests.chain.conftest import chain_graph, ingest  # noqa: F401 - the same graph and ingest fixtures

# The suite runs beside other work on few cores: torch's intra-op threads would wait for each other (the
# graphs here are small), so every graphml test runs torch on one thread, as OMP_NUM_THREADS=1 would.
torch.set_num_threads(1)

# A message-passing model: the labeling tests explain its flagged addresses with GNNExplainer on demand.
# GraphSAGE only: GAT's attention over every edge made each of the dozen trainings here several times
# slower, and GAT is trained by tests/graphml/test_training.py and test_features.py.
FAST = TrainSpec(models=("graphsage",), epochs=60, patience=20, hidden=32, seed=1)
QUICK_SIGN = TrainSpec(models=("sign",), passes=15, pass_patience=5, hidden=32, seed=1)


@pytest.fixture
def world_graph(ingest, chain_graph, tmp_path):  # noqa: F811 - pytest passes the fixtures imported above
    """A small simulated world (4,000 transactions, 10 % by criminals) ingested into this test's graph."""
    world = tmp_path / "world"
    simulate(WorldSpec(txs=4_000, seed=2, illicit_share=0.1), world)
    assert ingest("blk", world / "blocks", network="regtest", workers=1).status == "succeeded"
    return chain_graph, world / "truth.csv"
