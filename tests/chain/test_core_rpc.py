"""Ingesting from a Bitcoin Core node over JSON-RPC: ranges, prevouts, following the tip, restarts, reorgs."""

import threading
import time

import pytest

from chain.models import IngestRun
from chain.services import ingest_rpc_run_create, ingest_run_execute
from tests.chain.blockmaker import ChainMaker, to
from tests.chain.conftest import fingerprint
from tests.chain.fakenode import FakeNode

pytestmark = pytest.mark.django_db
COIN = 100_000_000


def paying_chain(blocks: int = 6) -> ChainMaker:
    chain = ChainMaker()
    previous = chain.block(miner="m0")
    for height in range(1, blocks):
        payment = chain.spend((previous, 0), outputs=[(20 * COIN, to(f"shop{height}")), (29 * COIN, to(f"c{height}"))])
        previous = chain.block(payment, miner=f"m{height}", fees=COIN)
    return chain


@pytest.fixture
def node():
    started = FakeNode(paying_chain().blocks).start()
    yield started
    started.stop()


def rpc_run(url: str, **options) -> IngestRun:
    """The fake node has no genesis block to serve, so runs start at height 1 unless told otherwise."""
    options.setdefault("from", 1)
    keep_going = options.pop("keep_going", lambda: False)
    run = ingest_rpc_run_create(url=url, network="regtest", options=options)
    return ingest_run_execute(run_id=run.id, rpc_url=url, keep_going=keep_going)


def test_a_height_range_loads_with_the_nodes_prevouts(node, chain_graph):
    run = rpc_run(node.url, **{"from": 1, "to": 6})
    assert (run.status, run.blocks_done, run.first_height, run.last_height) == (IngestRun.Status.SUCCEEDED, 6, 1, 6)
    assert run.unresolved_inputs == 0
    assert "getblock" in node.calls
    fees = chain_graph.read("MATCH (t:Transaction {coinbase: false}) RETURN t.fee AS fee ORDER BY t.height")
    assert [row["fee"] for row in fees] == [COIN, 2 * COIN, 2 * COIN, 2 * COIN, 2 * COIN]


def test_a_node_without_verbosity_3_serves_raw_blocks(chain_graph):
    old = FakeNode(paying_chain().blocks, verbosity3=False).start()
    try:
        run = rpc_run(old.url)
        assert (run.status, run.blocks_done, run.unresolved_inputs) == (IngestRun.Status.SUCCEEDED, 6, 0)
    finally:
        old.stop()


def test_the_stored_run_never_holds_the_password(node, chain_graph):
    run = rpc_run(node.url, to=2)
    assert "secret" not in run.source
    assert run.source == f"http://127.0.0.1:{node.port}"


def test_wrong_credentials_a_wrong_network_and_no_node_are_clear(node, chain_graph):
    refused = rpc_run(node.url.replace("secret", "wrong"))
    assert refused.error == "the node refused our credentials (check the URL's user:password or --cookie)"
    node.stop()
    absent = rpc_run(node.url)
    assert absent.status == IngestRun.Status.FAILED
    assert absent.error.startswith("the node does not answer")
    assert absent.failed_at == f"http://127.0.0.1:{node.port}"


def test_following_picks_up_new_blocks_survives_a_restart_and_rolls_back_a_reorg(node, chain_graph):
    chain = paying_chain()
    rival = ChainMaker(blocks=list(chain.blocks[:4]), tip=_hash(chain.blocks[3]), time=chain.time + 1)
    for height in range(5, 8):  # a longer branch from height 4 on, paying other people
        rival.block(miner=f"rival{height}")
    looks = []

    def keep_going() -> bool:
        looks.append(time.monotonic())
        if len(looks) == 1:
            node.blocks = [*chain.blocks, *ChainMaker(blocks=[], tip=_hash(chain.blocks[-1]), time=chain.time).blocks]
            node.stop()  # the node restarts...
            threading.Timer(0.3, node.start).start()  # ...and is back shortly
        elif len(looks) == 3:
            node.blocks = rival.blocks  # a reorganisation: heights 5 and 6 replaced, 7 added
        return len(looks) < 5

    run = rpc_run(node.url, follow=True, poll_seconds=0.2, keep_going=keep_going)
    assert run.status == IngestRun.Status.SUCCEEDED, run.error
    assert run.blocks_rolled_back == 2
    heights = chain_graph.read("MATCH (b:Block) RETURN b.height AS h, b.hash AS hash ORDER BY h")
    assert [row["hash"] for row in heights] == [_hash(raw) for raw in rival.blocks]
    followed = fingerprint(chain_graph)
    chain_graph.drop_all()
    node.blocks = rival.blocks
    rpc_run(node.url)
    assert fingerprint(chain_graph) == followed, "after the rollback the graph is as if only the new chain existed"


