"""The chain store: real blocks and a simulated world into partitioned Parquet, inputs resolved as the graph
resolves them, and a rerun that changes nothing."""

import pytest

from chain.models import ChainStoreRun
from chain.networks import NETWORKS
from chain.simulator.run import WorldSpec, simulate
from chain.store.services import chainstore_run_create, chainstore_run_execute
from tests.chain.storetools import (
    build,
    files_snapshot,
    graph_fees,
    graph_inputs,
    graph_outputs,
    rows,
    store_fees,
    store_inputs,
    store_outputs,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_partitions(settings):
    """Several partitions and buckets even for a few hundred blocks."""
    settings.CHAIN_STORE_PARTITION_BLOCKS = 50
    settings.CHAIN_STORE_BUCKETS = 4


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    directory = tmp_path_factory.mktemp("store-world")
    simulate(WorldSpec(txs=2_000, seed=11), directory)
    return directory / "blocks"


def test_the_first_255_blocks_give_every_block_and_transaction_and_every_input_resolves(fixtures, tmp_path):
    run = build("blk", fixtures / "blk-heights-1-255.dat", tmp_path / "store", workers=2)
    assert (run.status, run.phase) == (ChainStoreRun.Status.SUCCEEDED, ChainStoreRun.Phase.DONE), run.error
    assert (run.blocks, run.txs, run.first_height, run.last_height, run.partitions_total) == (255, 262, 1, 255, 6)
    assert (run.inputs, run.inputs_resolved, run.inputs_unresolved) == (7, 7, 0)
    assert (run.progress, set(run.phase_seconds)) == (1.0, {"parse", "resolve"})
    counts = rows(
        tmp_path / "store",
        "SELECT (SELECT count(*) FROM {blocks}), (SELECT count(*) FROM {transactions}), "
        "(SELECT count(*) FROM {inputs} WHERE resolved AND value > 0 AND prev_tx_id IS NOT NULL)",
    )
    assert counts == [(255, 262, 7)]


def test_the_first_payment_reads_as_it_happened(fixtures, tmp_path):
    build("blk", fixtures / "blk-heights-1-255.dat", tmp_path / "store")
    found = rows(
        tmp_path / "store",
        "SELECT t.height, t.fee, i.address, i.value, p.height FROM {transactions} t "
        "JOIN {inputs} i USING (tx_id) JOIN {transactions} p ON p.tx_id = i.prev_tx_id "
        "WHERE t.txid = unhex('f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16')",
    )
    assert found == [(170, 0, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", 5_000_000_000, 9)]


def test_block_574200_alone_gives_its_transactions_and_total_with_inputs_unresolved(fixtures, tmp_path):
    run = build("raw", fixtures / "block-574200.blk", tmp_path / "store")
    assert run.status == ChainStoreRun.Status.SUCCEEDED, run.error
    assert (run.blocks, run.txs, run.first_height) == (1, 3315, 574200)
    total = rows(tmp_path / "store", "SELECT count(*), sum(output_value) FROM {transactions}")
    assert total == [(3315, 1_168_464_839_990)]
    assert run.inputs_resolved + run.inputs_unresolved == run.inputs > 3314
    spent_elsewhere = rows(tmp_path / "store", "SELECT count(*) FROM {inputs} WHERE prev_tx_id IS NULL")
    assert spent_elsewhere == [(run.inputs_unresolved,)]
    assert rows(tmp_path / "store", "SELECT count(*) FROM {transactions} WHERE fee IS NOT NULL") < [(3315 - 1,)]


@pytest.mark.parametrize(
    ("kind", "name"), [("blk", "blk-heights-1-255.dat"), ("raw", "block-574200.blk"), ("json", "core-rpc")]
)
def test_inputs_outputs_and_fees_equal_what_the_incremental_ingest_writes(
    ingest, chain_graph, fixtures, tmp_path, kind, name
):
    run = build(kind, fixtures / name, tmp_path / "store")
    assert run.status == ChainStoreRun.Status.SUCCEEDED, run.error
    ingest(kind, fixtures / name)
    assert store_inputs(tmp_path / "store") == graph_inputs(chain_graph)
    assert store_outputs(tmp_path / "store") == graph_outputs(chain_graph)
    assert store_fees(tmp_path / "store") == graph_fees(chain_graph)


def test_a_simulated_world_resolves_as_the_incremental_ingest_does(ingest, chain_graph, world, tmp_path, settings):
    settings.CHAIN_STORE_PARTITION_BLOCKS = 10
    run = build("blk", world, tmp_path / "store", network="regtest", workers=2)
    assert run.status == ChainStoreRun.Status.SUCCEEDED, run.error
    assert (run.inputs_unresolved, run.partitions_total > 2) == (0, True)
    ingested = ingest("blk", world, network="regtest")
    assert run.txs == ingested.txs
    inputs = store_inputs(tmp_path / "store")
    assert sum(inputs.values()) == ingested.inputs
    assert inputs == graph_inputs(chain_graph)
    assert store_outputs(tmp_path / "store") == graph_outputs(chain_graph)
    assert store_fees(tmp_path / "store") == graph_fees(chain_graph)


def test_tx_ids_are_dense_and_in_chain_order(world, tmp_path, settings):
    settings.CHAIN_STORE_PARTITION_BLOCKS = 10
    build("blk", world, tmp_path / "store", network="regtest", workers=2)
    order = rows(tmp_path / "store", "SELECT tx_id FROM {transactions} ORDER BY height, index")
    assert [tx_id for (tx_id,) in order] == list(range(len(order)))
    firsts = rows(
        tmp_path / "store",
        "SELECT count(*) FROM {blocks} b JOIN {transactions} t ON t.tx_id = b.first_tx_id "
        "WHERE t.height = b.height AND t.index = 0",
    )
    assert firsts == rows(tmp_path / "store", "SELECT count(*) FROM {blocks}")


def test_a_second_build_of_the_same_source_changes_no_file(fixtures, tmp_path):
    first = build("blk", fixtures / "blk-heights-1-255.dat", tmp_path / "store", workers=2)
    before = files_snapshot(tmp_path / "store")
    again = build("blk", fixtures / "blk-heights-1-255.dat", tmp_path / "store", workers=2)
    assert again.status == ChainStoreRun.Status.SUCCEEDED, again.error
    assert files_snapshot(tmp_path / "store") == before
    assert (again.partitions_present, again.partitions_parsed, again.txs) == (first.partitions_total, 0, first.txs)


def test_a_repeated_coinbase_is_kept_flagged_and_its_spend_resolves_to_the_first(tmp_path, settings):
    from tests.chain.blockmaker import ChainMaker, to

    testnet = NETWORKS["testnet"]  # before its BIP34 height, where mainnet's repeats happened too
    chain = ChainMaker(tip=testnet.genesis_hash)
    first = chain.block(miner="A")
    chain.block(coinbase=chain.coinbase_of(0))
    chain.block(chain.spend((first, 0), outputs=[(50 * 100_000_000 - 1000, to("B"))]), fees=1000)
    path = chain.write_blk(tmp_path / "blk00000.dat", magic=testnet.magic)
    run = build("blk", path, tmp_path / "store", network="testnet")
    assert (run.status, run.repeated_coinbases, run.inputs_unresolved) == (ChainStoreRun.Status.SUCCEEDED, 1, 0)
    flagged = rows(tmp_path / "store", "SELECT height, repeated FROM {transactions} WHERE coinbase ORDER BY height")
    assert flagged == [(1, False), (2, True), (3, False)]
    spend = rows(
        tmp_path / "store", "SELECT p.height, i.value FROM {inputs} i JOIN {transactions} p ON p.tx_id = i.prev_tx_id"
    )
    assert spend == [(1, 50 * 100_000_000)]


def test_a_source_with_more_blocks_reparses_only_the_partitions_that_changed(tmp_path, settings):
    from tests.chain.test_kill_and_resume import busy_chain

    settings.CHAIN_STORE_PARTITION_BLOCKS = 10
    chain = busy_chain(blocks=45, txs_per_block=3)
    short = chain.write_blk(tmp_path / "short.dat", order=list(range(35)))
    build("blk", short, tmp_path / "store", network="regtest")
    full = chain.write_blk(tmp_path / "full.dat")
    run = build("blk", full, tmp_path / "store", network="regtest")
    assert (run.partitions_present, run.partitions_parsed, run.blocks) == (3, 2, 46)
    assert run.inputs_unresolved == 0
    assert rows(tmp_path / "store", "SELECT count(*), max(height) FROM {blocks}") == [(46, 46)]


def test_the_status_command_reads_the_store(fixtures, tmp_path, capsys):
    import json

    from django.core.management import call_command

    build("blk", fixtures / "blk-heights-1-255.dat", tmp_path / "store")
    call_command("chainstore", "status", "--store", str(tmp_path / "store"))
    status = json.loads(capsys.readouterr().out)
    assert (status["blocks"], status["txs"], status["partitions_resolved"], status["inputs_unresolved"]) == (
        255,
        262,
        6,
        0,
    )


def test_the_admin_lists_store_runs_with_their_phase_and_error(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="a long test password")
    client.force_login(admin)
    ChainStoreRun.objects.create(
        kind="blk",
        source="/data/blocks",
        store_dir="/data/store",
        status="failed",
        error="merkle root",
        failed_at="blk00003.dat byte 77",
    )
    page = client.get("/admin/chain/chainstorerun/")
    assert page.status_code == 200
    assert all(text in page.content.decode() for text in ("/data/store", "merkle root", "blk00003.dat byte 77"))
    assert client.get("/admin/chain/chainstorerun/add/").status_code == 403


def test_a_node_height_range_builds_with_the_nodes_prevouts_and_keeps_no_password(tmp_path, settings):
    from tests.chain.fakenode import FakeNode
    from tests.chain.test_core_rpc import paying_chain

    settings.CHAIN_STORE_PARTITION_BLOCKS = 2
    node = FakeNode(paying_chain().blocks).start()
    try:
        run = chainstore_run_create(
            kind="rpc", source=node.url, store_dir=str(tmp_path / "store"), network="regtest", options={"from": 3}
        )
        run = chainstore_run_execute(run_id=run.id, rpc_url=node.url)
    finally:
        node.stop()
    assert run.status == ChainStoreRun.Status.SUCCEEDED, run.error
    assert (run.blocks, run.first_height, run.last_height, run.inputs_unresolved) == (4, 3, 6, 0)
    assert "secret" not in run.source
    fees = rows(tmp_path / "store", "SELECT fee FROM {transactions} WHERE NOT coinbase ORDER BY height")
    assert fees == [(2 * 100_000_000,)] * 4


def test_a_store_another_build_is_writing_is_refused(fixtures, tmp_path):
    import fcntl

    (tmp_path / "store").mkdir()
    with open(tmp_path / "store" / ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        run = build("blk", fixtures / "blk-heights-1-255.dat", tmp_path / "store")
    assert (run.status, run.failed_at) == (ChainStoreRun.Status.FAILED, str(tmp_path / "store"))
    assert "another build" in run.error


def test_a_stale_block_without_its_parent_is_left_out_as_orphaned(tmp_path):
    from tests.chain.blockmaker import ChainMaker

    main, rival = ChainMaker(), ChainMaker()
    for height in range(5):
        main.block(miner=f"main{height}")
    for height in range(3):
        rival.block(miner=f"rival{height}")
    both = ChainMaker(blocks=[*main.blocks, rival.blocks[2]])  # the rival's third block, its parent missing
    run = build("blk", both.write_blk(tmp_path / "blk00000.dat"), tmp_path / "store", network="regtest")
    assert (run.status, run.blocks, run.blocks_orphaned) == (ChainStoreRun.Status.SUCCEEDED, 5, 1)
    miners = rows(
        tmp_path / "store", "SELECT count(*) FROM {outputs} WHERE tx_id IN (SELECT tx_id FROM {transactions})"
    )
    assert miners == [(5,)]


def test_the_build_command_shows_each_phase_with_its_rate_and_a_summary(fixtures, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    store = str(tmp_path / "store")
    call_command(
        "chainstore", "build", "blk", str(fixtures / "blk-heights-1-255.dat"), "--store", store, stdout=out, stderr=err
    )
    assert "store run" in out.getvalue()
    assert "255 blocks, 262 transactions" in out.getvalue()
    assert "0 unresolved" in out.getvalue()
    progress = err.getvalue()
    assert "parse" in progress
    assert "tx/s" in progress
    assert "inputs/s" in progress
