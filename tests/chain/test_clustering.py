"""Each clustering heuristic and each CoinJoin rule, on transactions built for the purpose."""

import pytest

from chain.blocks import Tx, TxIn, TxOut
from chain.clustering import analyse, coinjoin_kind, guess_change
from chain.clusters import Group, plan_clusters
from graph.chain import Membership, Prevout

COIN = 100_000_000


def tx(inputs: list[tuple[str, str]], outputs: list[tuple[str, int, str]]) -> tuple[Tx, list[Prevout]]:
    """inputs: (address, script type); outputs: (address, value, script type)."""
    tx_inputs = tuple(TxIn(f"{i:064x}", 0) for i in range(len(inputs)))
    tx_outputs = tuple(TxOut(n, value, kind, address) for n, (address, value, kind) in enumerate(outputs))
    prevouts = [Prevout(address, 10 * COIN, kind) for address, kind in inputs]
    return Tx("ab" * 32, False, tx_inputs, tx_outputs, 250), prevouts


def never_seen(_address: str) -> bool:
    return False


def seen(*addresses: str):
    return lambda address: address in addresses


def test_multi_input_links_the_distinct_input_addresses():
    payment, prevouts = tx([("a1", "p2pkh"), ("a2", "p2pkh"), ("a1", "p2pkh")], [("x", 3 * COIN, "p2pkh")])
    result = analyse(payment, prevouts, never_seen)
    assert (result.multi_input, result.input_addresses, result.coinjoin) == (True, ("a1", "a2"), None)


def test_one_input_address_links_nothing():
    payment, prevouts = tx([("a1", "p2pkh"), ("a1", "p2pkh")], [("x", COIN, "p2pkh")])
    assert analyse(payment, prevouts, never_seen).multi_input is False


@pytest.mark.parametrize("pool", [100_000, 1_000_000, 5_000_000, 50_000_000])
def test_a_whirlpool_mix_is_a_coinjoin(pool):
    mix, prevouts = tx([(f"in{i}", "p2wpkh") for i in range(5)], [(f"out{i}", pool, "p2wpkh") for i in range(5)])
    result = analyse(mix, prevouts, never_seen)
    assert (result.coinjoin, result.multi_input) == ("whirlpool", False)


def test_five_equal_outputs_outside_the_pools_are_not_whirlpool():
    mix, prevouts = tx([(f"in{i}", "p2wpkh") for i in range(5)], [(f"out{i}", 1_234_567, "p2wpkh") for i in range(5)])
    assert coinjoin_kind(mix, prevouts) == "joinmarket"


def test_a_wasabi_round_of_tenth_bitcoin_outputs_is_a_coinjoin():
    outputs = [(f"mix{i}", 10_012_345, "p2wpkh") for i in range(12)] + [
        (f"change{i}", 3_000_000 + i, "p2wpkh") for i in range(8)
    ]
    mix, prevouts = tx([(f"in{i}", "p2wpkh") for i in range(20)], outputs)
    assert coinjoin_kind(mix, prevouts) == "wasabi"


def test_a_wabisabi_round_with_many_standard_amounts_is_a_coinjoin():
    amounts = [2**k * 10_000 for k in range(10)]
    outputs = [(f"o{i}", amounts[i % 10], "p2tr") for i in range(60)]
    mix, prevouts = tx([(f"in{i}", "p2tr") for i in range(55)], outputs)
    assert coinjoin_kind(mix, prevouts) == "wasabi2"


def test_a_joinmarket_join_has_equal_outputs_and_change_for_each_maker():
    outputs = [(f"cj{i}", 2_500_000, "p2wpkh") for i in range(4)] + [
        (f"ch{i}", 700_000 + i, "p2wpkh") for i in range(3)
    ]
    mix, prevouts = tx([(f"maker{i}", "p2wpkh") for i in range(5)], outputs)
    result = analyse(mix, prevouts, never_seen)
    assert (result.coinjoin, result.multi_input) == ("joinmarket", False)


def test_one_owner_paying_several_people_the_same_amount_is_a_batch_not_a_coinjoin():
    outputs = [(f"payee{i}", COIN, "p2pkh") for i in range(4)] + [("exchange-change", 7 * COIN, "p2pkh")]
    batch, prevouts = tx([("exchange-hot", "p2pkh")] * 4, outputs)
    assert coinjoin_kind(batch, prevouts) is None


