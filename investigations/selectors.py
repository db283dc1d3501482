"""Reads of cases. Everything a user asks for starts from the models' `objects.for_user` (core/scoping.py),
so no lookup or list can reach another team's rows; an object of another team is reported as not found,
never as forbidden (its existence is not ours to tell). `case_addresses` has no user: jobs run on a case's
behalf."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import BigIntegerField, F
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from core.scoping import CHANGE, VIEW, team_member, teammates
from graph import get_graph
from graph.ml import cluster_members
from investigations.models import Alert, Approval, Case, Membership, Subject, TagPackImport, Watchlist


def membership(user: AbstractBaseUser) -> Membership:
    """The user's team and role; PermissionDenied (403) for a user in no team."""
    return team_member(user)


def cases_visible(user: AbstractBaseUser):
    """Every case query starts here, so no list or lookup can reach another team's rows."""
    return Case.objects.for_user(user)


def case_get(*, user: AbstractBaseUser, case_id: int, for_update: bool = False) -> Case:
    """`for_update`: lock the row until the transaction ends (services that change the case)."""
    if for_update:
        return Case.objects.select_for_update().get_for_user(user, CHANGE, id=case_id)
    return Case.objects.get_for_user(user, VIEW, id=case_id)


def cases_assigned(cases, assignee: str | None):
    """`assignee` a username, "none" for the unassigned, None for any."""
    if assignee == "none":
        return cases.filter(assignee=None)
    return cases.filter(assignee__username=assignee) if assignee else cases


CLUSTER_LIMIT = 10_000  # a bigger cluster (an exchange's) would swamp a case's address set


def case_addresses(case: Case) -> set[str]:
    """The addresses a case is about: its address subjects and the members of its cluster subjects,
    skipping clusters that had more than CLUSTER_LIMIT members when they were added."""
    store, addresses = get_graph(), set()
    for subject in case.subjects.exclude(kind=Subject.Kind.TRANSACTION):
        if subject.kind == Subject.Kind.ADDRESS:
            addresses.add(subject.ref)
        elif (subject.snapshot.get("size") or 0) <= CLUSTER_LIMIT:
            addresses |= cluster_members(store, subject.ref)
    return addresses


def tagpacks_latest() -> list[TagPackImport]:
    """The latest import of each pack: it describes the tags in the graph now."""
    latest: dict[str, TagPackImport] = {}
    for record in TagPackImport.objects.order_by("pack", "-at", "-id"):
        latest.setdefault(record.pack, record)
    return list(latest.values())


def cases_search(*, user: AbstractBaseUser, text: str, limit: int = 20):
    """The user's team's cases whose title holds `text`, or whose id it is."""
    cases = cases_visible(user)
    matches = cases.filter(title__icontains=text)
    if text.isdigit():
        matches = matches | cases.filter(id=int(text))
    return matches.select_related("team", "assignee", "created_by").order_by("-updated_at")[:limit]


def alerts_visible(user: AbstractBaseUser, *, status=(), source=None, assignee=None, model=None):
    """The team's alerts in triage order: riskiest first, then the most value, then the latest activity, then
    the newest. Value and activity are a labeling alert's cluster's received satoshis and last block time;
    alerts without a risk or a value come after those with.
    `assignee` "none" means unassigned; `model` ("v3") keeps the alerts that model version raised."""
    found = Alert.objects.for_user(user)
    if status:
        found = found.filter(status__in=status)
    if source:
        found = found.filter(source=source)
    if model:
        found = found.filter(detail__model=model)
    if assignee == "none":
        found = found.filter(assignee=None)
    elif assignee:
        found = found.filter(assignee__username=assignee)
    value, seen = (Cast(KeyTextTransform(key, "detail"), BigIntegerField()) for key in ("received", "last_seen"))
    return found.select_related("assignee").order_by(
        F("risk").desc(nulls_last=True), value.desc(nulls_last=True), seen.desc(nulls_last=True), "-created_at", "-id"
    )


def watchlists_visible(user: AbstractBaseUser):
    return Watchlist.objects.for_user(user).prefetch_related("entries__added_by").select_related("created_by")


def approvals_waiting(user: AbstractBaseUser):
    """The team's pending approvals this user may decide: none for an analyst, and never their own request
    (four eyes)."""
    pending = Approval.objects.for_user(user).filter(status=Approval.Status.PENDING).exclude(requested_by=user)
    if membership(user).role not in Approval.team_roles["decide"][0]:
        return pending.none()
    return pending.select_related("case", "requested_by").order_by("requested_at", "id")


def team_members(user: AbstractBaseUser):
    """The user's team's members (the assignee picker, the team page), by username."""
    return teammates(membership(user).team).select_related("membership").order_by("username")
