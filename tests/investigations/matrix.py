"""Investigations' endpoints in the shared API matrix (tests/core/test_api_matrix.py): who may call each."""

import io

import yaml
from django.contrib.auth import get_user_model

from investigations.audit.log import audit_event_append
from investigations.models import Approval, Membership, Report
from investigations.team import invitation_url
from tests.core.api_matrix import PUBLIC, SECRET, Endpoint, Role

API = "/api/v1"
SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})
PASSWORD = "a long test password"


def case_url(suffix: str = ""):
    return lambda w: f"{API}/cases/{w.case().id}/{suffix}"


def report_url(status: str, suffix: str):
    def url(w):
        report = w.report(status)
        return f"{API}/cases/{report.case_id}/reports/{report.id}/{suffix}"

    return url


def upload(name: str, text: bytes) -> io.BytesIO:
    file = io.BytesIO(text)
    file.name = name
    return file


def tagpack(w) -> dict:
    tag = {"address": w.address, "label": "Ransom desk", "abuse": "ransomware", "source": "tests"}
    pack = {"title": "Uploaded", "creator": "tests", "currency": "BTC", "confidence": "forensic", "tags": [tag]}
    return {"file": upload("ransom.yaml", yaml.safe_dump(pack).encode())}


SIGN_IN = {"username": "ana", "password": PASSWORD}


def teammate(w) -> Membership:
    """A fresh analyst of team Blue, whose role a call may change."""
    person = get_user_model().objects.create_user(f"mate{w._n()}", password=PASSWORD)
    return Membership.objects.create(user=person, team=w.team, role=Membership.Role.ANALYST)


def invited(w) -> Membership:
    """A fresh teammate of team Blue whom an invitation made, who has not chosen a password yet (only such an
    account is given a new link: investigations/team.py)."""
    person = get_user_model().objects.create_user(f"invited{w._n()}", password=None)
    data = {"username": person.get_username(), "role": "analyst", "email": "", "link": True}
    audit_event_append(actor="tests", action="member.invite", target=f"team:{w.team.id}", data=data)
    return Membership.objects.create(user=person, team=w.team)


def invitation(w) -> dict:
    """A fresh invitation's link, as its person would send it back with a password."""
    person = get_user_model().objects.create_user(f"invited{w._n()}", password=None)
    Membership.objects.create(user=person, team=w.team)
    uid, token = invitation_url(person).rsplit("/", 2)[-2:]
    return {"uid": uid, "token": token, "password": "a long chosen password"}


