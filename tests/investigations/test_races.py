"""Races between real connections: appends that must never fork the audit chain, and two supervisors
approving one request at the same moment. Each runs on SQLite and in the PostgreSQL leg, where writers
really do run at once (SQLite serialises them)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from investigations.audit.kept_head import kept_head_read
from investigations.audit.log import audit_event_append
from investigations.audit.verify import audit_log_verify
from investigations.models import AuditEvent, Case, TreeHead
from investigations.services import CaseConflict, approval_decide, approval_request, case_create, case_transition

pytestmark = [
    pytest.mark.postgres_leg,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_log_cleared", "append_only_restored"),
]


def at_once(calls):
    """Run the calls in threads, each on its own database connection, released together by a barrier;
    returns each call's result or the exception it raised."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=30)
            return call()
        except Exception as error:  # noqa: BLE001 - the caller asserts on what each thread got
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_appends_at_once_keep_one_unbroken_chain():
    audit_event_append(actor="setup", action="case.note", target="case:0")  # the first leaf names the log

    def appends(writer):
        return lambda: [audit_event_append(actor=f"w{writer}", action="case.note", target=f"n{i}") for i in range(15)]

    results = at_once([appends(writer) for writer in range(8)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(121))
    assert list(TreeHead.objects.values_list("size", flat=True)) == list(range(1, 122))
    verification = audit_log_verify()
    assert verification.intact, verification.problems
    genesis = AuditEvent.objects.get(seq=0).leaf_hash
    assert kept_head_read(genesis) == {"seq": 120, "root": TreeHead.objects.get(size=121).root}


def test_two_supervisors_approving_at_once_close_the_case_once(people):
    """Four eyes under a race: one approval wins, the other is told it was decided; one close is audited."""
    for _ in range(3):
        case = case_create(user=people["ana"], title="Race")
        for status in ("in_progress", "confirmed"):
            case_transition(user=people["ana"], case_id=case.id, to=status)
        approval = approval_request(user=people["ana"], case_id=case.id, action="close")
        results = at_once([_approve(people[who], approval.id) for who in ("sam", "sue")])
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(refused) == 1, results
        assert isinstance(refused[0], CaseConflict)
        assert "already approved" in str(refused[0])
        assert Case.objects.get(id=case.id).status == "closed"
        actions = list(AuditEvent.objects.filter(target=f"case:{case.id}").values_list("action", flat=True))
        assert actions.count("approval.approved") == 1
        assert actions.count("case.transition") == 3  # in progress, confirmed, closed: once
    verification = audit_log_verify()
    assert verification.intact, verification.problems


def _approve(user, approval_id):
    return lambda: approval_decide(user=user, approval_id=approval_id, approve=True)
