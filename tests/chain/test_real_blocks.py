"""Real mainnet blocks from ../shared/fixtures/bitcoin, through every file format, into the graph."""

import pytest

from chain.models import IngestRun
from tests.chain.conftest import fingerprint

pytestmark = pytest.mark.django_db


def test_block_574200_gives_every_transaction_and_the_stated_total(ingest, chain_graph, fixtures):
    run = ingest("raw", fixtures / "block-574200.blk")
    assert run.status == IngestRun.Status.SUCCEEDED, run.error
    assert (run.blocks_done, run.txs, run.first_height) == (1, 3315, 574200)
    totals = chain_graph.read(
        "MATCH (t:Transaction)-[:IN_BLOCK]->(b:Block {height: 574200}) RETURN count(t) AS n, sum(t.value) AS value"
    )
    assert totals == [{"n": 3315, "value": 1_168_464_839_990}]
    block = chain_graph.read("MATCH (b:Block) RETURN b.hash AS hash")[0]["hash"]
    assert block == "0000000000000000001602407ac49862a7bca9d00f7f402db20b7be2f5de59d2"


def test_segwit_txids_are_computed_from_the_bytes_on_chain(ingest, chain_graph, fixtures):
    """bitcoinlib's own txid is wrong for one P2SH-P2WSH spend in this block; ours must verify."""
    ingest("raw", fixtures / "block-574200.blk")
    found = chain_graph.read(
        "MATCH (t:Transaction {txid: '966e8c2b5eb5e842bac97782412162f39e91fccb44a1bfde5ceb7c89e79a37eb'}) "
        "RETURN t.n_out AS n_out, t.out_address AS out"
    )
    assert found == [{"n_out": 2, "out": ["3DdBZ734DjaqBf29PvjxWv9mvU6VaQEs8H", "3JkXcxkC4BQNhNULVoFMuvbdQErairq8LU"]}]


def test_early_blocks_get_heights_from_the_chain_and_every_input_resolves(ingest, chain_graph, fixtures):
    run = ingest("blk", fixtures / "blk-heights-1-255.dat")
    assert run.status == IngestRun.Status.SUCCEEDED, run.error
    assert (run.blocks_done, run.first_height, run.last_height, run.txs) == (255, 1, 255, 262)
    heights = chain_graph.read("MATCH (b:Block) RETURN min(b.height) AS low, max(b.height) AS high, count(b) AS n")
    assert heights == [{"low": 1, "high": 255, "n": 255}]
    assert run.unresolved_inputs == 0
    spends = chain_graph.read(
        "MATCH (t:Transaction) WHERE NOT t.coinbase RETURN count(t) AS n, sum(t.n_in) AS inputs, "
        "sum(t.unresolved) AS unresolved"
    )[0]
    inputs = chain_graph.read("MATCH (a:Address)-[i:INPUT]->(:Transaction) RETURN count(i) AS n, min(i.value) AS low")
    assert (spends["n"], spends["unresolved"]) == (7, 0)
    assert inputs[0]["n"] == spends["inputs"]
    assert inputs[0]["low"] > 0


