"""Alerts and watchlists: what raises an alert, how a team triages them, and how one becomes a case.

Alerts come from three places: a labeling job that flags a cluster (every team's queue gets it),
a watched address or cluster that moves (the watching team's), and anomalies (screening, through
`alert_recurring`). A labeling alert is raised once per team and subject; once dismissed or resolved it
stays closed, so a re-run labeling job adds nothing. An anomaly is an event, not a verdict: a new burst
joins the subject's open anomaly alert, and after that alert is closed a new burst opens a new one.
Every triage step is an audit event.
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from core.scoping import CHANGE, teammates
from graph import explore, get_graph
from investigations.audit.log import audit_event_append
from investigations.models import Alert, Case, Subject, Team, WatchEntry, Watchlist
from investigations.selectors import membership
from investigations.services import CaseConflict, CaseError, case_create, case_open_get, subject_add

Status = Alert.Status
OPEN = (Status.NEW, Status.ACKNOWLEDGED)
# Where triage may move an alert; escalation goes through `alert_escalate` (it makes the case).
TRIAGE = {
    Status.NEW: {Status.ACKNOWLEDGED, Status.DISMISSED, Status.RESOLVED},
    Status.ACKNOWLEDGED: {Status.NEW, Status.DISMISSED, Status.RESOLVED},
    Status.ESCALATED: {Status.RESOLVED},
    Status.DISMISSED: {Status.NEW},
    Status.RESOLVED: set(),
}


def alert_recurring(
    *, team: Team, source: str, kind: str, ref: str, title: str, detail: dict, risk: float | None = None
) -> tuple[Alert, bool]:
    """(the alert, whether it is new): a subject's open alert from `source` takes the occurrence into
    `detail["occurrences"]` (the latest 20) and keeps the highest risk; without one, a new alert opens.
    A database constraint keeps one open alert per team, source and subject, even under racing workers."""
    occurrence = {**detail, "title": title}
    for _ in range(2):  # a racing worker may open the alert between our look and our insert: then join it
        with transaction.atomic():
            open_alert = (
                Alert.objects.select_for_update()
                .for_team(team)
                .filter(source=source, kind=kind, ref=ref, status__in=OPEN)
                .first()
            )
            if open_alert is not None:
                occurrences = [*open_alert.detail.get("occurrences", []), occurrence][-20:]
                open_alert.detail = {**open_alert.detail, "occurrences": occurrences}
                open_alert.risk = max(open_alert.risk or 0.0, risk or 0.0)
                open_alert.save(update_fields=["detail", "risk", "updated_at"])
                return open_alert, False
            try:
                with transaction.atomic():
                    created = Alert.objects.create(
                        team=team, source=source, kind=kind, ref=ref, title=title, risk=risk,
                        detail={**detail, "occurrences": [occurrence]},
                    )  # fmt: skip
                return created, True
            except IntegrityError:
                continue
    raise IntegrityError(f"could not open or join the {source} alert on {kind} {ref}")


def alerts_from_labeling(*, model: str, limit: int | None = None) -> int:
    """Every team gets an alert for each cluster the model flagged that it has not been alerted about.
    One insert per team; the unique constraint drops what is already there, even under a racing job."""
    limit = limit or settings.ALERTS_PER_LABELING_JOB
    clusters = explore.flagged_clusters(get_graph(), min_risk=0.0, limit=limit)
    raised = 0
    for team in Team.objects.all():
        known = set(
            Alert.objects.for_team(team)
            .filter(source=Alert.Source.LABELING, ref__in=[cluster["cluster"] for cluster in clusters])
            .values_list("ref", flat=True)
        )
        new = [
            Alert(
                team=team,
                source=Alert.Source.LABELING,
                kind=Subject.Kind.CLUSTER,
                ref=cluster["cluster"],
                title=labeling_title(cluster),
                detail={**cluster, "model": model},
                risk=cluster["risk"],
            )
            for cluster in clusters
            if cluster["cluster"] not in known
        ]
        Alert.objects.bulk_create(new, ignore_conflicts=True)
        raised += len(new)
    return raised


def labeling_title(cluster: explore.FlaggedCluster) -> str:
    """ "Cluster 3fa9…: 3 of 12 addresses flagged, riskiest 0.97": counts as integers (FalkorDB's sum()
    gives a float), the risk as the calibrated probability."""
    flagged, size = int(cluster["flagged_addresses"] or 0), cluster["size"]
    noun = "address" if flagged == 1 else "addresses"
    of = f" of {size:,}" if size and size != flagged else ""
    return f"Cluster {cluster['cluster'][:16]}: {flagged:,}{of} {noun} flagged, riskiest {cluster['risk']:.2f}"


def watchlists_check() -> int:
    """Compare each watched ref with what was seen last time; new activity raises the team's alert.
    Entries are checked in bulk per kind (one graph query each)."""
    store, raised = get_graph(), 0
    for kind in WatchEntry.Kind.values:
        entries = list(WatchEntry.objects.filter(kind=kind).select_related("watchlist__team"))
        now = explore.activity(store, kind, sorted({entry.ref for entry in entries}))
        for entry in entries:
            seen = now.get(entry.ref)
            if seen is None:
                continue
            if entry.seen_volume is not None and seen["volume"] > entry.seen_volume:
                raised += _watch_alert(entry, seen)
            entry.seen_last, entry.seen_volume = seen["last_seen"], seen["volume"]
            entry.save(update_fields=["seen_last", "seen_volume"])
    return raised


def _watch_alert(entry: WatchEntry, seen: explore.Activity) -> bool:
    """A new alert, or more movement added to the entry's alert that is still open; True when new."""
    moved = seen["volume"] - entry.seen_volume
    open_alert = Alert.objects.filter(watch_entry=entry, status__in=OPEN).first()
    if open_alert is not None:
        open_alert.detail = {
            **open_alert.detail,
            "moved": open_alert.detail["moved"] + moved,
            "last_seen": seen["last_seen"],
        }
        open_alert.save(update_fields=["detail", "updated_at"])
        return False
    Alert.objects.create(
        team=entry.watchlist.team,
        source=Alert.Source.WATCHLIST,
        kind=entry.kind,
        ref=entry.ref,
        title=f"Watched {entry.kind} {entry.ref[:20]} moved ({entry.watchlist.name})",
        detail={"watchlist": entry.watchlist.name, "moved": moved, "last_seen": seen["last_seen"], "note": entry.note},
        watch_entry=entry,
    )
    return True


