"""The demo world `make run` loads: once, resumable, and never over a chain of the user's own."""

import pytest

from chain.models import IngestRun
from chain.services import demo_world_load
from tests.chain.blockmaker import ChainMaker

pytestmark = pytest.mark.django_db


def test_a_new_installation_gets_the_world_once(chain_graph, tmp_path):
    directory = tmp_path / "demo"
    run = demo_world_load(txs=1_000, directory=directory)
    assert run.status == IngestRun.Status.SUCCEEDED, run.error
    loaded = chain_graph.read("MATCH (t:Transaction) RETURN count(t) AS n")[0]["n"]
    assert loaded == run.txs >= 1_000
    assert (directory / "truth.csv").is_file()
    assert demo_world_load(txs=1_000, directory=directory) is None, "a second start loads nothing"
    assert chain_graph.read("MATCH (t:Transaction) RETURN count(t) AS n")[0]["n"] == loaded


def test_a_cut_short_load_resumes_without_simulating_again(chain_graph, tmp_path):
    directory = tmp_path / "demo"
    first = demo_world_load(txs=1_000, directory=directory)
    IngestRun.objects.filter(id=first.id).update(status=IngestRun.Status.FAILED)  # as if killed before the end
    made = (directory / "blocks" / "blk00000.dat").stat().st_mtime_ns
    again = demo_world_load(txs=1_000, directory=directory)
    assert again.status == IngestRun.Status.SUCCEEDED
    assert (again.blocks_done, again.blocks_present) == (0, first.blocks_done), "idempotent: nothing written twice"
    assert (directory / "blocks" / "blk00000.dat").stat().st_mtime_ns == made


def test_a_graph_with_a_chain_of_its_own_is_left_alone(ingest, chain_graph, tmp_path):
    chain = ChainMaker()
    chain.block()
    assert ingest("blk", chain.write_blk(tmp_path / "own.dat"), network="regtest").status == "succeeded"
    assert demo_world_load(txs=1_000, directory=tmp_path / "demo") is None
    assert not (tmp_path / "demo").exists()
    assert chain_graph.read("MATCH (b:Block) RETURN count(b) AS n") == [{"n": 1}]
