"""Exploring the graph: details, neighbours with filters and honest cuts, paths, and following the money
with haircut and poison taint, on a chain built by hand so every figure is known."""

import pytest

from chain.addresses import script_address
from chain.networks import NETWORKS
from chain.serialization import txid_of
from graph.explore import address_detail, neighbours, paths, transaction_detail
from graph.ml import write_address_scores
from investigations.services import case_create
from investigations.tagging import tag_add
from investigations.tracing import follow_money
from tests.chain.blockmaker import ChainMaker, to
from tests.investigations.test_api import API, client_for

pytestmark = pytest.mark.django_db
BTC = 100_000_000


def addr(label: str) -> str:
    return script_address(to(label), NETWORKS["regtest"])[1]


@pytest.fixture
def flows(ingest, chain_graph, tmp_path):
    """A and X are mined 50 BTC each. tx1: A pays B 30 and C 19.9. tx2: B (30) and X (50) pay D 60 and E 19.
    Then D is paid four times more, 1 BTC each, from the coinbase of block 6."""
    chain = ChainMaker()
    a_coin = chain.block(miner="A")
    x_coin = chain.block(miner="X")
    tx1 = chain.spend((a_coin, 0), outputs=[(30 * BTC, to("B")), (1_990_000_000, to("C"))])
    chain.block(tx1, fees=10_000_000)
    tx2 = chain.spend((_txid(tx1), 0), (x_coin, 0), outputs=[(60 * BTC, to("D")), (19 * BTC, to("E"))])
    chain.block(tx2, fees=BTC)
    m_coin = chain.block(miner="M")
    payouts = chain.spend((m_coin, 0), outputs=[(BTC, to("D"))] * 4 + [(45 * BTC, to("M"))])
    chain.block(payouts, fees=BTC)
    assert ingest("blk", chain.write_blk(tmp_path / "flows.dat"), network="regtest").status == "succeeded"
    return chain_graph, _txid(tx1), _txid(tx2)


def _txid(raw: bytes) -> str:
    return txid_of(raw)


def test_details_of_an_address_and_a_transaction(flows):
    store, _, tx2 = flows
    b = address_detail(store, addr("B"))
    assert (b.received, b.sent, b.n_tx) == (30 * BTC, 30 * BTC, 2)
    tx = transaction_detail(store, tx2)
    assert sorted((i["address"], i["value"]) for i in tx["inputs"]["items"]) == sorted(
        [(addr("B"), 30 * BTC), (addr("X"), 50 * BTC)]
    )
    assert [(o["address"], o["value"]) for o in tx["outputs"]["items"]] == [
        (addr("D"), 60 * BTC),
        (addr("E"), 19 * BTC),
    ]
    assert tx["fee"] == BTC
    assert address_detail(store, "1NotInTheGraphXXXXXXXXXXXXXXXXXXX") is None


def test_neighbours_filter_by_direction_and_amount_and_say_when_they_are_cut(flows):
    store, tx1, tx2 = flows
    both = neighbours(store, addr("B"))
    assert [(e["txid"], e["direction"], e["value"]) for e in both.items] == [
        (tx2, "out", 30 * BTC),
        (tx1, "in", 30 * BTC),
    ]
    assert not both.cut
    assert [e["txid"] for e in neighbours(store, addr("B"), direction="in").items] == [tx1]
    d = addr("D")
    assert neighbours(store, d).matched == 5
    assert [e["value"] for e in neighbours(store, d, min_value=2 * BTC).items] == [60 * BTC]
    limited = neighbours(store, d, limit=2)
    assert limited.cut
    assert (limited.omitted, limited.complete) == (3, True)
    scanned = neighbours(store, d, scan=3)
    assert scanned.cut
    assert not scanned.complete
    assert "narrow by time or amount" in scanned.notes[0]
    assert neighbours(store, "1NotInTheGraphXXXXXXXXXXXXXXXXXXX") is None


