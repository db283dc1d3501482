"""The investigators' Cypher (graph/explore.py, graph/tags.py) answers the same on every engine."""

from graph import explore
from graph.schema import ensure_schema
from graph.tags import tags_delete_stale, tags_for, tags_search, tags_write

_CHAIN = """
CREATE (a:Address {address: 'A', received: 50, sent: 50, n_tx: 2, last_seen: 10}),
       (b:Address {address: 'B', received: 30, sent: 30, n_tx: 2, last_seen: 20}),
       (d:Address {address: 'D', received: 60, sent: 0, n_tx: 1, last_seen: 30}),
       (t1:Transaction {txid: 't1', height: 1, time: 10, in_value: 50, value: 50, n_in: 1, n_out: 2,
                        out_address: ['B', 'C'], out_value: [30, 20]}),
       (t2:Transaction {txid: 't2', height: 2, time: 20, in_value: 80, value: 80, n_in: 2, n_out: 1,
                        out_address: ['D'], out_value: [60]}),
       (x:Address {address: 'X', received: 50, sent: 50, n_tx: 1, last_seen: 20}),
       (a)-[:INPUT {value: 50}]->(t1), (t1)-[:OUTPUT {n: 0, value: 30}]->(b),
       (b)-[:INPUT {value: 30}]->(t2), (x)-[:INPUT {value: 50}]->(t2), (t2)-[:OUTPUT {n: 0, value: 60}]->(d),
       (c:Cluster {cluster_id: 'k1', risk: 0.9, flagged: true, size: 2, flagged_addresses: 1, last_seen: 20,
                   received: 80, sent: 80})
"""


def _tag(address: str, label: str, pack: str = "p") -> dict:
    return {
        "key": f"{pack}-{address}-{label}", "address": address, "label": label, "category": None,
        "abuse": "ransomware", "concepts": [], "risk_class": "illicit", "confidence": "forensic",
        "confidence_score": 50, "source": "s", "actor": None, "context": None, "lastmod": None,
        "is_cluster_definer": False, "pack": pack,
    }  # fmt: skip


def test_exploration_queries_answer_alike(store):
    ensure_schema(store)
    store.write(_CHAIN)
    page = explore.neighbours(store, "B")
    assert [(e["txid"], e["direction"], e["value"]) for e in page.items] == [("t2", "out", 30), ("t1", "in", 30)]
    assert explore.neighbours(store, "B", min_value=40).items == []
    (path,) = explore.paths(store, "A", "D", hops=2)
    assert (path["nodes"], path["values"]) == (["A", "t1", "B", "t2", "D"], [50, 30, 30, 60])
    assert [r["txid"] for r in explore.spends(store, [{"address": "B", "height": 1}], fanout=5)] == ["t2"]
    assert explore.spends(store, [{"address": "B", "height": 3}], fanout=5) == []
    assert [r["txid"] for r in explore.payments(store, [{"address": "D", "height": 9}], fanout=5)] == ["t2"]
    inputs = sorted((r["source"], r["value"]) for r in explore.inputs_of(store, ["t2"], fanout=5))
    assert inputs == [("B", 30), ("X", 50)]
    assert explore.received_of(store, ["A", "nowhere"]) == {"A": 50}
    assert [c["cluster"] for c in explore.flagged_clusters(store, min_risk=0.5)] == ["k1"]
    assert explore.activity(store, "address", ["D"])["D"]["volume"] == 60


def test_a_clusters_transactions_answer_alike_once_each_newest_first(store):
    ensure_schema(store)
    store.write(_CHAIN)
    store.write("MATCH (k:Cluster {cluster_id: 'k1'}), (b:Address {address: 'B'}), (x:Address {address: 'X'}) "
                "CREATE (b)-[:IN_CLUSTER]->(k), (x)-[:IN_CLUSTER]->(k)")  # fmt: skip
    page = explore.cluster_transactions(store, "k1")
    assert [row["txid"] for row in page.items] == ["t2", "t1"], "t2 once, though two members spent in it"
    assert not page.cut
    assert [row["txid"] for row in explore.cluster_transactions(store, "k1", until=20).items] == ["t1"]
    assert explore.cluster_transactions(store, "k1", scan=1).cut
    assert explore.cluster_transactions(store, "nowhere") is None


def test_a_transaction_shows_the_risk_of_its_addresses(store):
    ensure_schema(store)
    store.write(_CHAIN)
    store.write("MATCH (b:Address {address: 'B'}) SET b.risk = 0.7")
    tx = explore.transaction_detail(store, "t2")
    assert sorted((row["address"], row["risk"]) for row in tx["inputs"]["items"]) == [("B", 0.7), ("X", None)]
    assert [(row["address"], row["risk"]) for row in tx["outputs"]["items"]] == [("D", None)]


def test_tag_queries_answer_alike(store):
    ensure_schema(store)
    tags_write(store, [_tag("A", "Lockbit wallet"), _tag("B", "Lockbit deposit")], generation="g1")
    tags_write(store, [_tag("A", "Lockbit wallet")], generation="g2")
    assert tags_delete_stale(store, pack="p", generation="g2") == 1
    assert list(tags_for(store, ["A", "B"])) == ["A"]
    assert [t["label"] for t in tags_search(store, "lockbit")] == ["Lockbit wallet"]
