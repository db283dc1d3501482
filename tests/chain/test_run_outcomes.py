"""How an ingest run ends, read from its row: Ctrl-C is never a success, and a stopped run resumes."""

import pytest

from chain.models import IngestRun
from chain.services import ingest_run_create, ingest_run_execute
from tests.chain.blockmaker import ChainMaker

pytestmark = pytest.mark.django_db


def three_blocks(tmp_path):
    chain = ChainMaker()
    for _ in range(3):
        chain.block()
    return chain.write_blk(tmp_path / "blk00000.dat")


def test_ctrl_c_in_the_middle_of_a_run_cancels_it(chain_graph, tmp_path):
    path = three_blocks(tmp_path)
    run = ingest_run_create(kind="blk", source=str(path), network="regtest")

    calls = []

    def ctrl_c(progress: IngestRun) -> None:
        calls.append(progress.blocks_done)
        if len(calls) == 2:  # after the first block: the run is under way
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest_run_execute(run_id=run.id, on_progress=ctrl_c)
    run.refresh_from_db()
    assert (run.status, run.error) == (IngestRun.Status.CANCELLED, "stopped by the operator")
    assert run.finished_at is not None
    again = ingest_run_execute(run_id=ingest_run_create(kind="blk", source=str(path), network="regtest").id)
    assert (again.status, again.blocks_present + again.blocks_done) == (IngestRun.Status.SUCCEEDED, 3)


def test_an_unexpected_error_is_recorded_as_errored_and_raised(chain_graph, tmp_path):
    run = ingest_run_create(kind="blk", source=str(three_blocks(tmp_path)), network="regtest")

    def broken(progress: IngestRun) -> None:
        raise ZeroDivisionError("a bug")

    with pytest.raises(ZeroDivisionError):
        ingest_run_execute(run_id=run.id, on_progress=broken)
    run.refresh_from_db()
    assert run.status == IngestRun.Status.ERRORED
    assert run.error == "unexpected error: ZeroDivisionError('a bug')"
    assert run.failed_at == run.source
