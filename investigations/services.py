"""Case services: every change to a case goes through here, checks the user's team and role, and leaves
an audit event in the same transaction (docs/audit.md). Reads are in selectors.py.
"""

import dataclasses
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.errors import ChainSleuthError, Conflict, Forbidden, NotFound
from core.scoping import teammates
from graph import explore, get_graph
from investigations.audit.log import audit_event_append
from investigations.evidence import Fingerprint, fingerprint, snapshot_bytes
from investigations.models import Approval, Case, Evidence, Note, Notification, Report, Subject
from investigations.notifications import notify
from investigations.retries import ReportFailed
from investigations.selectors import case_addresses, case_get, membership
from investigations.signals import case_verdict_reached
from investigations.tasks import report_generate as report_generate_task

Status = Case.Status
# Open → In progress → Confirmed | Dismissed → Closed; a confirmed case closes only with a second pair of eyes.
TRANSITIONS = {
    Status.OPEN: {Status.IN_PROGRESS},
    Status.IN_PROGRESS: {Status.CONFIRMED, Status.DISMISSED},
    Status.CONFIRMED: {Status.CLOSED},
    Status.DISMISSED: {Status.CLOSED},
    Status.CLOSED: set(),
}
APPROVERS = Approval.team_roles["decide"][0]  # supervisors and admins


class CaseError(ChainSleuthError, ValueError):
    """A request that cannot be done; the message says why and what to do instead."""


class CaseConflict(CaseError, Conflict):
    """The case's state does not allow it now (a wrong move in the workflow, a closed case)."""


class UnknownSubject(CaseError, NotFound):
    """The graph has no such address, cluster or transaction."""


class VerdictUnconfirmed(CaseError):
    """A verdict that records training labels, sent without confirming how many (400). The body names the
    count, so a client can show it and send it back."""

    def __init__(self, message: str, *, labels: int):
        super().__init__(message)
        self.labels = labels

    def body(self) -> dict:
        return {"detail": str(self), "labels": self.labels}


class CaseForbidden(Forbidden, PermissionDenied):
    """Four eyes refused (403): whoever asked for an approval cannot give it. A role that may not decide is
    refused by the scoping (core.scoping.RoleForbidden). Still Django's PermissionDenied for callers
    outside the API."""


def case_open_get(*, user: AbstractBaseUser, case_id: int) -> Case:
    """The case, locked for the change about to be made, if it still takes changes. A closed case is the
    record of finished work (its report and audit trail stand for it): notes, evidence, subjects and
    edits are refused, whichever path (API, alert escalation, command) asks. Call inside a transaction."""
    case = case_get(user=user, case_id=case_id, for_update=True)
    if case.status == Status.CLOSED:
        raise CaseConflict(f"case {case.id} is closed: a closed case is not edited")
    return case


@transaction.atomic
def case_create(*, user: AbstractBaseUser, title: str, summary: str = "", priority: str = "medium", due=None) -> Case:
    if not title.strip():
        raise CaseError("a case needs a title")
    case = Case.objects.create(
        team=membership(user).team, title=title.strip(), summary=summary, priority=priority, due=due, created_by=user
    )
    _audit(user, "case.create", case, {"title": case.title, "priority": priority})
    return case


EDITABLE = ("title", "summary", "priority", "due", "assignee")


