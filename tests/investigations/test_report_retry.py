"""An approved export whose report fails is kept with its error, retried by the worker with backoff, and can
be retried by the case's team. The failure is real: the reports folder is a file, so storage cannot write."""

import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from investigations.models import AuditEvent, Report
from investigations.services import (
    approval_decide,
    approval_request,
    case_create,
    case_transition,
    note_add,
    report_file,
)
from tests.investigations.test_api import API, client_for
from tests.investigations.test_report_pages import pages


def block_reports(media: Path) -> Path:
    """Storage makes MEDIA_ROOT/reports/<year>/<month>/: with a file named `reports`, every save fails."""
    blocker = media / "reports"
    if blocker.is_dir():
        shutil.rmtree(blocker)  # test output of earlier runs
    media.mkdir(parents=True, exist_ok=True)
    blocker.write_text("in the way")
    return blocker


def approved_export(people) -> tuple[int, Report]:
    case = case_create(user=people["ana"], title="Payouts")
    note_add(user=people["ana"], case_id=case.id, body="B pays D")
    approval = approval_request(user=people["ana"], case_id=case.id, action="export")
    approval_decide(user=people["sue"], approval_id=approval.id, approve=True)
    return case.id, Report.objects.get(approval=approval)


@pytest.mark.django_db
def test_a_failed_report_shows_its_error_and_the_team_retries_it(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    blocker = block_reports(settings.MEDIA_ROOT)
    case_id, report = approved_export(people)
    assert (report.status, report.attempts) == ("failed", 1), "the approval stands; the report waits for a retry"
    ana = client_for(people["ana"])
    (listed,) = ana.get(f"{API}/cases/{case_id}/reports/").json()
    assert listed["status"] == "failed"
    assert listed["last_error"].startswith("NotADirectoryError")
    refused = ana.get(f"{API}/cases/{case_id}/reports/{report.id}/pdf/")
    assert refused.status_code == 409
    assert "failed" in refused.json()["detail"]
    url = f"{API}/cases/{case_id}/reports/{report.id}/retry/"
    assert client_for(people["olga"]).post(url).status_code == 404, "only the case's team retries it"
    again = ana.post(url)
    assert (again.status_code, again.json()["status"], again.json()["attempts"]) == (200, "failed", 2)
    blocker.unlink()
    made = ana.post(url)
    assert (made.status_code, made.json()["status"], made.json()["last_error"]) == (200, "ready", "")
    pdf, _ = report_file(user=people["ana"], case_id=case_id, report_id=report.id, fmt="pdf")
    assert pdf.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="report.export").count() == 1
    assert AuditEvent.objects.filter(action="report.retry").count() == 2
    assert ana.post(url).status_code == 409, "a report already made is not made again"


@pytest.mark.django_db
def test_a_report_that_fails_to_be_made_again_at_the_close_is_retried_and_reads_closed(
    people, settings, tmp_path, django_capture_on_commit_callbacks
):
    """A dismissed case closes without approval; its earlier report is made again, fails (storage), waits
    as `failed` for the worker, and the team's retry makes it as the case stands: closed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    case_id, report = approved_export(people)
    for step in ("in_progress", "dismissed"):
        case_transition(user=people["ana"], case_id=case_id, to=step)
    blocker = block_reports(settings.MEDIA_ROOT)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(user=people["ana"], case_id=case_id, to="closed")
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("failed", 2)
    assert report.last_error.startswith("NotADirectoryError")
    assert AuditEvent.objects.filter(action="report.finalise", data__report=report.id).count() == 1
    ana = client_for(people["ana"])
    assert ana.get(f"{API}/cases/{case_id}/reports/{report.id}/pdf/").status_code == 409
    blocker.unlink()
    made = ana.post(f"{API}/cases/{case_id}/reports/{report.id}/retry/").json()
    assert (made["status"], made["attempts"]) == ("ready", 3)
    pdf, _ = report_file(user=people["ana"], case_id=case_id, report_id=report.id, fmt="pdf")
    assert "status closed" in pages(pdf)[0]
    assert "outcome dismissed" in pages(pdf)[0]


@pytest.mark.slow
def test_the_worker_retries_a_failed_report_with_backoff(worker, audit_log_cleared, people):
    """The worker shares this process's MEDIA_ROOT (tests/settings.py) and backs off 1 s, then 2 s."""
    blocker = block_reports(Path(django_settings.MEDIA_ROOT))
    try:
        case_id, report = approved_export(people)
        assert report.status == "failed"
        assert wait_for(report, lambda r: r.attempts >= 2).status == "failed", "the worker's first try fails too"
        blocker.unlink()
        done = wait_for(report, lambda r: r.status == "ready")
        assert (done.attempts, done.last_error) == (3, "")
        pdf, _ = report_file(user=people["ana"], case_id=case_id, report_id=report.id, fmt="pdf")
        assert pdf.startswith(b"%PDF")
    finally:
        if blocker.is_file():
            blocker.unlink()


def wait_for(report: Report, done, seconds: float = 30) -> Report:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if done(report):
            return report
        time.sleep(0.2)
    raise AssertionError(f"report {report.id} is {report.status} after {report.attempts} attempt(s)")
