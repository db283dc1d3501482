"""Cases: the workflow, four eyes, verdicts that become training labels, and teams that never see each other."""

import pytest
from django.core.exceptions import PermissionDenied

from graphml.models import ConfirmedLabel
from investigations.audit.verify import audit_log_verify
from investigations.models import Approval, AuditEvent, Case, Subject
from investigations.selectors import case_get, cases_visible
from investigations.services import (
    CaseError,
    approval_decide,
    approval_request,
    case_create,
    case_transition,
    subject_add,
)

pytestmark = pytest.mark.django_db


def test_a_case_runs_from_open_to_closed_with_a_second_supervisors_approval(world, people):
    _, illicit, _ = world
    ana, sam, sue = people["ana"], people["sam"], people["sue"]
    case = case_create(user=ana, title="Ransom payments", priority="high")
    subject = subject_add(user=ana, case_id=case.id, kind="address", ref=illicit[0])
    assert subject.snapshot["received"] > 0, "the graph's view of the address, kept as it was"
    case_transition(user=ana, case_id=case.id, to="in_progress")
    case_transition(user=ana, case_id=case.id, to="confirmed")
    assert ConfirmedLabel.objects.get(address=illicit[0]).illicit, "a confirmed case's address is a label now"
    assert ConfirmedLabel.objects.get(address=illicit[0]).source == f"case:{case.id}"

    with pytest.raises(CaseError, match="needs a supervisor's approval"):
        case_transition(user=sam, case_id=case.id, to="closed")
    approval = approval_request(user=sam, case_id=case.id, action="close")
    with pytest.raises(PermissionDenied, match="only a supervisor"):
        approval_decide(user=ana, approval_id=approval.id, approve=True)
    with pytest.raises(PermissionDenied, match="whoever asked cannot approve"):
        approval_decide(user=sam, approval_id=approval.id, approve=True)
    assert Case.objects.get(id=case.id).status == "confirmed"
    approval_decide(user=sue, approval_id=approval.id, approve=True)
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("closed", "confirmed")
    assert case.closed_at is not None

    actions = list(AuditEvent.objects.filter(target=f"case:{case.id}").values_list("actor", "action"))
    assert actions == [
        ("ana", "case.create"),
        ("ana", "subject.add"),
        ("ana", "case.transition"),
        ("ana", "case.transition"),
        ("sam", "approval.request"),
        ("sue", "approval.approved"),
        ("sue", "case.transition"),
    ]
    assert audit_log_verify().intact


def test_a_dismissed_cluster_makes_its_members_licit_labels(world, people):
    store, _, _ = world
    cluster = store.read(
        "MATCH (:Address)-[:IN_CLUSTER]->(c:Cluster) WHERE c.size > 1 RETURN c.cluster_id AS id, c.size AS size LIMIT 1"
    )[0]
    case = case_create(user=people["ana"], title="Looked odd")
    subject_add(user=people["ana"], case_id=case.id, kind="cluster", ref=cluster["id"])
    case_transition(user=people["ana"], case_id=case.id, to="in_progress")
    case_transition(user=people["ana"], case_id=case.id, to="dismissed")
    labels = ConfirmedLabel.objects.filter(source=f"case:{case.id}")
    assert labels.count() == cluster["size"]
    assert not labels.filter(illicit=True).exists()
    case_transition(user=people["ana"], case_id=case.id, to="closed")  # a dismissal needs no second pair of eyes


def test_another_teams_case_cannot_be_read_or_changed(world, people):
    _, illicit, _ = world
    case = case_create(user=people["ana"], title="Blue's case")
    assert list(cases_visible(people["olga"])) == []
    for attempt in (
        lambda: case_get(user=people["olga"], case_id=case.id),
        lambda: case_transition(user=people["olga"], case_id=case.id, to="in_progress"),
        lambda: subject_add(user=people["olga"], case_id=case.id, kind="address", ref=illicit[0]),
        lambda: approval_request(user=people["otto"], case_id=case.id, action="close"),
    ):
        with pytest.raises(Case.DoesNotExist):
            attempt()
    case_transition(user=people["ana"], case_id=case.id, to="in_progress")
    case_transition(user=people["ana"], case_id=case.id, to="confirmed")
    approval = approval_request(user=people["ana"], case_id=case.id, action="close")
    with pytest.raises(Approval.DoesNotExist):
        approval_decide(user=people["otto"], approval_id=approval.id, approve=True)
    assert Case.objects.get(id=case.id).status == "confirmed"
    with pytest.raises(PermissionDenied, match="in no team"):
        case_create(user=people["nobody"], title="Nobody's")


def test_bad_requests_say_why_and_write_nothing(world, people):
    ana = people["ana"]
    case = case_create(user=ana, title="Checks")
    events = AuditEvent.objects.count()
    with pytest.raises(CaseError, match="unknown address 'bc1qnotthere'"):
        subject_add(user=ana, case_id=case.id, kind="address", ref="bc1qnotthere")
    with pytest.raises(CaseError, match="unknown subject kind 'wallet'"):
        subject_add(user=ana, case_id=case.id, kind="wallet", ref="x")
    with pytest.raises(CaseError, match="it can go to in_progress, not confirmed"):
        case_transition(user=ana, case_id=case.id, to="confirmed")
    with pytest.raises(CaseError, match="only a confirmed case needs approval"):
        approval_request(user=ana, case_id=case.id, action="close")
    with pytest.raises(CaseError, match="needs a title"):
        case_create(user=ana, title="  ")
    assert (Subject.objects.count(), AuditEvent.objects.count()) == (0, events)
    assert Case.objects.get(id=case.id).status == "open"


def test_a_rejected_closing_leaves_the_case_confirmed_and_can_be_asked_again(world, people):
    case = case_create(user=people["ana"], title="Second opinion")
    case_transition(user=people["ana"], case_id=case.id, to="in_progress")
    case_transition(user=people["ana"], case_id=case.id, to="confirmed")
    first = approval_request(user=people["ana"], case_id=case.id, action="close")
    assert approval_request(user=people["ana"], case_id=case.id, action="close") == first, "one pending at a time"
    approval_decide(user=people["sam"], approval_id=first.id, approve=False)
    with pytest.raises(CaseError, match="already rejected"):
        approval_decide(user=people["sue"], approval_id=first.id, approve=True)
    assert Case.objects.get(id=case.id).status == "confirmed"
    second = approval_request(user=people["ana"], case_id=case.id, action="close")
    approval_decide(user=people["sue"], approval_id=second.id, approve=True)
    assert Case.objects.get(id=case.id).status == "closed"