@transaction.atomic
def alerts_triage(
    *, user: AbstractBaseUser, alert_ids: Iterable[int], status: str | None = None, assignee: str | None = None
) -> list[Alert]:
    """Bulk: move the alerts to `status` and/or assign them to a teammate (username; "" unassigns).
    All or nothing: one alert that cannot move refuses the whole request."""
    team = membership(user).team
    ids = list(dict.fromkeys(alert_ids))
    alerts = list(Alert.objects.select_for_update().for_user(user, CHANGE).filter(id__in=ids))
    if len(alerts) != len(ids):
        missing = sorted(set(ids) - {alert.id for alert in alerts})
        raise Alert.DoesNotExist(f"no alerts {missing} in your team")
    person = _teammate(team, assignee) if assignee else None
    for alert in alerts:
        if status is not None and status != alert.status:
            if status not in TRIAGE[alert.status]:
                raise CaseConflict(f"alert {alert.id} is {alert.status}: it cannot become {status}")
            alert.status = status
        if assignee is not None:
            alert.assignee = person
        alert.save()
        data = {"status": alert.status, "assignee": assignee}
        audit_event_append(actor=user.get_username(), action="alert.triage", target=f"alert:{alert.id}", data=data)
    return alerts


def _teammate(team: Team, username: str):
    person = teammates(team).filter(username=username).first()
    if person is None:
        raise CaseError(f"assignee: {username!r} is not in your team")
    return person


@transaction.atomic
def alert_escalate(*, user: AbstractBaseUser, alert_id: int, case_id: int | None = None) -> Case:
    """Open a case about the alert's subject (or add it to an existing case of the team)."""
    alert = Alert.objects.select_for_update().for_user(user, CHANGE).filter(id=alert_id).first()
    if alert is None:
        raise Alert.DoesNotExist(f"no alert {alert_id} in your team")
    if alert.status not in OPEN:
        raise CaseConflict(f"alert {alert.id} is {alert.status}: only new or acknowledged alerts escalate")
    case = case_open_get(user=user, case_id=case_id) if case_id else case_create(user=user, title=alert.title[:200])
    if not case.subjects.filter(kind=alert.kind, ref=alert.ref).exists():
        subject_add(user=user, case_id=case.id, kind=alert.kind, ref=alert.ref)
    alert.status, alert.case = Status.ESCALATED, case
    alert.save()
    audit_event_append(
        actor=user.get_username(), action="alert.escalate", target=f"alert:{alert.id}", data={"case": case.id}
    )
    return case


@transaction.atomic
def watchlist_create(*, user: AbstractBaseUser, name: str) -> Watchlist:
    if Watchlist.objects.for_user(user).filter(name=name).exists():
        raise CaseError(f"name: your team already has a watchlist {name!r}")
    watchlist = Watchlist.objects.create(team=membership(user).team, name=name, created_by=user)
    audit_event_append(
        actor=user.get_username(), action="watchlist.create", target=f"watchlist:{watchlist.id}", data={"name": name}
    )
    return watchlist


@transaction.atomic
def watch_entry_add(*, user: AbstractBaseUser, watchlist_id: int, kind: str, ref: str, note: str = "") -> WatchEntry:
    """The entry starts from what the graph shows now: only later activity raises alerts."""
    watchlist = Watchlist.objects.for_user(user, CHANGE).get(id=watchlist_id)
    seen = explore.activity(get_graph(), kind, [ref]).get(ref)
    if seen is None:
        raise CaseError(f"ref: the graph holds no {kind} {ref}")
    entry, made = WatchEntry.objects.get_or_create(
        watchlist=watchlist,
        kind=kind,
        ref=ref,
        defaults={"note": note, "added_by": user, "seen_last": seen["last_seen"], "seen_volume": seen["volume"]},
    )
    if made:
        audit_event_append(
            actor=user.get_username(),
            action="watchlist.add",
            target=f"watchlist:{watchlist.id}",
            data={"kind": kind, "ref": ref},
        )
    return entry


@transaction.atomic
def watch_entry_remove(*, user: AbstractBaseUser, watchlist_id: int, entry_id: int) -> None:
    entry = WatchEntry.objects.for_user(user, CHANGE).get(id=entry_id, watchlist_id=watchlist_id)
    data = {"kind": entry.kind, "ref": entry.ref}
    entry.delete()
    audit_event_append(
        actor=user.get_username(), action="watchlist.remove", target=f"watchlist:{watchlist_id}", data=data
    )