def test_address_reuse_marks_the_output_paying_an_input_back():
    payment, prevouts = tx([("alice", "p2pkh")], [("bob", 3 * COIN, "p2pkh"), ("alice", 6 * COIN + 12345, "p2pkh")])
    change = guess_change(payment, prevouts, seen("alice", "bob"))
    assert (change.n, change.heuristics) == (1, ("address_reuse", "round_payment"))


def test_fresh_change_is_the_only_never_seen_output():
    payment, prevouts = tx([("alice", "p2pkh")], [("bob", 3 * COIN + 1, "p2wpkh"), ("fresh", 6 * COIN + 2, "p2sh")])
    change = guess_change(payment, prevouts, seen("alice", "bob"))
    assert (change.n, change.heuristics, change.confidence) == (1, ("fresh_change",), 0.6)


def test_script_type_match_picks_the_output_like_the_inputs():
    payment, prevouts = tx([("alice", "p2wpkh")], [("bob", 3 * COIN + 1, "p2pkh"), ("c", 6 * COIN + 2, "p2wpkh")])
    change = guess_change(payment, prevouts, seen("alice", "bob", "c"))
    assert (change.n, change.heuristics, change.confidence) == (1, ("script_type",), 0.5)


def test_a_round_payment_makes_the_other_output_the_change():
    payment, prevouts = tx([("alice", "p2pkh")], [("c", 6 * COIN + 23_456, "p2pkh"), ("bob", 2 * COIN, "p2pkh")])
    change = guess_change(payment, prevouts, seen("alice", "bob", "c"))
    assert (change.n, change.heuristics, change.confidence) == (0, ("round_payment",), 0.4)


def test_agreeing_heuristics_add_up_and_disagreeing_ones_cancel():
    agree, prevouts = tx([("alice", "p2wpkh")], [("bob", 2 * COIN, "p2pkh"), ("fresh", 7 * COIN + 9, "p2wpkh")])
    change = guess_change(agree, prevouts, seen("alice", "bob"))
    assert change.heuristics == ("fresh_change", "script_type", "round_payment")
    assert change.confidence == pytest.approx(1 - 0.4 * 0.5 * 0.6)
    disagree, prevouts = tx([("alice", "p2wpkh")], [("bob", 2 * COIN + 1, "p2wpkh"), ("fresh", 7 * COIN, "p2pkh")])
    assert guess_change(disagree, prevouts, seen("alice", "bob")) is None


def test_no_change_guess_for_coinjoins_or_more_than_two_outputs():
    three, prevouts = tx([("alice", "p2pkh")], [("b", COIN, "p2pkh"), ("c", COIN + 1, "p2pkh"), ("d", 5, "p2sh")])
    assert guess_change(three, prevouts, never_seen) is None


def test_linking_two_clusters_merges_the_smaller_into_the_larger():
    members = {
        "a1": Membership(cluster="big", size=10, received=100, sent=40, first_seen=5),
        "b1": Membership(cluster="small", size=3, received=30, sent=10, first_seen=2),
        "n1": Membership(own_received=8, own_sent=1, own_first_seen=1),
    }
    groups = [Group("tx1", "multi_input", 0.9, ("b1", "a1", "n1", "new"))]
    plan = plan_clusters(groups, members, {"new": (7, 0)}, time=50, height=9)
    assert plan.merges == [{"from": "small", "to": "big", "txid": "tx1", "heuristic": "multi_input", "height": 9}]
    assert sorted(join["address"] for join in plan.joins) == ["n1", "new"]
    assert plan.clusters == [
        {"id": "big", "size": 5, "received": 45, "sent": 11, "first_seen": 1, "last_seen": 50, "height": 9}
    ]


def test_new_addresses_linked_together_found_a_cluster_named_after_one_of_them():
    plan = plan_clusters([Group("tx1", "multi_input", 0.9, ("z", "y"))], {}, {}, time=1, height=1)
    assert {join["cluster"] for join in plan.joins} == {"cl_y"}
    assert plan.clusters[0]["size"] == 2
