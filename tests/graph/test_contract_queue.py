"""The flagged-cluster queue's Cypher (graph/explore.py) answers the same on every engine: its order and
tie-breakers, its pages and count, the model filter, and the ranks that ties share."""

from graph import explore
from graph.schema import ensure_schema

_CLUSTERS = """
UNWIND $rows AS r
CREATE (:Cluster {cluster_id: r[0], risk: r[1], received: r[2], last_seen: r[3], risk_model: r[4],
                  flagged: r[5], size: 2, flagged_addresses: 1})
"""
ROWS = [
    ["rich", 0.9, 500, 1, "v2", True],
    ["new", 0.9, 100, 9, "v2", True],
    ["top", 0.99, 1, 1, "v2", True],
    ["old", 0.9, 100, 2, "v2", True],
    ["other", 0.95, 1, 1, "v1", True],
    ["calm", 0.2, 1, 1, "v2", False],
]


def test_the_queue_orders_pages_counts_and_ranks_alike(store):
    ensure_schema(store)
    store.write(_CLUSTERS, rows=ROWS)
    everything = [c["cluster"] for c in explore.flagged_clusters(store)]
    assert everything == ["top", "other", "rich", "new", "old"], "risk, then received, then last seen"
    assert [c["cluster"] for c in explore.flagged_clusters(store, offset=2, limit=2)] == ["rich", "new"]
    assert explore.flagged_clusters_count(store) == 5
    assert explore.flagged_clusters_count(store, model="v1") == 1
    assert [c["cluster"] for c in explore.flagged_clusters(store, model="v1")] == ["other"]
    ranks = explore.risk_ranks(store, model="v2", risks=[0.99, 0.9, 0.9])
    assert ranks == {0.99: {"riskier": 0, "scored": 5}, 0.9: {"riskier": 1, "scored": 5}}
    assert explore.risk_ranks(store, model="v2", risks=[]) == {}