def _hash(raw: bytes) -> str:
    from chain.serialization import block_hash_of

    return block_hash_of(raw)


def test_spends_resolved_from_prevouts_are_not_completed_twice(chain_graph):
    chain = ChainMaker()
    coinbase = chain.block(miner="early")
    chain.block(chain.spend((coinbase, 0), outputs=[(49 * COIN, to("later", "p2pk"))]), fees=COIN)
    node = FakeNode(chain.blocks).start()
    try:
        rpc_run(node.url, **{"from": 2, "to": 2})  # its input resolves from the node's prevout
        rpc_run(node.url, **{"from": 1, "to": 1})  # then the spent block arrives
        out_of_order = fingerprint(chain_graph)
        chain_graph.drop_all()
        rpc_run(node.url)
        assert fingerprint(chain_graph) == out_of_order
    finally:
        node.stop()


def test_a_p2pk_prevout_from_the_node_names_the_same_address_as_its_output(chain_graph):
    chain = ChainMaker()
    coinbase = chain.block(miner="first")
    pay_to_key = chain.spend((coinbase, 0), outputs=[(49 * COIN, to("key-holder", "p2pk"))])
    chain.block(pay_to_key, fees=COIN)
    from chain.serialization import txid_of

    chain.block(chain.spend((txid_of(pay_to_key), 0), outputs=[(48 * COIN, to("next"))]), fees=COIN)
    node = FakeNode(chain.blocks).start()
    try:
        rpc_run(node.url, **{"from": 3, "to": 3})  # resolved only by the node's prevout, which names no address
        spent = chain_graph.read(
            "MATCH (a:Address)-[i:INPUT]->(:Transaction) RETURN a.script_type AS kind, i.value AS v"
        )
        assert spent == [{"kind": "p2pk", "v": 49 * COIN}]
    finally:
        node.stop()


def test_following_the_mempool_writes_each_arrival_once_and_its_block_confirms_it(node, chain_graph, settings):
    from chain.serialization import txid_of
    from chain.signals import chain_written

    settings.ANOMALY_DETECTION = False  # what is announced is asserted here, not scanned
    chain = paying_chain()
    last_coinbase = txid_of(chain.coinbase_of(5))
    first = chain.spend((last_coinbase, 0), outputs=[(10 * COIN, to("buyer")), (39 * COIN, to("c-mem"))])
    second = chain.spend((txid_of(first), 0), outputs=[(9 * COIN, to("buyer2"))])
    looks, loose = [], []

    def keep_going() -> bool:
        looks.append(1)
        if len(looks) == 1:
            node.mempool = {txid_of(first): first, "ff" * 32: b"\x00not a transaction"}
        elif len(looks) == 2:
            node.mempool[txid_of(second)] = second
        elif len(looks) == 3:
            chain.block(first, miner="m7")
            node.blocks = chain.blocks
            del node.mempool[txid_of(first)]
        return len(looks) < 4

    def heard(sender, *, blocks, txids, **_) -> None:
        if not blocks:
            loose.append(txids)

    chain_written.connect(heard, weak=False, dispatch_uid="mempool-test")
    try:
        run = rpc_run(node.url, follow=True, mempool=True, poll_seconds=0.05, keep_going=keep_going)
    finally:
        chain_written.disconnect(dispatch_uid="mempool-test")
    assert run.status == IngestRun.Status.SUCCEEDED, run.error
    assert loose == [[txid_of(first)], [txid_of(second)]], "each arrival once; the unreadable entry skipped"
    rows = chain_graph.read(
        "MATCH (t:Transaction) WHERE t.txid IN $txids RETURN t.txid AS txid, t.unconfirmed AS loose, t.height AS h",
        txids=[txid_of(first), txid_of(second)],
    )
    state = {row["txid"]: (bool(row["loose"]), row["h"]) for row in rows}
    assert state == {txid_of(first): (False, 7), txid_of(second): (True, None)}
    spent = chain_graph.read(
        "MATCH (:Transaction {txid: $txid})-[:SPENT_BY]->(t:Transaction) RETURN t.txid AS txid", txid=txid_of(first)
    )
    assert [row["txid"] for row in spent] == [txid_of(second)], "the loose spend links to its parent"