def test_paths_follow_the_money_within_the_hops_allowed(flows):
    store, tx1, tx2 = flows
    (path,) = paths(store, addr("A"), addr("D"), hops=2)
    assert path["nodes"] == [addr("A"), tx1, addr("B"), tx2, addr("D")]
    assert path["values"] == [50 * BTC, 30 * BTC, 30 * BTC, 60 * BTC]
    assert paths(store, addr("A"), addr("D"), hops=1) == []
    assert paths(store, addr("D"), addr("A"), hops=6) == [], "money does not flow backwards"
    with pytest.raises(ValueError, match="hops: 7"):
        paths(store, addr("A"), addr("D"), hops=7)


def test_following_the_money_forward_gives_haircut_and_poison_taint(flows):
    trace = follow_money(address=addr("A"), direction="forward", hops=2)
    reached = {a["address"]: a for a in trace.as_dict()["addresses"]}
    assert reached[addr("B")]["haircut"] == pytest.approx(30 * BTC)
    assert reached[addr("D")]["haircut"] == pytest.approx(60 * BTC * 30 / 80)  # tx2's inputs: 30 of 80 traced
    assert reached[addr("D")]["poison"] == 60 * BTC  # poison: touched means tainted in full
    assert reached[addr("E")]["haircut"] == pytest.approx(19 * BTC * 30 / 80)
    assert reached[addr("D")]["hop"] == 2
    assert addr("X") not in reached
    assert not trace.cut


def test_following_the_money_backward_finds_the_sources_in_proportion(flows):
    trace = follow_money(address=addr("E"), direction="backward", hops=2)
    reached = {a["address"]: a for a in trace.as_dict()["addresses"]}
    assert reached[addr("X")]["haircut"] == pytest.approx(19 * BTC * 50 / 80)
    assert reached[addr("B")]["haircut"] == pytest.approx(19 * BTC * 30 / 80)
    assert reached[addr("A")]["haircut"] == pytest.approx(19 * BTC * 30 / 80)  # B's share came from A in full
    assert reached[addr("A")]["hop"] == 2
    assert follow_money(address="1NotInTheGraphXXXXXXXXXXXXXXXXXXX") is None


def test_paths_and_traces_carry_each_addresses_score(flows):
    """Whoever draws a path or a trace colours its addresses by risk: without the scores in the answer they
    read as unscored although the model scored them."""
    store, _, _ = flows
    write_address_scores(store, [{"address": addr("B"), "risk": 0.9, "label": "illicit"}], model="m1")
    write_address_scores(store, [{"address": addr("A"), "risk": 0.1, "label": "licit"}], model="m1")
    (path,) = paths(store, addr("A"), addr("D"), hops=2)
    assert path["risks"] == [0.1, None, 0.9, None, None], "a transaction and an unscored address have none"
    reached = {a["address"]: a for a in follow_money(address=addr("A"), hops=2).as_dict()["addresses"]}
    assert (reached[addr("A")]["risk"], reached[addr("B")]["risk"], reached[addr("D")]["risk"]) == (0.1, 0.9, None)


def test_a_cut_expansion_says_so(flows):
    trace = follow_money(address=addr("A"), direction="forward", hops=3, max_nodes=1)
    assert trace.cut
    assert any("most traced" in note for note in trace.as_dict()["notes"])


def test_the_api_explores_for_investigators_only(flows, people):
    _, tx1, tx2 = flows
    ana = client_for(people["ana"])
    b = ana.get(f"{API}/addresses/{addr('B')}/").json()
    assert (b["received"], b["tags"]) == (30 * BTC, [])
    page = ana.get(f"{API}/addresses/{addr('D')}/neighbours/", {"limit": 1, "direction": "in"}).json()
    assert (page["returned"], page["cut"], page["omitted"]) == (1, True, 4)
    flows_out = ana.get(f"{API}/addresses/{addr('A')}/flows/", {"hops": 2}).json()
    assert addr("D") in {a["address"] for a in flows_out["addresses"]}
    found = ana.get(f"{API}/paths/", {"source": addr("A"), "target": addr("D"), "hops": 2}).json()
    assert found["paths"][0]["nodes"][1] == tx1
    assert ana.get(f"{API}/transactions/{tx2}/").json()["fee"] == BTC
    assert ana.get(f"{API}/addresses/1NotInTheGraphXXXXXXXXXXXXXXXXXXX/").status_code == 404
    assert ana.get(f"{API}/addresses/{addr('A')}/flows/", {"hops": 9}).status_code == 400
    assert client_for(people["nobody"]).get(f"{API}/addresses/{addr('B')}/").status_code == 403
    assert client_for().get(f"{API}/paths/", {"source": "a", "target": "b"}).status_code == 403


