"""Features and graphs from a tiny chain written by hand: what each period may see, and nothing later."""

import numpy as np
import pytest
import torch
from torch_geometric.data import HeteroData

from graphml.dataset import Labels, Split, graph_until, temporal_split
from graphml.features import ADDRESS_FEATURES, address_features, build
from graphml.nets import RELATIONS, NodeScorer

COIN = 100_000_000


def tx(txid, height, outputs, inputs=(), *, coinjoin=None, fee=0):
    return {
        "txid": txid,
        "height": height,
        "fee": fee,
        "size": 200,
        "coinjoin": coinjoin,
        "coinbase": not inputs,
        "n_in": len(inputs) or 1,
        "out_address": [address for address, _ in outputs],
        "out_value": [value for _, value in outputs],
        "in_address": [address for address, _ in inputs],
        "in_value": [value for _, value in inputs],
    }


@pytest.fixture
def arrays():
    """A mined at 1; A pays B 30 BTC and itself change at 2; B pays C at 5."""
    addresses = [{"address": "A", "script_type": "p2wpkh"}, {"address": "B", "script_type": "p2pkh"}]
    addresses.append({"address": "C", "script_type": "p2tr"})
    txs = [
        tx("t1", 1, [("A", 50 * COIN)]),
        tx("t2", 2, [("B", 30 * COIN), ("A", 19 * COIN + 12_345)], [("A", 50 * COIN)], fee=COIN - 12_345),
        tx("t3", 5, [("C", 29 * COIN + 1)], [("B", 30 * COIN)], fee=COIN - 1),
    ]
    return build([addresses], [txs[:2], txs[2:]])


def feature(matrix, row, name):
    return float(matrix[row, ADDRESS_FEATURES.index(name)])


def test_the_whole_chain_gives_each_address_its_own_activity(arrays):
    from graphml.features import address_features

    x = address_features(arrays)
    assert x.shape == (3, len(ADDRESS_FEATURES))
    assert feature(x, 0, "log_n_tx") == pytest.approx(np.log1p(2))  # t1 and t2: paying itself counts once
    assert feature(x, 0, "reused") == 1.0
    assert feature(x, 0, "kept_share") == pytest.approx((19 * COIN + 12_345) / (69 * COIN + 12_345))
    assert feature(x, 0, "round_received_share") == 0.5  # 50 BTC is round, the change is not
    assert feature(x, 1, "script_p2pkh") == 1.0
    assert feature(x, 2, "log_sent_btc") == 0.0
    assert list(arrays.address_height) == [1, 2, 5]


def test_a_period_sees_nothing_after_its_last_block(arrays):
    from graphml.features import address_features

    early = address_features(arrays, until=2)
    assert not early[2].any(), "C first appears at 5: no features, not even its script type"
    assert feature(early, 1, "log_sent_btc") == 0.0, "B spends only at 5"
    graph = graph_until(arrays, 2)
    assert graph["address", "spends_in", "tx"].edge_index.tolist() == [[0], [1]]
    assert sorted(graph["tx", "pays", "address"].edge_index.T.tolist()) == [[0, 0], [1, 0], [1, 1]]
    assert not graph["tx"].x[2].any()


def test_the_temporal_split_cuts_at_labelled_first_blocks(arrays):
    labels = Labels(np.array([0, 1, 0]), ["", "scam", ""])
    split = temporal_split(arrays, labels, train=0.5, val=0.25)
    assert split == Split(train_until=2, val_until=3)
    masks = split.masks(arrays.address_height, labels.y >= 0)
    assert [list(masks[p]) for p in ("train", "val", "test")] == [[1, 1, 0], [0, 0, 0], [0, 0, 1]]
    with pytest.raises(ValueError, match="no labelled address"):
        temporal_split(arrays, Labels(np.array([-1, -1, -1]), [""] * 3))


def ten_addresses():
    """Address i (0..9) first paid at block i + 1, one coinbase each."""
    names = [f"a{i}" for i in range(10)]
    txs = [tx(f"t{i}", i + 1, [(name, COIN)]) for i, name in enumerate(names)]
    return build([[{"address": name, "script_type": "p2wpkh"} for name in names]], [txs])


