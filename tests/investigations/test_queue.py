"""The triage queues over the API: riskiest first, then value, then recency; paged with counts and links;
filtered; kept to the team; and 304 Not Modified for a poll that changed nothing."""

import pytest

from investigations.alerts import alerts_from_labeling
from investigations.models import Alert
from tests.investigations.test_api import API, client_for

pytestmark = pytest.mark.django_db

# cluster, risk, received (satoshis), last seen, model: one order per tie-breaker
CLUSTERS = [
    ("low", 0.40, 9_000, 50, "v2"),
    ("top", 0.97, 10, 10, "v2"),
    ("tie-rich", 0.90, 5_000, 10, "v2"),
    ("tie-poor-new", 0.90, 100, 90, "v2"),
    ("tie-poor-old", 0.90, 100, 20, "v2"),
    ("old-model", 0.95, 1, 1, "v1"),
]
RISK_ORDER = ["top", "old-model", "tie-rich", "tie-poor-new", "tie-poor-old", "low"]


@pytest.fixture
def flagged(chain_graph):
    """Six flagged clusters and one the model scored without flagging (it counts in the ranks only)."""
    rows = [{"id": c, "risk": r, "received": v, "seen": s, "model": m, "flagged": True} for c, r, v, s, m in CLUSTERS]
    rows.append({"id": "unflagged", "risk": 0.1, "received": 1, "seen": 1, "model": "v2", "flagged": False})
    chain_graph.write(
        "UNWIND $rows AS r CREATE (:Cluster {cluster_id: r.id, risk: r.risk, received: r.received, "
        "last_seen: r.seen, risk_model: r.model, flagged: r.flagged, size: 3, flagged_addresses: 2.0})",
        rows=rows,
    )
    return chain_graph


def _ids(answer) -> list[str]:
    return [row["cluster"] for row in answer["results"]]


def test_the_cluster_queue_is_riskiest_first_then_richest_then_latest_and_paged(flagged, people):
    ana = client_for(people["ana"])
    first = ana.get(f"{API}/queue/clusters/", {"page_size": 4}).json()
    assert first["count"] == 6
    assert _ids(first) == RISK_ORDER[:4]
    assert first["previous"] is None
    second = ana.get(first["next"]).json()
    assert _ids(second) == RISK_ORDER[4:]
    assert second["next"] is None
    assert second["previous"] is not None
    assert ana.get(f"{API}/queue/clusters/", {"page_size": 4, "page": 3}).json()["results"] == []


def test_a_cluster_carries_its_rank_among_what_its_model_scored(flagged, people):
    rows = client_for(people["ana"]).get(f"{API}/queue/clusters/", {"model": "v2"}).json()["results"]
    assert _ids({"results": rows}) == [c for c in RISK_ORDER if c != "old-model"]
    ranks = {row["cluster"]: (row["rank"], row["scored"], row["percentile"]) for row in rows}
    assert ranks["top"] == (1, 6, 100.0)
    assert ranks["tie-rich"] == ranks["tie-poor-old"] == (2, 6, 83.33), "ties share a rank"
    assert ranks["low"] == (5, 6, 33.33)


def test_the_queue_answers_304_while_nothing_changed(flagged, people):
    ana = client_for(people["ana"])
    first = ana.get(f"{API}/queue/clusters/")
    tag = first["ETag"]
    assert ana.get(f"{API}/queue/clusters/", HTTP_IF_NONE_MATCH=tag).status_code == 304
    flagged.write("MATCH (c:Cluster {cluster_id: 'low'}) SET c.risk = 0.99")
    changed = ana.get(f"{API}/queue/clusters/", HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200
    assert _ids(changed.json())[0] == "low"


def test_labeling_alerts_are_riskiest_first_titled_and_filtered_by_model(flagged, people):
    assert alerts_from_labeling(model="v2") == 2 * 6, "each team gets one alert per flagged cluster"
    ana = client_for(people["ana"])
    answer = ana.get(f"{API}/alerts/", {"page_size": 3}).json()
    assert answer["count"] == 6
    assert [a["ref"] for a in answer["results"]] == RISK_ORDER[:3]
    assert answer["results"][0]["title"] == "Cluster top: 2 of 3 addresses flagged, riskiest 0.97"
    assert [a["ref"] for a in ana.get(answer["next"]).json()["results"]] == RISK_ORDER[3:]
    Alert.objects.filter(ref="old-model").update(detail={"model": "v1", "received": 1})
    v1 = ana.get(f"{API}/alerts/", {"model": "v1"}).json()
    assert [a["ref"] for a in v1["results"]] == ["old-model"]


def test_alert_filters_narrow_the_count_and_keep_to_the_team(flagged, people):
    alerts_from_labeling(model="v2")
    ana, olga = client_for(people["ana"]), client_for(people["olga"])
    Alert.objects.filter(team=people["ana"].membership.team, ref__in=["top", "low"]).update(
        status="dismissed", assignee=people["ana"]
    )
    assert ana.get(f"{API}/alerts/", {"status": "dismissed"}).json()["count"] == 2
    assert ana.get(f"{API}/alerts/", {"assignee": "ana"}).json()["count"] == 2
    assert ana.get(f"{API}/alerts/", {"assignee": "none", "status": "new"}).json()["count"] == 4
    assert olga.get(f"{API}/alerts/", {"status": "dismissed"}).json()["count"] == 0, "Red's alerts are Red's"
    assert olga.get(f"{API}/alerts/").json()["count"] == 6
    assert ana.get(f"{API}/alerts/", {"page_size": 101}).status_code == 400


def test_the_alert_list_answers_304_until_an_alert_changes(flagged, people):
    alerts_from_labeling(model="v2")
    ana = client_for(people["ana"])
    tag = ana.get(f"{API}/alerts/")["ETag"]
    assert ana.get(f"{API}/alerts/", HTTP_IF_NONE_MATCH=tag).status_code == 304
    alert = Alert.objects.filter(team=people["ana"].membership.team, ref="top").get()
    ana.post(f"{API}/alerts/bulk/", {"ids": [alert.id], "status": "acknowledged"}, format="json")
    assert ana.get(f"{API}/alerts/", HTTP_IF_NONE_MATCH=tag).status_code == 200
