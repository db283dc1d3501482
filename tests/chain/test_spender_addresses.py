"""A spend loaded before the output it spends: the address comes from the input itself at once, and the value
when the spent output's block arrives, on the same edge (chain/loading.py)."""

import pytest
from bitcoinlib.encoding import hash160

from chain import scripts
from chain.models import IngestRun
from chain.serialization import OutPoint, coinbase_tx, serialize_tx
from tests.chain.blockmaker import PUBKEY, SUBSIDY, ChainMaker, to
from tests.chain.conftest import fingerprint

pytestmark = pytest.mark.django_db
COIN = 100_000_000
SIGNATURE = bytes.fromhex("30440220" + "11" * 32 + "0220" + "22" * 32 + "01")  # shaped as one; nothing checks it
SPENDER = "mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r"  # regtest P2PKH of PUBKEY (the generator point)


def _chain() -> ChainMaker:
    chain = ChainMaker()
    mined = chain.block(coinbase=coinbase_tx(1, [(SUBSIDY, scripts.p2pkh(hash160(PUBKEY)))]))
    script_sig = scripts._push(SIGNATURE) + scripts._push(PUBKEY)
    payment = serialize_tx([(OutPoint(mined, 0), script_sig)], [(30 * COIN, to("payee")), (19 * COIN, to("rest"))])
    chain.block(payment, fees=COIN)
    return chain


def _spend(chain_graph) -> list[dict]:
    return chain_graph.read(
        "MATCH (a:Address)-[i:INPUT]->(t:Transaction {n_in: 1}) "
        "RETURN a.address AS address, i.value AS value, a.n_tx AS n_tx, a.sent AS sent, t.fee AS fee"
    )


def test_a_spend_names_its_address_before_the_spent_output_arrives_and_gets_its_value_after(
    ingest, chain_graph, tmp_path
):
    chain = _chain()
    chain.write_blk(tmp_path / "second.dat", order=[1])
    chain.write_blk(tmp_path / "first.dat", order=[0])
    later_first = ingest("blk", tmp_path / "second.dat", network="regtest")
    assert (later_first.status, later_first.unresolved_inputs) == (IngestRun.Status.SUCCEEDED, 1)
    assert _spend(chain_graph) == [{"address": SPENDER, "value": None, "n_tx": 1, "sent": 0, "fee": None}]
    earlier = ingest("blk", tmp_path / "first.dat", network="regtest")
    assert earlier.completed_inputs == 1
    assert _spend(chain_graph) == [{"address": SPENDER, "value": SUBSIDY, "n_tx": 2, "sent": SUBSIDY, "fee": COIN}]
    out_of_order = fingerprint(chain_graph)
    chain_graph.drop_all()
    ingest("blk", tmp_path / "first.dat", network="regtest")
    ingest("blk", tmp_path / "second.dat", network="regtest")
    assert fingerprint(chain_graph) == out_of_order, "the same graph in either order: one INPUT edge, n_tx 2"
