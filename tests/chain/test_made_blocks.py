"""Blocks made for the purpose (tests/chain/blockmaker.py): every script type, any order, forks."""

import pytest

from chain.models import IngestRun
from chain.networks import NETWORKS
from chain.serialization import block_hash_of
from tests.chain.blockmaker import SUBSIDY, ChainMaker, to
from tests.chain.conftest import fingerprint

pytestmark = pytest.mark.django_db
COIN = 100_000_000
MAINNET = NETWORKS["bitcoin"]


def test_every_script_type_is_kept_and_only_payable_ones_get_an_address(ingest, chain_graph, tmp_path):
    chain = ChainMaker()
    coinbase = chain.block()
    kinds = ["p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr", "p2pk", "multisig", "op_return", "nonstandard"]
    chain.block(chain.spend((coinbase, 0), outputs=[(COIN, to(f"payee-{kind}", kind)) for kind in kinds]))
    run = ingest("blk", chain.write_blk(tmp_path / "blk00000.dat"), network="regtest")
    assert run.status == IngestRun.Status.SUCCEEDED, run.error
    tx = chain_graph.read("MATCH (t:Transaction {n_out: 9}) RETURN t.out_type AS types, t.out_address AS addresses")[0]
    assert tx["types"] == kinds
    with_address = [kind for kind, address in zip(kinds, tx["addresses"], strict=True) if address]
    assert with_address == ["p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr", "p2pk"]
    p2pkh, p2sh, p2wpkh, p2wsh, p2tr, p2pk = (address for address in tx["addresses"] if address)
    assert (p2pkh[0], p2sh[0], p2pk[0]) in {("m", "2", "m"), ("n", "2", "n"), ("m", "2", "n"), ("n", "2", "m")}
    assert (p2wpkh[:6], p2wsh[:6], p2tr[:6]) == ("bcrt1q", "bcrt1q", "bcrt1p"), "Bitcoin Core's regtest prefixes"
    outputs = chain_graph.read("MATCH (:Transaction {n_out: 9})-[o:OUTPUT]->(a:Address) RETURN count(o) AS n")
    assert outputs == [{"n": 6}]


def test_spends_resolve_fees_and_volumes_follow(ingest, chain_graph, tmp_path):
    chain = ChainMaker()
    coinbase = chain.block(miner="alice")
    pay = chain.spend((coinbase, 0), outputs=[(30 * COIN, to("bob")), (19 * COIN, to("alice-change"))])
    chain.block(pay, fees=COIN)
    ingest("blk", chain.write_blk(tmp_path / "blk00000.dat"), network="regtest")
    tx = chain_graph.read("MATCH (a:Address)-[i:INPUT]->(t:Transaction) RETURN a.address AS a, t.fee AS fee")
    alice = chain_graph.read("MATCH (a:Address)-[:OUTPUT]-(t:Transaction {coinbase: true, height: 1}) RETURN a")[0]["a"]
    assert tx == [{"a": alice["address"], "fee": COIN}]
    assert (alice["received"], alice["sent"], alice["n_tx"]) == (SUBSIDY, SUBSIDY, 2)


def test_blocks_out_of_order_and_a_stale_fork_in_one_file(ingest, chain_graph, tmp_path):
    main = ChainMaker()
    coinbases = [main.block(miner=f"m{i}") for i in range(6)]
    fork = ChainMaker(blocks=list(main.blocks[:3]), tip=block_hash_of(main.blocks[2]), time=main.time + 7)
    fork.block(miner="stale")  # a rival block at height 4 that lost
    path = tmp_path / "blk00000.dat"
    with open(path, "wb") as handle:
        for raw in [main.blocks[i] for i in (5, 2, 0, 4, 1, 3)] + [fork.blocks[3]]:
            handle.write(bytes.fromhex("fabfb5da") + len(raw).to_bytes(4, "little") + raw)
    run = ingest("blk", path, network="regtest")
    assert (run.status, run.blocks_done, run.blocks_orphaned) == (IngestRun.Status.SUCCEEDED, 6, 1)
    heights = chain_graph.read("MATCH (b:Block) RETURN b.height AS h ORDER BY h")
    assert [row["h"] for row in heights] == [1, 2, 3, 4, 5, 6]
    coinbase_ids = chain_graph.read("MATCH (t:Transaction {coinbase: true}) RETURN t.txid AS txid")
    assert sorted(row["txid"] for row in coinbase_ids) == sorted(coinbases), "the stale block's coinbase stays out"


def test_a_spend_loaded_before_the_spent_output_is_completed_later(ingest, chain_graph, tmp_path):
    chain = ChainMaker()
    coinbase = chain.block(miner="early")
    chain.block(chain.spend((coinbase, 0), outputs=[(49 * COIN, to("late-payee"))]), fees=COIN)
    chain.write_blk(tmp_path / "second.dat", order=[1])
    chain.write_blk(tmp_path / "first.dat", order=[0])
    later_first = ingest("blk", tmp_path / "second.dat", network="regtest")
    assert (later_first.status, later_first.unresolved_inputs) == (IngestRun.Status.SUCCEEDED, 1)
    pending = chain_graph.read("MATCH (t:Transaction {n_in: 1}) RETURN t.fee AS fee, t.unresolved AS unresolved")
    assert pending == [{"fee": None, "unresolved": 1}]
    earlier = ingest("blk", tmp_path / "first.dat", network="regtest")
    assert earlier.completed_inputs == 1
    done = chain_graph.read(
        "MATCH (a:Address)-[i:INPUT]->(t:Transaction {n_in: 1}) RETURN t.fee AS fee, t.unresolved AS u, i.value AS v"
    )
    assert done == [{"fee": COIN, "u": 0, "v": SUBSIDY}]
    in_order = fingerprint(chain_graph)
    chain_graph.drop_all()
    ingest("blk", tmp_path / "first.dat", network="regtest")
    ingest("blk", tmp_path / "second.dat", network="regtest")
    assert fingerprint(chain_graph) == in_order