@transaction.atomic
def case_update(*, user: AbstractBaseUser, case_id: int, **changes) -> Case:
    """Edit what an investigator may edit (EDITABLE); `assignee` is a teammate's username or None. A closed
    case is not edited. The audit event holds each field's old and new value."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise CaseError(f"cannot edit {', '.join(sorted(unknown))}: only {', '.join(EDITABLE)}")
    case = case_open_get(user=user, case_id=case_id)
    if "title" in changes and not (changes["title"] or "").strip():
        raise CaseError("a case needs a title")
    if "assignee" in changes:
        changes["assignee"] = _assignee(case, changes["assignee"])
    changed = {}
    for name, value in changes.items():
        old = getattr(case, name)
        if old != value:
            changed[name] = [_plain(old), _plain(value)]
            setattr(case, name, value)
    if changed:
        case.save()
        _audit(user, "case.update", case, changed)
    if "assignee" in changed and case.assignee is not None:
        said = f"{user.get_username()} assigned you case #{case.id} {case.title}"
        notify(actor=user, recipients=[case.assignee], kind=Notification.Kind.ASSIGNED, case=case, text=said)
    return case


def _assignee(case: Case, username: str | None):
    if not username:
        return None
    person = teammates(case.team).filter(username=username).first()
    if person is None:
        raise CaseError(f"assignee: {username!r} is not in the case's team")
    return person


def _plain(value):
    """A value as the audit log keeps it: a user by name, a date as ISO text."""
    if hasattr(value, "get_username"):
        return value.get_username()
    return value.isoformat() if hasattr(value, "isoformat") else value


VERDICTS = (Status.CONFIRMED, Status.DISMISSED)  # each records the case's addresses as training labels


@transaction.atomic
def case_transition(
    *, user: AbstractBaseUser, case_id: int, to: str, labels: int | None = None, confirmation_required: bool = False
) -> Case:
    """Move the case along the workflow. A verdict records the case's addresses as training labels; with
    `confirmation_required` (the API sets it: a script must not train the next model by accident) it goes
    ahead only when `labels` is the number of addresses that become labels, as the user was shown it
    (`verdict_preview`). A case with no addresses needs no confirmation: it records nothing."""
    case = case_get(user=user, case_id=case_id, for_update=True)
    if to not in TRANSITIONS[case.status]:
        allowed = ", ".join(sorted(TRANSITIONS[case.status])) or "none (it is closed)"
        raise CaseConflict(f"case {case.id} is {case.status}: it can go to {allowed}, not {to}")
    if case.status == Status.CONFIRMED and to == Status.CLOSED:
        raise CaseConflict(f"closing confirmed case {case.id} needs a supervisor's approval: request it first")
    addresses = sorted(case_addresses(case)) if to in VERDICTS else []
    if confirmation_required and addresses and labels != len(addresses):
        raise VerdictUnconfirmed(_unconfirmed(case, to, len(addresses), labels), labels=len(addresses))
    _move(case, to)
    _audit(user, "case.transition", case, {"to": to})
    if to in VERDICTS:
        case_verdict_reached.send(
            sender=Case, addresses=addresses, illicit=to == Status.CONFIRMED, source=f"case:{case.id}"
        )
    return case


def _unconfirmed(case: Case, to: str, count: int, labels: int | None) -> str:
    verb, kind = ("confirming", "illicit") if to == Status.CONFIRMED else ("dismissing", "licit")
    what = f"{verb} case {case.id} records its {count} addresses as {kind} training labels"
    if labels is None:
        return f"{what}: send labels: {count} to confirm"
    return f"{what}, not {labels} (its subjects changed since): check them and confirm {count}"


def verdict_preview(*, user: AbstractBaseUser, case_id: int) -> int:
    """How many addresses a verdict on the case would record as training labels now."""
    return len(case_addresses(case_get(user=user, case_id=case_id)))


@transaction.atomic
def subject_add(*, user: AbstractBaseUser, case_id: int, kind: str, ref: str) -> Subject:
    case = case_open_get(user=user, case_id=case_id)
    if kind not in Subject.Kind.values:
        raise CaseError(f"unknown subject kind {kind!r}: one of {', '.join(Subject.Kind.values)}")
    found = explore.snapshot(get_graph(), kind, ref)
    if found is None:
        raise UnknownSubject(f"unknown {kind} {ref!r}: the graph has no such {kind}")
    subject, created = Subject.objects.get_or_create(
        case=case, kind=kind, ref=ref, defaults={"snapshot": dataclasses.asdict(found), "added_by": user}
    )
    if created:
        _audit(user, "subject.add", case, {"kind": kind, "ref": ref, "risk": found.risk})
    return subject


@transaction.atomic
def approval_request(*, user: AbstractBaseUser, case_id: int, action: str) -> Approval:
    case = case_get(user=user, case_id=case_id, for_update=True)
    if action == Approval.Action.CLOSE and case.status != Status.CONFIRMED:
        raise CaseConflict(f"case {case.id} is {case.status}: only a confirmed case needs approval to close")
    approval, created = Approval.objects.get_or_create(
        case=case, action=action, status=Approval.Status.PENDING, defaults={"requested_by": user}
    )
    if created:
        _audit(user, "approval.request", case, {"action": action, "approval": approval.id})
        deciders = teammates(case.team).filter(membership__role__in=APPROVERS)
        asked = f"{user.get_username()} asks you to approve: {_ACTION_WORDS[action]} case #{case.id} {case.title}"
        notify(actor=user, recipients=deciders, kind=Notification.Kind.APPROVAL, case=case, text=asked)
    return approval


_ACTION_WORDS = {Approval.Action.CLOSE: "close", Approval.Action.EXPORT: "export a report of"}


def approval_decide(*, user: AbstractBaseUser, approval_id: int, approve: bool) -> Approval:
    """An approved export makes its report after the decision commits: building a PDF must not hold the
    database's write lock (on SQLite, every other audited change would wait for it). A report that fails
    is kept as `failed` with its error and retried by the worker; the approval stands either way."""
    approval = _decide(user, approval_id, approve)
    report = Report.objects.filter(approval=approval).first()
    if report is not None:
        try:
            report_generate(report_id=report.id)
        except ReportFailed:
            transaction.on_commit(lambda: report_retry_queue(report.id, attempt=1))  # now, outside a transaction
    return approval


@transaction.atomic
def _decide(user: AbstractBaseUser, approval_id: int, approve: bool) -> Approval:
    approval = Approval.objects.select_for_update().get_for_user(user, "decide", id=approval_id)
    if approval.status != Approval.Status.PENDING:
        raise CaseConflict(f"approval {approval.id} was already {approval.status}")
    if approval.requested_by_id == user.pk:
        raise CaseForbidden("four eyes: whoever asked cannot approve")
    approval.status = Approval.Status.APPROVED if approve else Approval.Status.REJECTED
    approval.decided_by, approval.decided_at = user, timezone.now()
    approval.save(update_fields=["status", "decided_by", "decided_at"])
    case = case_get(user=user, case_id=approval.case_id, for_update=True)
    _audit(user, f"approval.{approval.status}", case, {"action": approval.action, "approval": approval.id})
    if approve and approval.action == Approval.Action.CLOSE:
        _move(case, Status.CLOSED)
        _audit(user, "case.transition", case, {"to": Status.CLOSED, "approval": approval.id})
    if approve and approval.action == Approval.Action.EXPORT:  # the row first: a failed PDF leaves it to retry
        Report.objects.create(case=case, approval=approval, generated_by=user, status=Report.Status.PENDING)
    said = f"{user.get_username()} {approval.status} your request to {_ACTION_WORDS[approval.action]} case #{case.id}"
    notify(actor=user, recipients=[approval.requested_by], kind=Notification.Kind.DECIDED, case=case, text=said)
    return approval


def report_retry_queue(report_id: int, *, attempt: int) -> None:
    """The worker tries again after a backoff that doubles with each attempt (REPORT_RETRY_BACKOFF)."""
    countdown = settings.REPORT_RETRY_BACKOFF * 2 ** (attempt - 1)
    report_generate_task.apply_async(args=[report_id], countdown=countdown)


def report_generate(*, report_id: int) -> Report:
    """Make a pending or failed report's files, as the case stands now, outside any transaction (it only
    reads); then store them and audit their hashes in one short one. A failure is recorded on the row
    (attempts, last error) and raised as ReportFailed; a report already made is returned as it is."""
    report = Report.objects.select_related("case", "approval__requested_by", "generated_by").get(id=report_id)
    if report.status == Report.Status.READY:
        return report
    try:
        _report_files(report)
    except Exception as error:  # any failure to make it is the report's state, shown to the team
        _report_failed(report, error)
        raise ReportFailed(f"report {report.id}: {report.last_error}") from error
    with transaction.atomic():
        report.status, report.attempts, report.last_error = Report.Status.READY, report.attempts + 1, ""
        report.generated_at = timezone.now()
        report.save()
        hashes = {"report": report.id, "pdf_sha256": report.pdf_sha256, "csv_sha256": report.csv_sha256}
        _audit(report.generated_by, "report.export", report.case, hashes)
    return report


def _report_files(report: Report) -> None:
    from investigations.report import report_csv, report_pdf  # matplotlib and fpdf: loaded when a report is made

    case, approval = report.case, report.approval
    exported_by = f"{approval.requested_by.get_username()}, approved by {report.generated_by.get_username()}"
    pdf, table = report_pdf(case, exported_by=exported_by), report_csv(case)
    stem = f"case-{case.id}-report-{approval.id}"
    report.pdf_sha256, report.csv_sha256 = hashlib.sha256(pdf).hexdigest(), hashlib.sha256(table).hexdigest()
    report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    report.csv.save(f"{stem}.csv", ContentFile(table), save=False)


def _report_failed(report: Report, error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"[:2000]
    Report.objects.filter(id=report.id).update(
        status=Report.Status.FAILED, attempts=F("attempts") + 1, last_error=message
    )
    report.refresh_from_db()


def report_retry(*, user: AbstractBaseUser, case_id: int, report_id: int) -> Report:
    """The case's team tries a failed report again now; the answer shows whether it was made this time."""
    case = case_get(user=user, case_id=case_id)
    report = Report.objects.get_for_user(user, id=report_id, case_id=case.id)
    if report.status == Report.Status.READY:
        raise CaseConflict(f"report {report.id} is already made")
    with transaction.atomic():
        _audit(user, "report.retry", case, {"report": report.id, "attempts": report.attempts})
    try:
        return report_generate(report_id=report.id)
    except ReportFailed:
        return Report.objects.get(id=report.id)


