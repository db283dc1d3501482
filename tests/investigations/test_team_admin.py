"""Team administration in the app: leads invite people and set roles; the invited choose a password through
a one-time link; every change is on the audit log."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from investigations.models import AuditEvent, Membership, Team
from tests.investigations.test_api import API, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(people):
    """Team Blue's admin."""
    user = get_user_model().objects.create_user("ada", password="a long test password")
    Membership.objects.create(user=user, team=Team.objects.get(name="Blue"), role=Membership.Role.ADMIN)
    return user


def invite(lead, **body):
    return client_for(lead).post(f"{API}/team/members/", body, format="json")


def link_parts(url: str) -> dict:
    uid, token = url.rstrip("/").rsplit("/", 2)[-2:]
    return {"uid": uid, "token": token}


def test_a_supervisor_invites_a_newcomer_who_then_chooses_a_password_once(
    people, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.APP_URL = "https://sleuth.example"
    with django_capture_on_commit_callbacks(execute=True):
        answer = invite(people["sam"], username="nia", email="nia@blue.example", role="analyst")
    assert answer.status_code == 201, answer.content
    member, url = answer.json()["member"], answer.json()["url"]
    assert (member["username"], member["role"], member["invited"]) == ("nia", "analyst", True)
    assert url.startswith("https://sleuth.example/app/invitation/")
    [mail] = mailoutbox
    assert mail.to == ["nia@blue.example"]
    assert url in mail.body
    nia = get_user_model().objects.get(username="nia")
    assert (nia.membership.team.name, nia.has_usable_password()) == ("Blue", False)

    browser = Client(enforce_csrf_checks=True)
    browser.get(f"{API}/session/")
    token = browser.cookies["csrftoken"].value
    accept = {**link_parts(url), "password": "nia's own long password"}
    joined = browser.post(f"{API}/invitations/accept/", accept, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert joined.status_code == 200, joined.content
    assert joined.json()["username"] == "nia"
    assert joined.json()["team"] == "Blue"
    assert browser.get(f"{API}/cases/").status_code == 200, "signed in"
    again = APIClient().post(f"{API}/invitations/accept/", {**accept, "password": "someone else's pass"}, format="json")
    assert again.status_code == 400
    assert "wrong, used or expired" in again.json()["detail"]
    actions = list(AuditEvent.objects.filter(target__startswith="team:").values_list("actor", "action"))
    assert actions == [("sam", "member.invite"), ("nia", "member.join")]


def test_a_weak_password_is_refused_and_the_link_still_works(people):
    url = invite(people["sam"], username="nia").json()["url"]
    weak = APIClient().post(f"{API}/invitations/accept/", {**link_parts(url), "password": "short"}, format="json")
    assert weak.status_code == 400
    assert weak.json()["detail"].startswith("password: This password is too short")
    fine = APIClient().post(f"{API}/invitations/accept/", {**link_parts(url), "password": "a long enough one"},
                            format="json")  # fmt: skip
    assert fine.status_code == 200


def test_an_analyst_cannot_invite_and_nothing_is_made(people):
    refused = invite(people["ana"], username="nia")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "only a supervisor or an admin manages the team"
    assert not get_user_model().objects.filter(username="nia").exists()


def test_only_an_admin_makes_an_admin(people, ada):
    assert invite(people["sam"], username="nia", role="admin").status_code == 403
    assert invite(ada, username="nia", role="admin").status_code == 201


def test_someone_in_another_team_is_not_invited_away(people):
    taken = invite(people["sam"], username="olga")
    assert taken.status_code == 400
    assert taken.json()["detail"] == "username: 'olga' is already in a team"
    assert people["olga"].membership.team.name == "Red"


def test_an_account_in_no_team_joins_without_a_link(people):
    """One made by single sign-on or Django's admin already has a way to sign in."""
    answer = invite(people["sam"], username="nobody")
    assert answer.status_code == 201
    assert answer.json()["url"] == ""
    assert get_user_model().objects.get(username="nobody").membership.team.name == "Blue"


def test_bad_usernames_and_emails_are_refused_by_field(people):
    assert invite(people["sam"], username="has space").json()["detail"].startswith("username: Enter a valid username")
    assert invite(people["sam"], username="nia", email="not-an-email").json() == {
        "email": ["Enter a valid email address."]
    }


def test_an_admin_sets_a_teammates_role_and_it_is_audited_and_a_supervisor_cannot_make_a_supervisor(people, ada):
    promote = {"role": "supervisor"}
    by_sam = client_for(people["sam"]).patch(f"{API}/team/members/{people['ana'].id}/", promote, format="json")
    assert by_sam.status_code == 403, "a second supervisor could approve sam's own requests"
    answer = client_for(ada).patch(f"{API}/team/members/{people['ana'].id}/", promote, format="json")
    assert answer.status_code == 200, answer.content
    assert Membership.objects.get(user=people["ana"]).role == "supervisor"
    event = AuditEvent.objects.get(action="member.role")
    assert (event.actor, event.data) == ("ada", {"username": "ana", "from": "analyst", "to": "supervisor"})


def test_role_changes_that_would_lose_control_are_refused(people, ada):
    sam, admin = client_for(people["sam"]), client_for(ada)
    own = sam.patch(f"{API}/team/members/{people['sam'].id}/", {"role": "admin"}, format="json")
    assert (own.status_code, own.json()["detail"]) == (
        400,
        "role: nobody changes their own role; ask another lead or an admin",
    )
    demote = sam.patch(f"{API}/team/members/{ada.id}/", {"role": "analyst"}, format="json")
    assert (demote.status_code, demote.json()["detail"]) == (403, "only an admin changes an admin's role")
    other_team = admin.patch(f"{API}/team/members/{people['olga'].id}/", {"role": "supervisor"}, format="json")
    assert other_team.status_code == 404
    assert Membership.objects.get(user=people["olga"]).role == "analyst"
    assert Membership.objects.get(user=ada).role == "admin"


def test_the_team_page_lists_invited_members_as_invited(people):
    invite(people["sam"], username="nia", email="nia@blue.example")
    members = {m["username"]: m for m in client_for(people["ana"]).get(f"{API}/team/members/").json()["members"]}
    assert members["nia"]["invited"] is True
    assert members["ana"]["invited"] is False
    assert members["nia"]["email"] == "nia@blue.example"


def test_a_lead_gives_an_invited_teammate_a_new_link_and_it_works(people):
    invite(people["sam"], username="nia")
    nia = get_user_model().objects.get(username="nia")
    renewed = client_for(people["sue"]).post(f"{API}/team/members/{nia.id}/invitation/")
    assert renewed.status_code == 200, renewed.content
    accept = {**link_parts(renewed.json()["url"]), "password": "nia's own long password"}
    assert APIClient().post(f"{API}/invitations/accept/", accept, format="json").status_code == 200
    assert AuditEvent.objects.filter(action="member.link", actor="sue").count() == 1
    again = client_for(people["sue"]).post(f"{API}/team/members/{nia.id}/invitation/")
    assert (again.status_code, again.json()["detail"]) == (
        400,
        "nia has signed in or has a password already: no link is given",
    )


def test_a_supervisor_cannot_make_a_second_supervisor_who_would_approve_their_requests(people, ada):
    refused = invite(people["sam"], username="sam2", role="supervisor")
    assert refused.status_code == 403
    assert not get_user_model().objects.filter(username="sam2").exists()
    assert invite(ada, username="sue2", role="supervisor").status_code == 201


def test_no_link_is_ever_given_for_an_account_the_invitation_did_not_make(people, ada):
    """A passwordless account made elsewhere (Django's admin, single sign-on) is someone's: a link would let
    the lead choose its password and sign in as them."""
    someone = get_user_model().objects.create_user("boss", password=None)
    joined = invite(ada, username="boss", role="analyst")
    assert (joined.status_code, joined.json()["url"]) == (201, "")
    renewed = client_for(ada).post(f"{API}/team/members/{someone.id}/invitation/")
    assert renewed.status_code == 400
    assert "was not made by an invitation" in renewed.json()["detail"]