def test_a_lone_transaction_waits_unconfirmed_until_its_block_replaces_it(ingest, chain_graph, tmp_path):
    chain = ChainMaker()
    coinbase = chain.block(miner="payer")
    payment = chain.spend((coinbase, 0), outputs=[(30 * COIN, to("payee")), (19 * COIN + 7, to("payer-change"))])
    chain.block(payment, fees=COIN)
    chain.write_blk(tmp_path / "first.dat", order=[0])
    chain.write_blk(tmp_path / "second.dat", order=[1])
    ingest("blk", tmp_path / "first.dat", network="regtest")
    lone = ingest("raw", payment.hex(), network="regtest")
    assert (lone.status, lone.txs, lone.unresolved_inputs) == (IngestRun.Status.SUCCEEDED, 1, 0)
    waiting = chain_graph.read("MATCH (t:Transaction {unconfirmed: true}) RETURN t.fee AS fee, t.height AS height")
    assert waiting == [{"fee": COIN - 7, "height": None}]
    ingest("blk", tmp_path / "second.dat", network="regtest")
    confirmed = fingerprint(chain_graph)
    assert chain_graph.read("MATCH (t:Transaction {unconfirmed: true}) RETURN count(t) AS n") == [{"n": 0}]
    chain_graph.drop_all()
    ingest("blk", tmp_path / "first.dat", network="regtest")
    ingest("blk", tmp_path / "second.dat", network="regtest")
    assert fingerprint(chain_graph) == confirmed, "no edge of the unconfirmed copy is left behind"


def test_a_rival_block_for_a_height_already_loaded_stays_out(ingest, chain_graph, tmp_path):
    main = ChainMaker()
    for i in range(3):
        main.block(miner=f"m{i}")
    rival = ChainMaker(blocks=list(main.blocks[:2]), tip=block_hash_of(main.blocks[1]), time=main.time + 5)
    rival.block(miner="rival")
    ingest("blk", main.write_blk(tmp_path / "main.dat"), network="regtest")
    before = fingerprint(chain_graph)
    run = ingest("blk", rival.write_blk(tmp_path / "rival.dat", order=[2]), network="regtest")
    assert (run.status, run.blocks_done, run.blocks_orphaned) == (IngestRun.Status.SUCCEEDED, 0, 1)
    assert fingerprint(chain_graph) == before


def test_one_run_writes_at_a_time(ingest, chain_graph, tmp_path, monkeypatch, settings):
    import redis

    from chain import services

    monkeypatch.setattr(services, "_WRITER_WAIT", 0.3)
    chain = ChainMaker()
    chain.block()
    holder = redis.Redis.from_url(settings.REDIS_URL).lock(services._WRITER_LOCK, timeout=5)
    assert holder.acquire()
    try:
        blocked = ingest("blk", chain.write_blk(tmp_path / "blk00000.dat"), network="regtest")
    finally:
        holder.release()
    assert (blocked.status, blocked.error) == (
        IngestRun.Status.FAILED,
        "another ingest run kept writing for over 0s; try again later",
    )
    assert ingest("blk", tmp_path / "blk00000.dat", network="regtest").status == IngestRun.Status.SUCCEEDED


def test_a_repeated_coinbase_is_named_on_its_block_and_counted_once(ingest, chain_graph, tmp_path):
    """Mainnet blocks 91,842 and 91,880 repeat earlier coinbases (BIP30): within one run and across runs.

    Made on mainnet's genesis, as the repeats were: regtest enforces BIP34 from height 1, which rules them out.
    """
    chain, magic = ChainMaker(tip=MAINNET.genesis_hash), MAINNET.magic
    first = chain.block(miner="early")
    chain.block(coinbase=chain.coinbase_of(0))  # in the same write as the first
    run = ingest("blk", chain.write_blk(tmp_path / "blk00000.dat", magic=magic), network="bitcoin")
    assert run.status == IngestRun.Status.SUCCEEDED, run.error
    chain.block(coinbase=chain.coinbase_of(0))  # a later run meets it in the graph
    chain.block(chain.spend((first, 0), outputs=[(SUBSIDY - COIN, to("payee"))]), fees=COIN)
    run = ingest("blk", chain.write_blk(tmp_path / "blk00000.dat", magic=magic), network="bitcoin")
    assert (run.status, run.blocks_done) == (IngestRun.Status.SUCCEEDED, 2), run.error

    blocks = chain_graph.read("MATCH (b:Block) RETURN b.height AS height, b.repeated AS repeated ORDER BY height")
    assert [(row["height"], row["repeated"]) for row in blocks] == [(1, None), (2, [first]), (3, [first]), (4, None)]
    tx = chain_graph.read(
        "MATCH (t:Transaction {txid: $txid})-[:IN_BLOCK]->(b) RETURN t.height AS h, count(b) AS n", txid=first
    )
    assert tx == [{"h": 1, "n": 1}]
    early = chain_graph.read("MATCH (:Transaction {txid: $txid})-[:OUTPUT]->(a:Address) RETURN a", txid=first)
    assert [(row["a"]["received"], row["a"]["sent"]) for row in early] == [(SUBSIDY, SUBSIDY)]
    assert chain_graph.read("MATCH (:Address)-[i:INPUT]->(t:Transaction) RETURN t.fee AS fee") == [{"fee": COIN}]
