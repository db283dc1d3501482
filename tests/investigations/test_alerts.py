"""Alerts from labeling jobs and watchlists, triage in bulk, escalation into a case."""

import pytest

from investigations.alerts import (
    alert_escalate,
    alert_recurring,
    alerts_triage,
    watch_entry_add,
    watchlist_create,
    watchlists_check,
)
from investigations.models import Alert, AuditEvent
from investigations.services import CaseConflict, CaseError
from tests.chain.blockmaker import ChainMaker, to
from tests.investigations.test_api import API, client_for
from tests.investigations.test_exploration import BTC, addr

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(ingest, chain_graph, tmp_path):
    """D is paid 60 BTC at block 3; `more()` adds a block paying D 1 BTC and ingests it."""
    maker = ChainMaker()
    coin = maker.block(miner="A")
    maker.block(maker.spend((coin, 0), outputs=[(49 * BTC, to("D"))]), fees=BTC)
    assert ingest("blk", maker.write_blk(tmp_path / "a.dat"), network="regtest").status == "succeeded"

    def more():
        coin = maker.block(miner="M")
        maker.block(maker.spend((coin, 0), outputs=[(BTC, to("D")), (48 * BTC, to("M"))]), fees=BTC)
        new = [len(maker.blocks) - 2, len(maker.blocks) - 1]
        path = maker.write_blk(tmp_path / f"b{len(maker.blocks)}.dat", order=new)
        assert ingest("blk", path, network="regtest").status == "succeeded"

    return more


def test_new_activity_on_a_watched_address_raises_one_alert_for_the_watching_team(chain, people):
    watchlist = watchlist_create(user=people["ana"], name="Peel chain")
    watch_entry_add(user=people["ana"], watchlist_id=watchlist.id, kind="address", ref=addr("D"), note="from case 7")
    assert watchlists_check() == 0, "what was there when it was added raises nothing"
    chain()
    assert watchlists_check() == 1
    (alert,) = Alert.objects.all()
    assert (alert.team.name, alert.source, alert.ref) == ("Blue", "watchlist", addr("D"))
    assert alert.detail["moved"] == BTC
    assert alert.detail["note"] == "from case 7"
    assert watchlists_check() == 0, "nothing moved since"
    chain()
    assert watchlists_check() == 0, "the open alert gathers the new movement"
    alert.refresh_from_db()
    assert alert.detail["moved"] == 2 * BTC


def test_a_watch_entry_must_be_in_the_graph(chain, people):
    watchlist = watchlist_create(user=people["ana"], name="Leads")
    with pytest.raises(CaseError, match="the graph holds no address"):
        watch_entry_add(user=people["ana"], watchlist_id=watchlist.id, kind="address", ref=addr("nobody"))
    with pytest.raises(CaseError, match="already has a watchlist"):
        watchlist_create(user=people["ana"], name="Leads")


@pytest.fixture
def queue(people, chain):
    """Three anomaly alerts for each team, about A, D and the miner (all in the graph)."""
    made = []
    for team in ("Blue", "Red"):
        for n, label in enumerate(("A", "D", "miner")):
            made.append(
                alert_recurring(
                    team=people["ana" if team == "Blue" else "olga"].membership.team,
                    source="anomaly",
                    kind="address",
                    ref=addr(label),
                    title=f"burst {n}",
                    detail={},
                )[0]
            )
    return made


def test_alerts_are_triaged_and_assigned_in_bulk_all_or_nothing(people, queue):
    blue = [alert.id for alert in queue[:3]]
    alerts_triage(user=people["ana"], alert_ids=blue[:2], status="acknowledged", assignee="sam")
    assert list(Alert.objects.filter(assignee__username="sam").values_list("id", flat=True).order_by("id")) == blue[:2]
    with pytest.raises(Alert.DoesNotExist):
        alerts_triage(user=people["ana"], alert_ids=[blue[2], queue[3].id], status="dismissed")
    with pytest.raises(CaseError, match="not in your team"):
        alerts_triage(user=people["ana"], alert_ids=blue, assignee="olga")
    alerts_triage(user=people["ana"], alert_ids=[blue[2]], status="resolved")
    with pytest.raises(CaseError, match="cannot become new"):
        alerts_triage(user=people["ana"], alert_ids=blue, status="new")
    assert Alert.objects.filter(status="new").count() == 3, "the refused request changed nothing"
    assert AuditEvent.objects.filter(action="alert.triage").count() == 3


def test_escalating_an_alert_opens_a_case_about_its_subject(people, queue):
    case = alert_escalate(user=people["ana"], alert_id=queue[0].id)
    assert case.subjects.get().ref == queue[0].ref
    queue[0].refresh_from_db()
    assert (queue[0].status, queue[0].case_id) == ("escalated", case.id)
    second = alert_escalate(user=people["ana"], alert_id=queue[1].id, case_id=case.id)
    assert second.id == case.id
    assert case.subjects.count() == 2
    with pytest.raises(CaseConflict, match="only new or acknowledged"):
        alert_escalate(user=people["ana"], alert_id=queue[0].id)


def test_the_alert_api_keeps_to_the_team(people, queue):
    ana, olga = client_for(people["ana"]), client_for(people["olga"])
    assert ana.get(f"{API}/alerts/").json()["count"] == 3
    assert len(ana.get(f"{API}/alerts/", {"status": ["new", "dismissed"], "assignee": "none"}).json()["results"]) == 3
    blue = [alert.id for alert in queue[:3]]
    assert olga.post(f"{API}/alerts/bulk/", {"ids": blue, "status": "dismissed"}, format="json").status_code == 404
    done = ana.post(f"{API}/alerts/bulk/", {"ids": blue, "status": "dismissed"}, format="json")
    assert [a["status"] for a in done.json()] == ["dismissed"] * 3
    assert olga.post(f"{API}/alerts/{blue[0]}/escalate/", {}, format="json").status_code == 404
    assert ana.post(f"{API}/alerts/{blue[0]}/escalate/", {}, format="json").status_code == 409
    assert client_for(people["nobody"]).get(f"{API}/alerts/").status_code == 403
    made = ana.post(f"{API}/watchlists/", {"name": "Mine"}, format="json").json()
    assert olga.get(f"{API}/watchlists/").json() == []
    assert (
        olga.post(f"{API}/watchlists/{made['id']}/entries/", {"kind": "address", "ref": "x"}, format="json").status_code
        == 404
    )
