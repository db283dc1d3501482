"""A closed case is the record of finished work: every path that would add to it answers 409 in the
documented JSON shape ({"detail": ...}) and writes nothing, neither the row nor an audit event."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from investigations.alerts import alert_recurring
from investigations.models import Alert, AuditEvent
from investigations.services import case_create, case_transition, note_add
from tests.investigations.test_api import API, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(people, settings, tmp_path):
    """Blue's case, with one note, dismissed and closed (a dismissal closes without a second pair of eyes)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    case = case_create(user=people["ana"], title="Finished")
    note_add(user=people["ana"], case_id=case.id, body="written while open")
    for to in ("in_progress", "dismissed", "closed"):
        case_transition(user=people["ana"], case_id=case.id, to=to)
    return case


def refused(response, case) -> None:
    assert response.status_code == 409, response.content
    assert response.json() == {"detail": f"case {case.id} is closed: a closed case is not edited"}


def test_a_closed_case_takes_no_note(people, closed):
    events = AuditEvent.objects.count()
    refused(client_for(people["ana"]).post(f"{API}/cases/{closed.id}/notes/", {"body": "late"}, format="json"), closed)
    assert list(closed.notes.values_list("body", flat=True)) == ["written while open"]
    assert AuditEvent.objects.count() == events


def test_a_closed_case_takes_no_evidence_snapshot(people, closed):
    payload = {"name": "view", "snapshot": {"nodes": [{"id": "a"}]}}
    refused(
        client_for(people["ana"]).post(f"{API}/cases/{closed.id}/evidence/snapshots/", payload, format="json"), closed
    )
    assert not closed.evidence.exists()


def test_a_closed_case_takes_no_evidence_file_and_stores_no_bytes(people, closed, settings):
    upload = SimpleUploadedFile("ledger.csv", b"amount\n1\n", content_type="text/csv")
    response = client_for(people["ana"]).post(
        f"{API}/cases/{closed.id}/evidence/files/", {"file": upload}, format="multipart"
    )
    refused(response, closed)
    assert not closed.evidence.exists()
    assert not (settings.MEDIA_ROOT / "evidence").exists()


def test_an_alert_does_not_escalate_into_a_closed_case_and_stays_open(people, closed):
    team = people["ana"].membership.team
    alert, _ = alert_recurring(team=team, source="anomaly", kind="address", ref="bcrt1qlate", title="burst", detail={})
    response = client_for(people["ana"]).post(f"{API}/alerts/{alert.id}/escalate/", {"case": closed.id}, format="json")
    refused(response, closed)
    alert.refresh_from_db()
    assert (alert.status, alert.case_id) == (Alert.Status.NEW, None)
    assert not closed.subjects.exists()


def test_an_open_case_still_takes_all_of_them(people, settings, tmp_path):
    """The refusal is about closing, not a blanket one: the same requests on an open case succeed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    case = case_create(user=people["ana"], title="Ongoing")
    ana = client_for(people["ana"])
    assert ana.post(f"{API}/cases/{case.id}/notes/", {"body": "more"}, format="json").status_code == 201
    snapshot = {"name": "view", "snapshot": {"nodes": []}}
    assert ana.post(f"{API}/cases/{case.id}/evidence/snapshots/", snapshot, format="json").status_code == 201
    upload = SimpleUploadedFile("ledger.csv", b"amount\n1\n", content_type="text/csv")
    assert ana.post(f"{API}/cases/{case.id}/evidence/files/", {"file": upload}, format="multipart").status_code == 201