def test_late_criminals_move_the_cut_to_the_illicit_addresses_first_blocks():
    """The 60/20 cut of all ten labelled addresses (blocks 6 and 8) leaves training without an illicit one, so
    the cut follows the four illicit ones (blocks 7-10) and each period gets some."""
    arrays = ten_addresses()
    labels = Labels(np.array([0] * 6 + [1] * 4), [""] * 6 + ["scam"] * 4)
    split = temporal_split(arrays, labels)
    assert split == Split(train_until=8, val_until=9)
    masks = split.masks(arrays.address_height, labels.y >= 0)
    assert [int(labels.y[masks[period]].sum()) for period in ("train", "val", "test")] == [2, 1, 1]


def test_a_split_that_cannot_give_training_and_validation_an_illicit_address_is_refused_saying_why():
    from graphml.training import train_all

    labels = Labels(np.array([0] * 9 + [1]), [""] * 9 + ["scam"])
    with pytest.raises(ValueError, match=r"\(training 0, validation 0, of 1 illicit .* DEMO_WORLD_TXS to 3000"):
        train_all(ten_addresses(), labels)


@pytest.mark.parametrize("kind", ["graphsage", "gat"])
def test_models_score_every_address_the_same_way_for_the_same_seed(arrays, kind):
    graph = graph_until(arrays, None)

    def scores():
        torch.manual_seed(3)
        model = NodeScorer(kind, hidden=8).eval()
        with torch.no_grad():
            return model(graph.x_dict, graph.edge_index_dict)

    first = scores()
    assert first.shape == (3,)
    assert torch.equal(first, scores())
    with pytest.raises(ValueError, match="unknown message-passing model 'mlp'"):
        NodeScorer("mlp")


def _random_graph(relations, sizes, edges=2_000, seed=0):
    generator = torch.Generator().manual_seed(seed)
    graph = HeteroData()
    for name, size in sizes.items():
        graph[name].x = torch.randn(size, 5, generator=generator)
    for source, relation, destination in relations:
        graph[source, relation, destination].edge_index = torch.stack(
            [
                torch.randint(sizes[source], (edges,), generator=generator),
                torch.randint(sizes[destination], (edges,), generator=generator),
            ]
        )
    return graph


@pytest.mark.parametrize("kind", ["graphsage", "gat"])
@pytest.mark.parametrize(
    ("relations", "sizes", "target"),
    [
        (RELATIONS, {"address": 700, "tx": 400}, "address"),
        ((("tx", "pays", "tx"), ("tx", "paid_by", "tx")), {"tx": 600}, "tx"),  # Elliptic's shape
    ],
)
def test_chunked_inference_gives_the_full_batch_scores(kind, relations, sizes, target):
    graph = _random_graph(relations, sizes)
    torch.manual_seed(0)
    model = NodeScorer(kind, hidden=16, relations=relations, target=target).eval()
    with torch.no_grad():
        full = model(graph.x_dict, graph.edge_index_dict)
    chunked = model.infer(graph.x_dict, graph.edge_index_dict, chunk=37)
    assert chunked.shape == (sizes[target],)
    assert torch.allclose(full, chunked, atol=1e-5)


def test_an_investigators_verdict_overrides_the_ground_truth(arrays, tmp_path):
    from graphml.dataset import labels_for

    truth = tmp_path / "truth.csv"
    first, second, third = arrays.addresses
    truth.write_text(f"address,label,typology\n{first},illicit,ransomware\n{second},licit,\n")
    labels = labels_for(arrays, truth=truth, confirmed={first: False, third: True})
    assert labels.y.tolist() == [0, 0, 1]
    assert labels.typology == ["ransomware", "", "confirmed"]


