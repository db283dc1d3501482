"""chain.loading and chain.ingest on made blocks, without a graph server.

`batch_load` takes what it asks the graph as three plain functions (resolve, pending, lookup); here they
answer what a graph would after the loads described, so the rows one write needs, and the figures a run
reports, are checked on their own. The ingest tests cover what happens before any write: the chain order,
parsing in order (also in worker processes), heights and the height check, bad blocks as values.
"""

import dataclasses
import random

import pytest

from chain.addresses import script_address
from chain.blocks import parse_block, parse_tx
from chain.chainplan import plan_chain
from chain.errors import ChainDataError, ChainOrderError
from chain.ingest import (
    IngestOptions,
    Tally,
    _base_from_stated,
    _Batch,
    _height_after,
    _parse,
    _parsed_in_order,
)
from chain.loading import batch_load, lone_tx_row
from chain.networks import NULL_HASH
from chain.sources import RawEntry, scan_blk_file
from graph.chain import Prevout
from tests.chain.blockmaker import REGTEST, SUBSIDY, ChainMaker, to

COIN = 100_000_000
FEE = 1_000


def addr(label: str) -> str:
    return script_address(to(label), REGTEST)[1]


def parsed(chain: ChainMaker) -> list:
    return [parse_block(raw, where=f"made block {i}", network=REGTEST) for i, raw in enumerate(chain.blocks)]


def load(blocks, first_height=1, *, known=None, pending=(), asked=None):
    """batch_load as a graph holding `known` outpoints and `pending` unresolved spends would answer it."""
    known = known or {}

    def resolve(outpoints):
        if asked is not None:
            asked.extend(outpoints)
        return {o: known[o] for o in outpoints if o in known}

    return batch_load(
        [(block, first_height + i) for i, block in enumerate(blocks)],
        resolve=resolve,
        pending=lambda txids: [spend for spend in pending if spend[0] in txids],
        lookup=lambda addresses: {},
    )


@pytest.fixture
def paid():
    """Block 1 mines 50 BTC to A; block 2 has A pay 30 BTC to B, the rest less a fee back to C."""
    chain = ChainMaker()
    coinbase = chain.block(miner="A")
    spend = chain.spend((coinbase, 0), outputs=[(30 * COIN, to("B")), (SUBSIDY - 30 * COIN - FEE, to("C"))])
    chain.block(spend, fees=FEE, miner="M")
    return chain, coinbase


def figures(block_rows) -> dict[str, tuple[int, int, int]]:
    return {row["address"]: (row["received"], row["sent"], row["n_tx"]) for row in block_rows["addresses"]}


def test_a_spend_of_an_earlier_block_in_the_same_batch_is_resolved_without_asking_the_graph(paid):
    chain, coinbase = paid
    asked: list = []
    result = load(parsed(chain), asked=asked)
    assert (coinbase, 0) in asked  # asked only to detect a repeated coinbase (BIP30); the spend needs no answer
    assert (result.n_tx, result.n_inputs, result.unresolved, result.completed) == (3, 1, 0, 0)
    assert result.edges == 4 + 2 * 1  # four paid outputs, one input (INPUT edge and spend)
    first, second = result.payload["blocks"]
    assert [b["block"]["height"] for b in (first, second)] == [1, 2]
    assert result.payload["heights"] == [1, 2]
    spend = second["txs"][1]
    assert (spend["fee"], spend["in_value"], spend["unresolved"]) == (FEE, SUBSIDY, 0)
    assert spend["inputs"] == [{"prev_txid": coinbase, "prev_n": 0, "address": addr("A"), "value": SUBSIDY}]
    assert figures(first) == {addr("A"): (SUBSIDY, 0, 1)}
    assert figures(second) == {
        addr("M"): (SUBSIDY + FEE, 0, 1),
        addr("A"): (0, SUBSIDY, 1),
        addr("B"): (30 * COIN, 0, 1),
        addr("C"): (SUBSIDY - 30 * COIN - FEE, 0, 1),
    }