def report_file(*, user: AbstractBaseUser, case_id: int, report_id: int, fmt: str) -> tuple[bytes, str]:
    """A report's PDF or CSV, checked against the hash taken when it was made; the download is audited."""
    case = case_get(user=user, case_id=case_id)
    report = Report.objects.get_for_user(user, id=report_id, case_id=case.id)
    if report.status != Report.Status.READY:
        raise CaseConflict(f"report {report.id} is {report.status}: {report.last_error or 'not made yet'}")
    field, expected = (report.pdf, report.pdf_sha256) if fmt == "pdf" else (report.csv, report.csv_sha256)
    try:
        with field.open("rb") as stream:
            content = stream.read()
    except FileNotFoundError:
        raise CaseConflict(f"report {report.id}'s {fmt} is missing from storage") from None
    if hashlib.sha256(content).hexdigest() != expected:
        raise CaseConflict(f"report {report.id}'s {fmt} no longer matches the hash taken when it was made")
    with transaction.atomic():
        _audit(user, "report.download", case, {"report": report.id, "format": fmt})
    return content, f"case-{case.id}-report-{report.id}.{fmt}"


def _move(case: Case, to: str) -> None:
    if to in (Status.CONFIRMED, Status.DISMISSED):
        case.outcome = to
    case.status = to
    case.closed_at = timezone.now() if to == Status.CLOSED else None
    case.save(update_fields=["status", "outcome", "closed_at", "updated_at"])