def test_clusters_are_rebuilt_as_of_each_block_from_the_links_ingestion_made():
    """D and E co-spend at 3 (multi-input) and get change at F; a weak change guess at 4 links nothing."""
    addresses = [{"address": name, "script_type": "p2wpkh"} for name in "DEFGH"]
    funding = tx("t1", 1, [("D", COIN), ("E", COIN), ("G", COIN)])
    cospend = tx("t2", 3, [("H", COIN), ("F", COIN // 2)], [("D", COIN), ("E", COIN)], fee=COIN // 2)
    cospend |= {"multi_input": True, "change_n": 1, "change_confidence": 0.95}
    weak = tx("t3", 4, [("H", COIN // 2), ("D", COIN // 4)], [("G", COIN)], fee=COIN // 4)
    weak |= {"multi_input": False, "change_n": 1, "change_confidence": 0.5}
    arrays = build([addresses], [[funding, cospend, weak]])

    def sizes(until):
        column = address_features(arrays, until)[:, ADDRESS_FEATURES.index("log_cluster_size")]
        return dict(zip("DEFGH", np.exp(column).round().astype(int).tolist(), strict=True))

    assert sizes(2) == {"D": 1, "E": 1, "F": 1, "G": 1, "H": 1}, "nothing is linked before block 3"
    assert sizes(None) == {"D": 3, "E": 3, "F": 3, "G": 1, "H": 1}
    strict = build([addresses], [[funding, cospend, weak]], change_min_confidence=0.4)
    column = address_features(strict, None)[:, ADDRESS_FEATURES.index("log_cluster_size")]
    assert np.exp(column[3]).round() == 4, "a lower bar lets the weak guess join G"


def test_the_rebuilt_clusters_are_the_stored_ones(world_graph):
    from graphml.runs import chain_arrays

    store, _ = world_graph
    arrays = chain_arrays(store)
    column = address_features(arrays, None)[:, ADDRESS_FEATURES.index("log_cluster_size")]
    rebuilt = dict(zip(arrays.addresses, np.exp(column).round().astype(int).tolist(), strict=True))
    stored = store.read("MATCH (a:Address)-[:IN_CLUSTER]->(c:Cluster) RETURN a.address AS a, c.size AS size")
    assert stored
    assert {row["a"]: row["size"] for row in stored} == {a: rebuilt[a] for a in (row["a"] for row in stored)}
    assert all(rebuilt[a] == 1 for a in set(rebuilt) - {row["a"] for row in stored}), "no cluster: alone"


def test_the_clustering_default_is_the_settings_default(settings):
    import os

    from chain.clustering import DEFAULT_CHANGE_MIN_CONFIDENCE

    if "CLUSTER_CHANGE_MIN_CONFIDENCE" in os.environ:
        pytest.skip("CLUSTER_CHANGE_MIN_CONFIDENCE is set in this environment")
    assert settings.CLUSTER_CHANGE_MIN_CONFIDENCE == DEFAULT_CHANGE_MIN_CONFIDENCE


def test_tag_exposure_counts_tagged_neighbours_in_proportion_and_never_the_address_itself():
    """X (tagged illicit) and B spend 100 BTC each into t2, which pays C 150 and B 40 back; at 3 C pays
    X 50 and D 90. E (an exchange) pays D at 4. Fees are left out to keep the arithmetic plain."""
    addresses = [{"address": name, "script_type": "p2wpkh"} for name in ("X", "B", "C", "D", "E")]
    txs = [
        tx("t1", 1, [("X", 100 * COIN), ("B", 100 * COIN), ("E", 10 * COIN)]),
        tx("t2", 2, [("C", 150 * COIN), ("B", 40 * COIN)], [("X", 100 * COIN), ("B", 100 * COIN)]),
        tx("t3", 3, [("X", 50 * COIN), ("D", 90 * COIN)], [("C", 150 * COIN)]),
        tx("t4", 4, [("D", 10 * COIN)], [("E", 10 * COIN)]),
    ]
    arrays = build([addresses], [txs], tags=[("X", "illicit"), ("E", "exchange"), ("nowhere", "illicit")])
    x = address_features(arrays)
    X, B, C, D = range(4)
    assert feature(x, C, "illicit_tag_received_share") == pytest.approx(0.5)  # half of t2's inputs were X's
    assert feature(x, B, "illicit_tag_received_share") == pytest.approx(40 / 140)  # t2's 40 back: all from X
    assert feature(x, C, "illicit_tag_sent_share") == pytest.approx(50 / 140)
    assert feature(x, B, "illicit_tag_sent_share") == 0.0  # t2 paid C, untagged (B's own change left out)
    assert feature(x, X, "illicit_tag_received_share") == 0.0  # paid by C: X's own tag does not count
    assert feature(x, X, "illicit_tag_sent_share") == 0.0
    assert feature(x, D, "exchange_tag_received_share") == pytest.approx(10 / 100)
    assert feature(x, D, "illicit_tag_received_share") == 0.0
    before = address_features(arrays, until=2)
    assert feature(before, C, "illicit_tag_sent_share") == 0.0, "t3 is after the period"