def test_an_input_nobody_can_resolve_is_unresolved_and_leaves_the_fee_unknown(paid):
    chain, coinbase = paid
    result = load(parsed(chain)[1:], first_height=2)
    assert (result.n_tx, result.n_inputs, result.unresolved) == (2, 1, 1)
    spend = result.payload["blocks"][0]["txs"][1]
    assert (spend["fee"], spend["in_value"], spend["unresolved"]) == (None, 0, 1)
    assert spend["inputs"] == [{"prev_txid": coinbase, "prev_n": 0, "address": None, "value": None}]
    assert addr("A") not in figures(result.payload["blocks"][0])


def test_an_input_the_graph_holds_is_resolved_from_it(paid):
    chain, coinbase = paid
    asked: list = []
    known = {(coinbase, 0): Prevout(addr("A"), SUBSIDY, "p2pkh")}
    result = load(parsed(chain)[1:], first_height=2, known=known, asked=asked)
    assert (coinbase, 0) in asked
    assert result.unresolved == 0
    block = result.payload["blocks"][0]
    assert block["txs"][1]["fee"] == FEE
    assert figures(block)[addr("A")] == (0, SUBSIDY, 1)


def test_a_spend_loaded_before_its_output_is_completed_when_the_output_arrives(paid):
    chain, coinbase = paid
    spender = parsed(chain)[1].txs[1].txid
    result = load(parsed(chain)[:1], pending=[(coinbase, 0, spender, None)])
    assert result.completed == 1
    assert result.edges == 1 + 1  # the coinbase's output, the completed input
    block = result.payload["blocks"][0]
    outpoint = f"{coinbase}:0"
    assert block["completions"] == [{"txid": spender, "outpoint": outpoint, "address": addr("A"), "value": SUBSIDY}]
    assert figures(block)[addr("A")] == (SUBSIDY, SUBSIDY, 2)  # the coinbase and the spender


def test_a_completion_of_a_derived_spend_does_not_count_the_spender_again(paid):
    chain, coinbase = paid
    spender = parsed(chain)[1].txs[1].txid
    result = load(parsed(chain)[:1], pending=[(coinbase, 0, spender, addr("A"))])
    assert figures(result.payload["blocks"][0])[addr("A")] == (SUBSIDY, SUBSIDY, 1)


def test_a_repeated_coinbase_is_named_on_its_block_and_not_credited_twice():
    chain = ChainMaker()
    chain.block(miner="A")
    chain.block(coinbase=chain.coinbase_of(0))
    result = load(parsed(chain))
    first, second = result.payload["blocks"]
    repeated = first["txs"][0]["txid"]
    assert second["block"]["repeated"] == [repeated]
    assert (second["txs"], second["addresses"]) == ([], [])
    assert result.n_tx == 1
    assert figures(first) == {addr("A"): (SUBSIDY, 0, 1)}


def test_inputs_spent_together_plan_one_cluster():
    chain = ChainMaker()
    a, b = chain.block(miner="A"), chain.block(miner="B")
    chain.block(chain.spend((a, 0), (b, 0), outputs=[(2 * SUBSIDY - FEE, to("Z"))]), fees=FEE)
    result = load(parsed(chain))
    assert result.payload["blocks"][2]["txs"][1]["multi_input"] is True
    [cluster] = result.payload["clusters"]
    assert (cluster["size"], cluster["received"], cluster["sent"]) == (2, 2 * SUBSIDY, 2 * SUBSIDY)
    joined = {join["address"]: join["cluster"] for join in result.payload["joins"]}
    assert joined == {addr("A"): cluster["id"], addr("B"): cluster["id"]}


def test_a_loose_transaction_gets_its_fee_from_the_outputs_it_spends(paid):
    chain, coinbase = paid
    raw = chain.spend((coinbase, 0), outputs=[(SUBSIDY - FEE, to("D"))])
    tx = parse_tx(raw, where="loose", network=REGTEST)
    known = {(coinbase, 0): Prevout(addr("A"), SUBSIDY, "p2pkh")}
    row = lone_tx_row(tx, resolve=lambda outpoints: {o: known[o] for o in outpoints if o in known})
    assert (row["fee"], row["unresolved"], row["out_address"]) == (FEE, 0, [addr("D")])
    unknown = lone_tx_row(tx, resolve=lambda outpoints: {})
    assert (unknown["fee"], unknown["unresolved"]) == (None, 1)