ENDPOINTS = [
    Endpoint("session", "get", lambda w: f"{API}/session/", audience=PUBLIC),
    Endpoint("session", "post", lambda w: f"{API}/session/", payload=lambda w: SIGN_IN, audience=PUBLIC),
    Endpoint("session", "delete", lambda w: f"{API}/session/", ok=204, audience=PUBLIC),
    Endpoint("case-list", "get", lambda w: f"{API}/cases/", owned=False),
    Endpoint("case-list", "post", lambda w: f"{API}/cases/", 201, lambda w: {"title": "Mine"}, owned=False),
    Endpoint("case-detail", "get", case_url()),
    Endpoint("case-detail", "patch", case_url(), payload=lambda w: {"title": "Renamed", "assignee": "sam"}),
    Endpoint("case-verdict", "get", case_url("verdict/")),
    Endpoint("case-transition", "post", case_url("transition/"), payload=lambda w: {"to": "dismissed"}),
    Endpoint("case-subjects", "post", case_url("subjects/"), 201, lambda w: {"kind": "address", "ref": w.address}),
    Endpoint("case-notes", "post", case_url("notes/"), 201, lambda w: {"body": "seen @sam"}),
    Endpoint(
        "case-evidence-file",
        "post",
        case_url("evidence/files/"),
        201,
        lambda w: {"file": upload("trace.csv", b"txid,value\nabc,1\n")},
        format="multipart",
    ),
    Endpoint(
        "case-evidence-snapshot",
        "post",
        case_url("evidence/snapshots/"),
        201,
        lambda w: {"name": "view", "snapshot": {"nodes": [{"id": w.address}]}},
    ),
    Endpoint("case-approvals", "post", case_url("approvals/"), 201, lambda w: {"action": Approval.Action.EXPORT}),
    Endpoint("case-audit", "get", case_url("audit/")),
    Endpoint("case-reports", "get", case_url("reports/")),
    Endpoint("case-report-retry", "post", report_url(Report.Status.FAILED, "retry/")),
    Endpoint("case-report-file", "get", report_url(Report.Status.READY, "pdf/")),
    Endpoint(
        "approval-decide",
        "post",
        lambda w: f"{API}/approvals/{w.approval().id}/decide/",
        payload=lambda w: {"approve": True},
        roles=SUPERVISORS,
    ),
    Endpoint("inbox", "get", lambda w: f"{API}/inbox/", owned=False),
    Endpoint("inbox-count", "get", lambda w: f"{API}/inbox/count/", owned=False),
    Endpoint("notifications-read", "post", lambda w: f"{API}/notifications/read/", payload=lambda w: {}, owned=False),
    Endpoint("team-members", "get", lambda w: f"{API}/team/members/", owned=False),
    Endpoint(
        "team-members",
        "post",
        lambda w: f"{API}/team/members/",
        201,
        lambda w: {"username": f"newcomer{w._n()}", "role": "analyst"},
        roles=SUPERVISORS,
        owned=False,
    ),
    Endpoint(
        "team-member",
        "patch",
        lambda w: f"{API}/team/members/{teammate(w).user_id}/",
        payload=lambda w: {"role": "analyst"},  # only an admin gives the roles that approve
        roles=SUPERVISORS,
    ),
    Endpoint(
        "team-member-invitation",
        "post",
        lambda w: f"{API}/team/members/{invited(w).user_id}/invitation/",
        roles=SUPERVISORS,
    ),
    Endpoint("invitation-accept", "post", lambda w: f"{API}/invitations/accept/", payload=invitation, audience=PUBLIC),
    Endpoint("alert-list", "get", lambda w: f"{API}/alerts/", owned=False),
    Endpoint(
        "alert-bulk",
        "post",
        lambda w: f"{API}/alerts/bulk/",
        payload=lambda w: {"ids": [w.alert().id], "status": "acknowledged", "assignee": "sam"},
    ),
    Endpoint("alert-escalate", "post", lambda w: f"{API}/alerts/{w.alert().id}/escalate/", 201, lambda w: {}),
    Endpoint("flagged-clusters", "get", lambda w: f"{API}/queue/clusters/", owned=False),
    Endpoint("watchlist-list", "get", lambda w: f"{API}/watchlists/", owned=False),
    Endpoint("watchlist-list", "post", lambda w: f"{API}/watchlists/", 201, lambda w: {"name": "Mine"}, owned=False),
    Endpoint(
        "watch-entries",
        "post",
        lambda w: f"{API}/watchlists/{w.watchlist().id}/entries/",
        201,
        lambda w: {"kind": "address", "ref": w.address},
    ),
    Endpoint(
        "watch-entry-detail",
        "delete",
        ok=204,
        path=lambda w: (lambda e: f"{API}/watchlists/{e.watchlist_id}/entries/{e.id}/")(w.entry()),
    ),
    Endpoint("tag-list", "get", lambda w: f"{API}/tags/?address={w.other_address}", owned=False),
    Endpoint(
        "tag-list",
        "post",
        lambda w: f"{API}/tags/",
        201,
        lambda w: {"address": w.address, "label": "Mine", "abuse": "scam"},
        owned=False,
    ),
    Endpoint("tag-detail", "patch", lambda w: f"{API}/tags/{w.tag_key()}/", 204, lambda w: {"visibility": "public"}),
    Endpoint("tag-detail", "delete", lambda w: f"{API}/tags/{w.tag_key()}/", 204),
    Endpoint("tagpack-list", "get", lambda w: f"{API}/tagpacks/", owned=False),
    Endpoint(
        "tagpack-list",
        "post",
        lambda w: f"{API}/tagpacks/",
        201,
        tagpack,
        roles=ADMINS,
        owned=False,
        format="multipart",
    ),
    Endpoint("tagpack-export", "get", lambda w: f"{API}/tagpacks/{w.pack}/export/"),
    Endpoint("address-detail", "get", lambda w: f"{API}/addresses/{w.address}/", owned=False),
    Endpoint("address-neighbours", "get", lambda w: f"{API}/addresses/{w.address}/neighbours/", owned=False),
    Endpoint("address-flows", "get", lambda w: f"{API}/addresses/{w.address}/flows/", owned=False),
    Endpoint("cluster-detail", "get", lambda w: f"{API}/clusters/{w.cluster}/", owned=False),
    Endpoint("cluster-txs", "get", lambda w: f"{API}/clusters/{w.cluster}/transactions/", owned=False),
    Endpoint("transaction-detail", "get", lambda w: f"{API}/transactions/{w.txid}/", owned=False),
    Endpoint("paths", "get", lambda w: f"{API}/paths/?source={w.address}&target={w.other_address}", owned=False),
    Endpoint("search", "get", lambda w: f"{API}/search/?q={SECRET}", owned=False),
    Endpoint("taxonomy", "get", lambda w: f"{API}/taxonomy/", owned=False),
]
