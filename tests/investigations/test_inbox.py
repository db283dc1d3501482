"""The inbox: a mention, an approval to decide, an assignment and a decision each reach the person they
concern (never the one who did it), are counted until read, and are mailed when the person has an email."""

import pytest

from investigations.models import Notification
from investigations.services import (
    approval_decide,
    approval_request,
    case_create,
    case_transition,
    case_update,
    note_add,
)
from tests.investigations.test_api import API, client_for

pytestmark = pytest.mark.django_db


def inbox(user) -> dict:
    return client_for(user).get(f"{API}/inbox/").json()


def test_a_mention_reaches_the_teammate_and_not_the_author_or_an_outsider(people):
    case = case_create(user=people["ana"], title="Peel chain")
    note_add(user=people["ana"], case_id=case.id, body="@sam @ana @otto see the second hop")
    sams = inbox(people["sam"])
    assert sams["unread"] == 1
    [mention] = sams["notifications"]
    assert (mention["kind"], mention["case"], mention["actor"]) == ("mention", case.id, "ana")
    assert mention["text"] == f"ana mentioned you on case #{case.id} Peel chain: @sam @ana @otto see the second hop"
    assert inbox(people["ana"])["unread"] == 0, "nobody is told what they did themself"
    assert inbox(people["otto"])["unread"] == 0, "otto is in another team: his name stays text"


def test_asking_for_approval_tells_the_teams_deciders_and_the_decision_tells_the_asker(people):
    case = case_create(user=people["ana"], title="Ransom")
    case_transition(user=people["ana"], case_id=case.id, to="in_progress")
    case_transition(user=people["ana"], case_id=case.id, to="confirmed")
    approval = approval_request(user=people["sam"], case_id=case.id, action="close")
    assert [n["kind"] for n in inbox(people["sue"])["notifications"]] == ["approval"]
    assert inbox(people["sam"])["unread"] == 0, "sam asked"
    assert inbox(people["ana"])["unread"] == 0, "an analyst does not decide"
    approval_decide(user=people["sue"], approval_id=approval.id, approve=True)
    [decided] = inbox(people["sam"])["notifications"]
    assert decided["text"] == f"sue approved your request to close case #{case.id}"
    assert inbox(people["sue"])["approvals"] == [], "decided: it waits for nobody now"


def test_an_assignment_reaches_the_assignee(people):
    case = case_create(user=people["ana"], title="Mixer")
    case_update(user=people["ana"], case_id=case.id, assignee="sue")
    [assigned] = inbox(people["sue"])["notifications"]
    assert assigned["text"] == f"ana assigned you case #{case.id} Mixer"


def test_marking_read_clears_the_count_for_that_user_only(people):
    case = case_create(user=people["ana"], title="Peel chain")
    note_add(user=people["ana"], case_id=case.id, body="@sam first")
    note_add(user=people["ana"], case_id=case.id, body="@sam @sue second")
    sam = client_for(people["sam"])
    assert sam.get(f"{API}/inbox/count/").json() == {"unread": 2, "approvals": 0}
    newest = sam.get(f"{API}/inbox/").json()["notifications"][0]["id"]
    sues = inbox(people["sue"])["notifications"][0]["id"]
    marked = sam.post(f"{API}/notifications/read/", {"ids": [newest, sues]}, format="json")
    assert marked.json() == {"marked": 1, "unread": 1}, "sue's notification is not sam's to read"
    assert inbox(people["sue"])["unread"] == 1
    assert sam.post(f"{API}/notifications/read/", {}, format="json").json() == {"marked": 1, "unread": 0}
    assert Notification.objects.filter(recipient=people["sam"], read_at=None).count() == 0


def test_a_notification_is_mailed_after_the_change_commits(people, mailoutbox, django_capture_on_commit_callbacks):
    people["sam"].email = "sam@blue.example"
    people["sam"].save()
    case = case_create(user=people["ana"], title="Peel chain")
    with django_capture_on_commit_callbacks(execute=True):
        note_add(user=people["ana"], case_id=case.id, body="@sam @sue look\n\nat the second hop")
    [mail] = mailoutbox
    assert mail.to == ["sam@blue.example"], "sue has no email: only sam is mailed"
    assert (
        mail.subject
        == f"ChainSleuth: ana mentioned you on case #{case.id} Peel chain: @sam @sue look at the second hop"
    )
    assert f"/app/cases/{case.id}" in mail.body


def test_a_failing_mail_server_does_not_undo_the_note(people, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1  # nothing listens there
    people["sam"].email = "sam@blue.example"
    people["sam"].save()
    case = case_create(user=people["ana"], title="Peel chain")
    with django_capture_on_commit_callbacks(execute=True):
        note = note_add(user=people["ana"], case_id=case.id, body="@sam look")
    assert note.mentions.get() == people["sam"]
    assert inbox(people["sam"])["unread"] == 1
