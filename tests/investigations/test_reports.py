"""The case report: exported only with a supervisor's approval, holding what the case holds, its hashes
in the audit log, and refused when the stored file no longer matches them."""

import csv
import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied
from pypdf import PdfReader

from investigations.audit.log import inclusion_proof
from investigations.models import AuditEvent, Report
from investigations.services import (
    CaseConflict,
    approval_decide,
    approval_request,
    case_create,
    evidence_file_acquire,
    note_add,
    report_file,
    subject_add,
)
from tests.investigations.test_api import API, client_for
from tests.investigations.test_exploration import addr, flows  # noqa: F401 - a hand-built chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(people, flows, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    case = case_create(user=people["ana"], title="Ransom payouts via B", summary="Funds from A reach D through B.")
    subject_add(user=people["ana"], case_id=case.id, kind="address", ref=addr("B"))
    subject_add(user=people["ana"], case_id=case.id, kind="address", ref=addr("D"))
    note_add(user=people["ana"], case_id=case.id, body="B pays D 60 BTC — see the exchange's reply @sam")
    evidence_file_acquire(user=people["ana"], case_id=case.id, name="reply.txt", chunks=[b"yes, D is ours"])
    return case


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_report_is_made_only_when_a_second_supervisor_approves(case, people):
    approval = approval_request(user=people["ana"], case_id=case.id, action="export")
    assert not Report.objects.exists()
    with pytest.raises(PermissionDenied):
        approval_decide(user=people["ana"], approval_id=approval.id, approve=True)
    approval_decide(user=people["sue"], approval_id=approval.id, approve=True)
    report = Report.objects.get()
    pdf, name = report_file(user=people["ana"], case_id=case.id, report_id=report.id, fmt="pdf")
    assert name.endswith(".pdf")
    assert hashlib.sha256(pdf).hexdigest() == report.pdf_sha256
    exported = AuditEvent.objects.get(action="report.export")
    assert exported.data["pdf_sha256"] == report.pdf_sha256
    assert exported.actor == "sue"
    text = " ".join(text_of(pdf).split())
    assert "Ransom payouts via B" in text
    assert "Funds from A reach D through B." in text
    assert addr("B") in text
    assert "B pays D 60 BTC — see the exchange's reply @sam" in text
    unbroken = text.replace(" ", "")  # table cells wrap long hashes
    assert case.evidence.get().sha256 in unbroken
    first = AuditEvent.objects.filter(target=f"case:{case.id}").order_by("seq").first()
    assert inclusion_proof(first.seq)["leaf_hash"] in unbroken
    assert "approved by sue" in text


def test_the_csv_lists_the_subjects_with_their_risk_snapshot(case, people):
    approval = approval_request(user=people["ana"], case_id=case.id, action="export")
    approval_decide(user=people["sam"], approval_id=approval.id, approve=True)
    table, _ = report_file(user=people["sam"], case_id=case.id, report_id=Report.objects.get().id, fmt="csv")
    rows = list(csv.DictReader(io.StringIO(table.decode())))
    assert [(r["kind"], r["ref"]) for r in rows] == [("address", addr("B")), ("address", addr("D"))]


def test_a_rejected_export_makes_nothing_and_a_tampered_report_is_refused(case, people):
    rejected = approval_request(user=people["ana"], case_id=case.id, action="export")
    approval_decide(user=people["sam"], approval_id=rejected.id, approve=False)
    assert not Report.objects.exists()
    approved = approval_request(user=people["ana"], case_id=case.id, action="export")
    approval_decide(user=people["sam"], approval_id=approved.id, approve=True)
    report = Report.objects.get()
    with open(report.pdf.path, "r+b") as stored:
        stored.seek(200)
        byte = stored.read(1)
        stored.seek(200)
        stored.write(bytes([byte[0] ^ 1]))
    with pytest.raises(CaseConflict, match="no longer matches"):
        report_file(user=people["ana"], case_id=case.id, report_id=report.id, fmt="pdf")


def test_only_the_team_downloads_its_reports(case, people):
    approval = approval_request(user=people["ana"], case_id=case.id, action="export")
    approval_decide(user=people["sue"], approval_id=approval.id, approve=True)
    report = Report.objects.get()
    url = f"{API}/cases/{case.id}/reports/{report.id}/pdf/"
    response = client_for(people["ana"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client_for(people["olga"]).get(url).status_code == 404
    listed = client_for(people["sam"]).get(f"{API}/cases/{case.id}/reports/").json()
    assert [r["pdf_sha256"] for r in listed] == [report.pdf_sha256]
    assert client_for(people["otto"]).get(f"{API}/cases/{case.id}/reports/").status_code == 404
