"""The exploration answers go through output serializers (investigations/api/answers.py) so the schema can
describe them; the JSON must stay byte for byte what the selectors' own values render to: no field
dropped, renamed, reordered or re-typed (a risk of 1 stays 1, not 1.0)."""

import pytest
from rest_framework.renderers import JSONRenderer

from graph import explore
from graph.ml import flag_clusters, write_address_scores, write_reasons
from graph.tags import tags_for, tags_in_cluster, tags_search
from investigations.api.session import whoami
from investigations.api.views import CaseOut
from investigations.services import case_create
from investigations.tagging import own_pack, tag_add
from investigations.tracing import follow_money
from tests.investigations.test_api import API, client_for
from tests.investigations.test_exploration import addr, flows  # noqa: F401 - flows is a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(flows):  # noqa: F811 - the fixture imported above
    """The flows chain with a model's scores (B's an int, as a graph may hold one, which flags B's cluster)
    and B's reasons."""
    store, tx1, tx2 = flows
    rows = [
        {"address": addr("B"), "risk": 1, "label": "illicit"},
        {"address": addr("D"), "risk": 0.25, "label": "licit"},
    ]
    write_address_scores(store, rows, model="m1")
    write_reasons(store, [{"address": addr("B"), "features": ["fan_in"], "weights": [0.5], "neighbours": [addr("X")]}])
    flag_clusters(store, model="m1")
    return store, tx1, tx2


def _same(answer, expected) -> None:
    assert answer.status_code == 200, answer.content
    assert answer.content == JSONRenderer().render(expected)


def test_the_address_and_cluster_answers_are_the_selectors_values(scored, people):
    store, _, _ = scored
    ana = people["ana"]
    tag_add(user=ana, address=addr("B"), label="B's wallet", abuse="scam")
    client, own, b = client_for(ana), own_pack(ana), addr("B")
    detail = explore.address_detail(store, b)
    cluster_tags = tags_in_cluster(store, detail.cluster, own_pack=own, limit=20)
    assert cluster_tags, "the test needs a tag to compare"
    expected = {**detail.as_dict(), "tags": tags_for(store, [b], own_pack=own)[b], "cluster_tags": cluster_tags}
    _same(client.get(f"{API}/addresses/{b}/"), expected)
    cluster = explore.cluster_detail(store, detail.cluster)
    expected = {**cluster.as_dict(), "tags": tags_in_cluster(store, detail.cluster, own_pack=own, limit=50)}
    _same(client.get(f"{API}/clusters/{detail.cluster}/"), expected)


def test_the_pages_and_the_transaction_are_the_selectors_values(scored, people):
    store, tx1, tx2 = scored
    client, d = client_for(people["ana"]), addr("D")
    _same(client.get(f"{API}/addresses/{d}/neighbours/", {"limit": 2}), explore.neighbours(store, d, limit=2).as_dict())
    cluster = explore.address_detail(store, addr("B")).cluster
    _same(client.get(f"{API}/clusters/{cluster}/transactions/"), explore.cluster_transactions(store, cluster).as_dict())
    _same(client.get(f"{API}/transactions/{tx2}/"), explore.transaction_detail(store, tx2))
    _same(client.get(f"{API}/transactions/{tx1}/"), explore.transaction_detail(store, tx1))


def test_walks_are_the_selectors_values(scored, people):
    store, _, _ = scored
    client, a, d = client_for(people["ana"]), addr("A"), addr("D")
    _same(
        client.get(f"{API}/paths/", {"source": a, "target": d, "hops": 2}),
        {"paths": explore.paths(store, a, d, hops=2)},
    )
    for direction, start in (("forward", a), ("backward", d)):
        expected = follow_money(address=start, direction=direction, hops=2).as_dict()
        assert any("haircut" in edge for edge in expected["edges"])
        assert any("haircut" not in edge for edge in expected["edges"]), "an edge without a haircut keeps none"
        _same(client.get(f"{API}/addresses/{start}/flows/", {"hops": 2, "direction": direction}), expected)


def test_search_the_queue_and_the_session_are_the_selectors_values(scored, people):
    store, _, tx2 = scored
    ana = people["ana"]
    case = case_create(user=ana, title="Peel chain from D")
    tag_add(user=ana, address=addr("D"), label="Peel chain wallet", abuse="money_laundering")
    client, own = client_for(ana), own_pack(ana)
    expected = {
        "addresses": [],
        "transactions": [],
        "tags": tags_search(store, "peel chain", own_pack=own, limit=20),
        "cases": CaseOut([case], many=True).data,
    }
    _same(client.get(f"{API}/search/", {"q": "peel chain"}), expected)
    d = explore.address_detail(store, addr("D"))
    _same(
        client.get(f"{API}/search/", {"q": addr("D")}),
        {**expected, "addresses": [d.as_dict()], "tags": [], "cases": []},
    )
    tx = explore.transaction_detail(store, tx2, limit=0)
    _same(client.get(f"{API}/search/", {"q": tx2}), {**expected, "transactions": [tx], "tags": [], "cases": []})
    flagged = explore.flagged_clusters(store)
    assert flagged, "B's cluster is flagged"
    queue = client.get(f"{API}/queue/clusters/").json()
    assert (queue["count"], queue["next"], queue["previous"]) == (len(flagged), None, None)
    assert [c["cluster"] for c in queue["results"]] == [c["cluster"] for c in flagged]
    _same(client.get(f"{API}/session/"), whoami(ana))
    signed_out = {"username": None, "team": None, "role": None, "sso": None}
    _same(client_for().get(f"{API}/session/"), signed_out)