def test_the_first_person_to_person_payment_reads_as_it_happened(ingest, chain_graph, fixtures):
    ingest("blk", fixtures / "blk-heights-1-255.dat")
    tx = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16"
    row = chain_graph.read(
        "MATCH (sender:Address)-[i:INPUT]->(t:Transaction {txid: $tx})-[o:OUTPUT]->(receiver:Address) "
        "RETURN sender.address AS sender, i.value AS spent, t.height AS height, t.fee AS fee, "
        "collect([o.n, receiver.address, o.value]) AS outputs",
        tx=tx,
    )
    assert row[0]["sender"] == "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S"
    assert (row[0]["spent"], row[0]["height"], row[0]["fee"]) == (5_000_000_000, 170, 0)
    assert sorted(row[0]["outputs"]) == [
        [0, "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", 1_000_000_000],
        [1, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", 4_000_000_000],
    ]


def test_a_block_in_blk_framing_after_bip34(ingest, chain_graph, fixtures):
    run = ingest("blk", fixtures / "blk-277647.dat")
    assert (run.status, run.blocks_done, run.txs, run.first_height) == (IngestRun.Status.SUCCEEDED, 1, 213, 277647)
    block = chain_graph.read("MATCH (b:Block) RETURN b.hash AS hash, b.n_tx AS n_tx")
    assert block == [{"hash": "0000000000000000054a714e580b16c583701712ab91060e92dbde6eb1e052a8", "n_tx": 213}]


def test_core_rpc_json_files_load_at_the_heights_the_node_gave(ingest, chain_graph, fixtures):
    run = ingest("json", fixtures / "core-rpc")
    assert run.status == IngestRun.Status.SUCCEEDED, run.error
    heights = chain_graph.read("MATCH (b:Block) RETURN b.height AS height ORDER BY height")
    assert [row["height"] for row in heights] == [0, 1, 50000, 50001, 50002]
    genesis = chain_graph.read("MATCH (t:Transaction)-[:IN_BLOCK]->(:Block {height: 0}) RETURN t.txid AS txid")
    assert genesis == [{"txid": "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"}]


def test_ingesting_twice_changes_nothing(ingest, chain_graph, fixtures):
    first = ingest("blk", fixtures / "blk-heights-1-255.dat")
    before = fingerprint(chain_graph)
    second = ingest("blk", fixtures / "blk-heights-1-255.dat")
    assert (second.status, second.blocks_done, second.blocks_present) == (IngestRun.Status.SUCCEEDED, 0, 255)
    assert fingerprint(chain_graph) == before
    assert first.blocks_done == 255


def test_parallel_parsing_loads_the_same_graph(ingest, chain_graph, fixtures):
    ingest("blk", fixtures / "blk-heights-1-255.dat", workers=2)
    parallel = fingerprint(chain_graph)
    chain_graph.drop_all()
    ingest("blk", fixtures / "blk-heights-1-255.dat", workers=1)
    assert fingerprint(chain_graph) == parallel


def test_inputs_whose_spent_outputs_are_not_loaded_still_name_their_addresses(ingest, chain_graph, fixtures):
    """Block 574,200 alone: its parents are not loaded, so most inputs' values are unknown, but each input's own
    scripts name the address it spends from (all but the P2PK spends, which reveal a signature only)."""
    run = ingest("raw", fixtures / "block-574200.blk")
    assert (run.status, run.unresolved_inputs) == (IngestRun.Status.SUCCEEDED, 4083)
    derived = chain_graph.read(
        "MATCH (a:Address)-[i:INPUT]->(:Transaction) WHERE i.value IS NULL "
        "RETURN a.script_type AS type, count(i) AS n ORDER BY type"
    )
    assert {row["type"]: row["n"] for row in derived} == {"p2pkh": 1735, "p2sh": 1947, "p2wpkh": 353, "p2wsh": 22}
    assert 4083 - sum(row["n"] for row in derived) == 26, "P2PK spends stay unnamed"
    fees = chain_graph.read("MATCH (t:Transaction) WHERE t.unresolved > 0 RETURN count(t.fee) AS known")
    assert fees == [{"known": 0}], "a value still unknown leaves the fee unknown"


@pytest.mark.parametrize(
    ("txid", "spender", "script_type"),
    [
        ("00125d357d02600c8e2a460a0a12a7a517acebd09ccf0e99fdda6bb92be75215", "14Vi5Vkk6gZt2iNDtMbGQEnbYzv12FjZsF",
         "p2pkh"),
        ("966e8c2b5eb5e842bac97782412162f39e91fccb44a1bfde5ceb7c89e79a37eb", "3FTkVNC6BeUKd4d3UUwkuvQK59hrtLpR2x",
         "p2sh"),
    ],
)  # fmt: skip
def test_a_spender_only_address_is_in_the_graph_with_what_it_paid(ingest, chain_graph, fixtures, txid, spender,
                                                                  script_type):  # fmt: skip
    ingest("raw", fixtures / "block-574200.blk")
    (found,) = chain_graph.read(
        "MATCH (a:Address {address: $spender})-[i:INPUT]->(t:Transaction {txid: $txid})-[:OUTPUT]->(p:Address) "
        "RETURN a.script_type AS type, a.n_tx AS n_tx, a.sent AS sent, a.first_height AS height, i.value AS value, "
        "count(p) AS payees",
        spender=spender,
        txid=txid,
    )
    assert found["payees"] > 0
    assert (found["type"], found["n_tx"], found["sent"], found["height"], found["value"]) == (
        script_type, 1, 0, 574200, None
    )  # fmt: skip
