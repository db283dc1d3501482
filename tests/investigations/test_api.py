"""The investigator API: every endpoint against a teammate, another team, no team and no login; CSRF on
session writes; fields the server owns stay the server's; the whole workflow through HTTP."""

import pytest
from rest_framework.test import APIClient

from investigations.models import AuditEvent, Case
from investigations.services import approval_request, case_create, case_transition

pytestmark = pytest.mark.django_db
API = "/api/v1"


def client_for(user=None, *, csrf=False) -> APIClient:
    client = APIClient(enforce_csrf_checks=csrf)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def confirmed_case(people, chain_graph, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = case_create(user=people["ana"], title="Blue's")
    case_transition(user=people["ana"], case_id=case.id, to="in_progress")
    case_transition(user=people["ana"], case_id=case.id, to="confirmed")
    return case, approval_request(user=people["ana"], case_id=case.id, action="close")


def endpoints(case_id: int, approval_id: int) -> list[tuple[str, str, dict]]:
    return [
        ("get", f"{API}/cases/{case_id}/", {}),
        ("get", f"{API}/cases/{case_id}/audit/", {}),
        ("patch", f"{API}/cases/{case_id}/", {"title": "Mine now", "assignee": "olga"}),
        ("get", f"{API}/cases/{case_id}/reports/", {}),
        ("post", f"{API}/cases/{case_id}/transition/", {"to": "closed"}),
        ("post", f"{API}/cases/{case_id}/subjects/", {"kind": "address", "ref": "bc1qanything"}),
        ("post", f"{API}/cases/{case_id}/notes/", {"body": "hello"}),
        ("post", f"{API}/cases/{case_id}/evidence/snapshots/", {"name": "v", "snapshot": {"nodes": []}}),
        ("post", f"{API}/cases/{case_id}/approvals/", {"action": "close"}),
        ("post", f"{API}/approvals/{approval_id}/decide/", {"approve": True}),
    ]


@pytest.mark.parametrize(("who", "expected"), [("olga", 404), ("otto", 404), ("nobody", 403), (None, 403)])
def test_no_endpoint_reads_or_changes_another_teams_case(people, confirmed_case, who, expected):
    case, approval = confirmed_case
    client = client_for(people.get(who))
    for method, url, payload in endpoints(case.id, approval.id):
        response = getattr(client, method)(url, payload, format="json")
        assert response.status_code == expected, (method, url, response.content)
    case.refresh_from_db()
    assert (case.status, case.notes.count(), case.evidence.count(), case.subjects.count()) == ("confirmed", 0, 0, 0)
    assert (case.title, case.assignee) == ("Blue's", None)
    if who in ("olga", "otto"):
        assert client.get(f"{API}/cases/").json() == [], "a list shows only the user's own team"


def test_session_writes_need_the_csrf_token(people):
    client = client_for(people["ana"], csrf=True)
    assert client.post(f"{API}/cases/", {"title": "No token"}, format="json").status_code == 403
    client.get("/admin/login/")  # sets the csrftoken cookie, as the web app's first page does
    token = client.cookies["csrftoken"].value
    response = client.post(f"{API}/cases/", {"title": "With token"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    assert list(Case.objects.values_list("title", flat=True)) == ["With token"]


def test_fields_the_server_owns_cannot_be_set(people):
    response = client_for(people["ana"]).post(
        f"{API}/cases/",
        {"title": "Mine", "team": "Red", "status": "closed", "outcome": "confirmed", "created_by": "olga", "id": 999},
        format="json",
    )
    assert response.status_code == 201
    case = Case.objects.get()
    assert (case.team.name, case.status, case.outcome, case.created_by.username) == ("Blue", "open", "", "ana")
    assert case.id != 999


def test_editing_a_case_changes_only_what_may_be_edited_and_audits_old_and_new(people):
    case = Case.objects.get(
        id=client_for(people["ana"]).post(f"{API}/cases/", {"title": "Draft"}, format="json").json()["id"]
    )
    ana = client_for(people["ana"])
    protected = {"title": "Peel chain", "status": "closed", "team": "Red", "created_by": "olga", "outcome": "confirmed"}
    response = ana.patch(
        f"{API}/cases/{case.id}/", {**protected, "assignee": "sam", "due": "2027-01-31"}, format="json"
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert (case.title, case.status, case.team.name, case.created_by.username, case.outcome) == (
        "Peel chain",
        "open",
        "Blue",
        "ana",
        "",
    )
    assert (case.assignee.username, str(case.due)) == ("sam", "2027-01-31")
    event = AuditEvent.objects.filter(action="case.update").get()
    assert event.data == {"title": ["Draft", "Peel chain"], "assignee": [None, "sam"], "due": [None, "2027-01-31"]}
    assert ana.patch(f"{API}/cases/{case.id}/", {"assignee": "olga"}, format="json").status_code == 400
    assert ana.patch(f"{API}/cases/{case.id}/", {"title": " "}, format="json").status_code == 400
    assert ana.patch(f"{API}/cases/{case.id}/", {"assignee": None}, format="json").json()["assignee"] is None


def test_the_whole_workflow_through_http(people, chain_graph, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ana, sam, sue = (client_for(people[name]) for name in ("ana", "sam", "sue"))
    case = ana.post(f"{API}/cases/", {"title": "Peel chain", "priority": "high"}, format="json").json()
    url = f"{API}/cases/{case['id']}"
    refused = ana.post(f"{url}/transition/", {"to": "confirmed"}, format="json")
    assert refused.status_code == 409
    assert refused.json() == {"detail": f"case {case['id']} is open: it can go to in_progress, not confirmed"}
    assert ana.post(f"{url}/transition/", {"to": "in_progress"}, format="json").status_code == 200
    assert ana.post(f"{url}/notes/", {"body": "@sam have a look"}, format="json").json()["mentions"] == ["sam"]
    upload = tmp_path / "trace.csv"
    upload.write_text("txid,value\nabc,1\n")
    with open(upload, "rb") as handle:
        evidence = ana.post(f"{url}/evidence/files/", {"file": handle}, format="multipart").json()
    assert (evidence["content_type"], evidence["size"]) == ("text/csv", 17)
    missing = ana.post(f"{url}/subjects/", {"kind": "address", "ref": "bc1qnotthere"}, format="json")
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "unknown address 'bc1qnotthere': the graph has no such address",
    )
    assert ana.post(f"{url}/transition/", {"to": "confirmed"}, format="json").status_code == 200
    approval = ana.post(f"{url}/approvals/", {"action": "close"}, format="json").json()
    assert sam.post(f"{API}/approvals/{approval['id']}/decide/", {"approve": True}, format="json").status_code == 200
    assert sue.get(f"{url}/").json()["status"] == "closed"
    detail = sue.get(f"{url}/").json()
    assert [e["sha256"] for e in detail["evidence"]] == [evidence["sha256"]]
    actions = [event["action"] for event in sue.get(f"{url}/audit/").json()]
    assert actions[0] == "case.create"
    assert actions[-2:] == ["approval.approved", "case.transition"]
    assert "evidence.acquire" in actions


def test_the_schema_describes_the_case_endpoints(people):
    schema = client_for(people["ana"]).get(f"{API}/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert f"{API}/cases/{{case_id}}/transition/" in schema.json()["paths"]