# --- chain.ingest, before the graph ------------------------------------------------------------


@pytest.fixture
def forked(tmp_path):
    """Four blocks and a stale rival of the third, written to a blk file in shuffled order."""
    chain = ChainMaker()
    for _ in range(2):
        chain.block()
    rival = ChainMaker(blocks=list(chain.blocks), tip=chain.tip, time=chain.time)
    rival.block(miner="rival")
    for _ in range(2):
        chain.block()
    chain.blocks.append(rival.blocks[-1])
    order = list(range(len(chain.blocks)))
    random.Random(7).shuffle(order)
    return chain, scan_blk_file(chain.write_blk(tmp_path / "blk00000.dat", order=order), REGTEST).entries


def test_the_plan_puts_shuffled_blocks_in_chain_order_and_leaves_the_stale_rival_out(forked):
    chain, entries = forked
    plan = plan_chain(entries)
    assert [segment.parent_hash for segment in plan.segments] == [REGTEST.genesis_hash]
    main = [parse_block(raw, where="", network=REGTEST).hash for raw in chain.blocks[:4]]
    assert [entry.hash for entry in plan.segments[0].blocks] == main
    assert [entry.hash for entry in plan.orphans] == [parse_block(chain.blocks[4], where="", network=REGTEST).hash]
    assert plan_chain([*entries, entries[0]]).duplicates == 1


@pytest.mark.parametrize("workers", [1, 2])
def test_blocks_are_parsed_in_the_order_given_also_by_worker_processes(forked, workers):
    _, entries = forked
    ordered = plan_chain(entries).segments[0].blocks
    got = list(_parsed_in_order(ordered, REGTEST, workers))
    assert [entry.hash for entry, _ in got] == [entry.hash for entry in ordered]
    assert [block.hash for _, block in got] == [entry.hash for entry in ordered]
    assert [block.stated_height for _, block in got] == [1, 2, 3, 4]


def test_a_bad_block_comes_back_as_a_value_to_skip_or_raise():
    bad = _parse(RawEntry(data=b"\x00" * 40, hash="ab" * 32, prev_hash=NULL_HASH, where="bad.hex"), REGTEST)
    assert isinstance(bad, ChainDataError)
    assert bad.where == "bad.hex"
    tally = Tally()
    tally.skip(bad)
    assert tally.skipped == [{"where": "bad.hex", "error": bad.message}]


def test_heights_come_from_the_genesis_rule_or_the_stated_height(paid):
    chain, _ = paid
    assert _height_after(NULL_HASH, None, REGTEST) == -1
    assert _height_after(REGTEST.genesis_hash, None, REGTEST) == 0
    second = parsed(chain)[1]
    assert _base_from_stated(second, depth=1) == 0  # states 2 at depth 1: the segment sits on height 0
    unstated = dataclasses.replace(second, stated_height=None)  # as a pre-BIP34 block
    with pytest.raises(ChainOrderError, match="states no height"):
        _base_from_stated(unstated, depth=0)


def test_a_block_stating_another_height_than_its_chain_gives_is_refused(paid):
    chain, _ = paid
    batch = _Batch(None, Tally(), IngestOptions(bip34_height=0))  # nothing is written below the batch size
    second = parsed(chain)[1]
    batch.add(second, 2)
    with pytest.raises(ChainDataError, match="states height 2 but its chain puts it at 3"):
        batch.add(second, 3)
    before_bip34 = _Batch(None, Tally(), IngestOptions(bip34_height=10))
    before_bip34.add(second, 3)  # before activation a coinbase may push any number
    assert before_bip34.blocks == [(second, 3)]


def test_the_tally_keeps_the_lowest_and_highest_height_seen():
    tally = Tally()
    for height in (5, 2, 9, 4):
        tally.saw_height(height)
    assert (tally.first_height, tally.last_height) == (2, 9)