def _audit(user: AbstractBaseUser, action: str, case: Case, data: dict) -> None:
    audit_event_append(actor=user.get_username(), action=action, target=f"case:{case.id}", data=data)


MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")


@transaction.atomic
def note_add(*, user: AbstractBaseUser, case_id: int, body: str) -> Note:
    """@username mentions of teammates are recorded and notify them; others stay plain text."""
    case = case_open_get(user=user, case_id=case_id)
    if not body.strip():
        raise CaseError("a note needs some text")
    note = Note.objects.create(case=case, author=user, body=body)
    names = set(MENTION.findall(body))
    mentioned = list(teammates(membership(user).team).filter(username__in=names))
    note.mentions.set(mentioned)
    said = f"{user.get_username()} mentioned you on case #{case.id} {case.title}: {body.strip()[:120]}"
    notify(actor=user, recipients=mentioned, kind=Notification.Kind.MENTION, case=case, text=said)
    digest = hashlib.sha256(body.encode()).hexdigest()
    _audit(
        user, "note.add", case, {"note": note.id, "sha256": digest, "mentions": sorted(u.username for u in mentioned)}
    )
    return note


@transaction.atomic
def evidence_file_acquire(*, user: AbstractBaseUser, case_id: int, name: str, chunks: Iterable[bytes]) -> Evidence:
    case = case_open_get(user=user, case_id=case_id)
    found, content = fingerprint(name, chunks, max_bytes=settings.EVIDENCE_MAX_BYTES)
    evidence = Evidence(case=case, kind=Evidence.Kind.FILE, name=name[:200], acquired_by=user, **_fields(found))
    evidence.file.save(f"{found.sha256}{Path(name).suffix.lower()[:10]}", ContentFile(content), save=False)
    evidence.save()
    _audit_evidence(user, case, evidence)
    return evidence


@transaction.atomic
def evidence_snapshot_acquire(*, user: AbstractBaseUser, case_id: int, name: str, snapshot: dict) -> Evidence:
    case = case_open_get(user=user, case_id=case_id)
    found, _ = fingerprint(f"{name}.json", [snapshot_bytes(snapshot)], max_bytes=settings.EVIDENCE_MAX_BYTES)
    evidence = Evidence.objects.create(
        case=case, kind=Evidence.Kind.SNAPSHOT, name=name[:200], snapshot=snapshot, acquired_by=user, **_fields(found)
    )
    _audit_evidence(user, case, evidence)
    return evidence


def evidence_intact(evidence: Evidence) -> bool:
    """Whether the stored bytes still hash to what was taken at acquisition."""
    if evidence.kind == Evidence.Kind.SNAPSHOT:
        content = snapshot_bytes(evidence.snapshot)
    else:
        with evidence.file.open("rb") as handle:
            content = handle.read()
    return hashlib.sha256(content).hexdigest() == evidence.sha256


def _fields(found: Fingerprint) -> dict:
    return {"content_type": found.content_type, "size": found.size, "sha256": found.sha256}


def _audit_evidence(user: AbstractBaseUser, case: Case, evidence: Evidence) -> None:
    data = {"evidence": evidence.id, "kind": evidence.kind, "name": evidence.name, **_fields(evidence)}
    _audit(user, "evidence.acquire", case, data)
