"""Cases that flow between teammates: a verdict that trains the next model is confirmed with the number of
addresses it records, edits and assignment through the API, and who sees which approval."""

import pytest

from graphml.models import ConfirmedLabel
from investigations.models import AuditEvent, Case
from investigations.services import approval_request, case_create, case_transition, subject_add
from tests.investigations.test_api import API, client_for
from tests.investigations.test_exploration import addr, flows  # noqa: F401 - the hand-built chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def working_case(people, flows):  # noqa: F811 - pytest passes the fixture imported above
    """Ana's case about D and B's cluster (B and X spent together): three addresses, in progress."""
    store, _, _ = flows
    case = case_create(user=people["ana"], title="Peel chain")
    subject_add(user=people["ana"], case_id=case.id, kind="address", ref=addr("D"))
    cluster = store.read("MATCH (:Address {address: $a})-[:IN_CLUSTER]->(c) RETURN c.cluster_id AS c", a=addr("B"))
    subject_add(user=people["ana"], case_id=case.id, kind="cluster", ref=cluster[0]["c"])
    case_transition(user=people["ana"], case_id=case.id, to="in_progress")
    return case


def test_the_api_says_how_many_addresses_a_verdict_makes_training_labels(people, working_case):
    answer = client_for(people["ana"]).get(f"{API}/cases/{working_case.id}/verdict/")
    assert answer.status_code == 200
    assert answer.json() == {"labels": 3}


def test_confirming_without_the_count_is_refused_naming_it_and_records_nothing(people, working_case):
    ana = client_for(people["ana"])
    refused = ana.post(f"{API}/cases/{working_case.id}/transition/", {"to": "confirmed"}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": f"confirming case {working_case.id} records its 3 addresses as illicit training labels: "
        "send labels: 3 to confirm",
        "labels": 3,
    }
    assert Case.objects.get(id=working_case.id).status == "in_progress"
    assert ConfirmedLabel.objects.count() == 0
    assert not AuditEvent.objects.filter(action="case.transition", data__to="confirmed").exists()


def test_a_count_that_no_longer_matches_is_refused(people, working_case):
    ana = client_for(people["ana"])
    stale = ana.post(f"{API}/cases/{working_case.id}/transition/", {"to": "dismissed", "labels": 2}, format="json")
    assert stale.status_code == 400
    assert stale.json()["labels"] == 3
    assert "records its 3 addresses as licit training labels, not 2" in stale.json()["detail"]
    assert ConfirmedLabel.objects.count() == 0


def test_confirming_with_the_count_records_the_labels(people, working_case):
    ana = client_for(people["ana"])
    done = ana.post(f"{API}/cases/{working_case.id}/transition/", {"to": "confirmed", "labels": 3}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "confirmed"
    labelled = set(ConfirmedLabel.objects.filter(illicit=True).values_list("address", flat=True))
    assert labelled == {addr("D"), addr("B"), addr("X")}


def test_a_case_with_no_addresses_needs_no_count(people, flows):  # noqa: F811
    """Scripts that only move empty cases along keep working: nothing becomes a label."""
    case = case_create(user=people["ana"], title="Nothing yet")
    ana = client_for(people["ana"])
    assert ana.post(f"{API}/cases/{case.id}/transition/", {"to": "in_progress"}, format="json").status_code == 200
    assert ana.post(f"{API}/cases/{case.id}/transition/", {"to": "dismissed"}, format="json").status_code == 200


def test_title_summary_due_and_assignee_are_edited_through_the_api(people, working_case):
    ana = client_for(people["ana"])
    change = {"title": "Peel chain, part 2", "summary": "Funds go **on** to D.", "due": "2027-03-01", "assignee": "sam"}
    answer = ana.patch(f"{API}/cases/{working_case.id}/", change, format="json")
    assert answer.status_code == 200, answer.content
    case = Case.objects.get(id=working_case.id)
    assert (case.title, case.summary, str(case.due), case.assignee.username) == (
        "Peel chain, part 2",
        "Funds go **on** to D.",
        "2027-03-01",
        "sam",
    )
    refused = ana.patch(f"{API}/cases/{working_case.id}/", {"assignee": "otto"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "assignee: 'otto' is not in the case's team"


def test_the_team_members_are_what_the_assignee_picker_offers(people):
    members = client_for(people["ana"]).get(f"{API}/team/members/").json()
    assert members["team"] == "Blue"
    assert [(m["username"], m["role"]) for m in members["members"]] == [
        ("ana", "analyst"),
        ("sam", "supervisor"),
        ("sue", "supervisor"),
    ]


def test_an_approval_waits_in_other_supervisors_inboxes_not_the_askers(people, working_case):
    case_transition(user=people["ana"], case_id=working_case.id, to="confirmed")
    approval = approval_request(user=people["sam"], case_id=working_case.id, action="export")
    waiting = {
        name: client_for(people[name]).get(f"{API}/inbox/").json()["approvals"] for name in ("ana", "sam", "sue")
    }
    assert waiting["sam"] == [], "whoever asked cannot approve, so it does not wait for them"
    assert waiting["ana"] == [], "an analyst does not approve"
    assert [(a["id"], a["action"], a["requested_by"], a["case"]) for a in waiting["sue"]] == [
        (approval.id, "export", "sam", working_case.id)
    ]
    assert client_for(people["otto"]).get(f"{API}/inbox/").json()["approvals"] == [], "another team's"


def test_the_case_list_narrows_to_one_assignee_or_the_unassigned(people, working_case):
    other = case_create(user=people["ana"], title="Unassigned one")
    ana = client_for(people["ana"])
    ana.patch(f"{API}/cases/{working_case.id}/", {"assignee": "sue"}, format="json")
    assert [c["id"] for c in ana.get(f"{API}/cases/?assignee=sue").json()] == [working_case.id]
    assert [c["id"] for c in ana.get(f"{API}/cases/?assignee=none").json()] == [other.id]
    assert ana.get(f"{API}/cases/?assignee=otto").json() == []