def test_the_address_and_cluster_answers_keep_their_fields(flows, people):
    """address_detail and cluster_detail are dataclasses now; the JSON still has every field by its old name."""
    ana = client_for(people["ana"])
    b = ana.get(f"{API}/addresses/{addr('B')}/").json()
    assert set(b) == {
        "address", "script_type", "first_seen", "last_seen", "first_height", "last_height", "received", "sent",
        "n_tx", "risk", "risk_label", "risk_model", "reasons", "reason_weights", "influential", "cluster",
        "cluster_size", "cluster_risk", "cluster_flagged", "tags", "cluster_tags",
    }  # fmt: skip
    assert (b["address"], b["n_tx"], b["cluster_size"]) == (addr("B"), 2, 2)  # B and X spent together
    cluster = ana.get(f"{API}/clusters/{b['cluster']}/").json()
    assert set(cluster) == {
        "cluster", "size", "received", "sent", "first_seen", "last_seen", "risk", "flagged", "flagged_addresses",
        "risk_model", "merged_into", "members", "tags",
    }  # fmt: skip
    assert (cluster["cluster"], cluster["size"], cluster["members"]["total"]) == (b["cluster"], 2, 2)
    assert {m["address"] for m in cluster["members"]["items"]} == {addr("B"), addr("X")}


def test_search_finds_addresses_transactions_tags_and_only_the_teams_cases(flows, people):
    _, _, tx2 = flows
    case_create(user=people["ana"], title="Peel chain from D")
    case_create(user=people["olga"], title="Peel chain, Red's")
    tag_add(user=people["ana"], address=addr("D"), label="Peel chain wallet", abuse="money_laundering")
    ana = client_for(people["ana"])
    found = ana.get(f"{API}/search/", {"q": "peel chain"}).json()
    assert [c["title"] for c in found["cases"]] == ["Peel chain from D"]
    assert [t["address"] for t in found["tags"]] == [addr("D")]
    assert ana.get(f"{API}/search/", {"q": tx2}).json()["transactions"][0]["txid"] == tx2
    assert ana.get(f"{API}/search/", {"q": addr("E")}).json()["addresses"][0]["address"] == addr("E")
    assert ana.get(f"{API}/search/", {"q": "x"}).status_code == 400


def test_following_the_money_respects_time(ingest, chain_graph, tmp_path):
    """Y paid Z at block 2, long before A's funds reached Y (block 4): forward from A, Y's money goes on
    to W (block 5) only; backward from W, A is found and Z is not a source."""
    chain = ChainMaker()
    y_coin = chain.block(miner="Y")
    early = chain.spend((y_coin, 0), outputs=[(10 * BTC, to("Z")), (39 * BTC, to("Y"))])
    chain.block(early, fees=BTC)
    a_coin = chain.block(miner="A")
    traced = chain.spend((a_coin, 0), outputs=[(20 * BTC, to("Y")), (29 * BTC, to("A"))])
    chain.block(traced, fees=BTC)
    chain.block(chain.spend((txid_of(traced), 0), outputs=[(19 * BTC, to("W"))]), fees=BTC)
    assert ingest("blk", chain.write_blk(tmp_path / "time.dat"), network="regtest").status == "succeeded"
    forward = {a["address"] for a in follow_money(address=addr("A"), hops=3).as_dict()["addresses"]}
    assert addr("W") in forward
    assert addr("Z") not in forward
    backward = {
        a["address"] for a in follow_money(address=addr("W"), direction="backward", hops=3).as_dict()["addresses"]
    }
    assert addr("A") in backward
