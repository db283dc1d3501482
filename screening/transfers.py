"""Transfers: an exchange registers a deposit or withdrawal; it is screened at once (asynchronously) and
again when its transaction is seen on chain. A high or severe verdict recommends a hold and goes out
to the organisation's webhooks, and into every team's alert queue; the exchange releases it with a reason.
Statuses: docs/screening.md."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.errors import ChainSleuthError, Conflict
from graph import get_graph
from graph.explore import transactions_confirmed
from investigations.audit.log import audit_event_append
from investigations.models import Alert, Subject, Team
from screening.models import Hold, Organisation, Transfer
from screening.services import address_checked, address_screen
from screening.tasks import transfer_screen as transfer_screen_task
from screening.webhooks import webhooks_notify

HOLD_LEVELS = ("high", "severe")


class TransferError(ChainSleuthError, ValueError):
    """A transfer that cannot be registered as given; the message names the field."""


class TransferConflict(Conflict):
    """The transfer's state does not allow this now (e.g. a release with no open hold)."""


def transfer_register(*, organisation: Organisation, **fields: Any) -> Transfer:
    address, problem = address_checked(fields.get("address") or "")
    if problem:
        raise TransferError(f"address: {problem}")
    if fields.get("txid") and fields.get("output_index") is None:
        raise TransferError("output_index: give it with txid (which output is the transfer)")
    transfer = Transfer.objects.create(organisation=organisation, **{**fields, "address": address})
    transaction.on_commit(lambda: transfer_screen_task.delay(transfer.id))
    return transfer


def transfer_screen(*, transfer_id: int) -> Transfer:
    """The graph is read first; the row then changes under its lock, so a hold placed meanwhile (by an
    anomaly scan) is kept. A mismatch is final: it is alerted once and never screened again."""
    found = Transfer.objects.get(id=transfer_id)
    if found.status == Transfer.Status.MISMATCH:
        return found
    seen = transactions_confirmed(get_graph(), [found.txid]).get(found.txid) if found.txid else None
    outputs = (seen.out_address or []) if seen else []
    n = found.output_index
    pays = seen is None or (n is not None and n < len(outputs) and outputs[n] == found.address)
    verdict = address_screen(found.address) if pays else None
    with transaction.atomic():
        transfer = _locked(transfer_id)
        if transfer.status == Transfer.Status.MISMATCH:  # a racing screening got there first
            return transfer
        if not pays:
            return _mismatch(transfer)
        return _verdict_apply(transfer, verdict, confirmed=seen is not None)


def _mismatch(transfer: Transfer) -> Transfer:
    now = timezone.now()
    transfer.status, transfer.screened_at, transfer.seen_at = Transfer.Status.MISMATCH, now, transfer.seen_at or now
    message = f"output {transfer.output_index} of {transfer.txid} does not pay {transfer.address}"
    return _alert(transfer, "transfer.mismatch", message)


def _verdict_apply(transfer: Transfer, verdict: dict[str, Any], *, confirmed: bool) -> Transfer:
    transfer.verdict, transfer.screened_at = verdict, timezone.now()
    if confirmed:
        transfer.seen_at = transfer.seen_at or timezone.now()
    if verdict["status"] == 404:
        transfer.status = Transfer.Status.UNKNOWN
        transfer.save()
        return transfer
    transfer.status = Transfer.Status.CONFIRMED if confirmed else Transfer.Status.SCREENED
    transfer.risk_score, transfer.risk_level = verdict["risk_score"], verdict["risk_level"]
    transfer.save()
    held_before = transfer.hold or transfer.holds.filter(event="transfer.hold").exists()  # released stays so
    if transfer.risk_level in HOLD_LEVELS and not held_before:
        return _hold(transfer, "transfer.hold", f"{transfer.risk_level} risk: {'; '.join(verdict['score_reasons'])}")
    return transfer


def _locked(transfer_id: int) -> Transfer:
    return Transfer.objects.select_for_update(of=("self",)).select_related("organisation").get(id=transfer_id)


def transfers_hold_on_anomaly(*, addresses: set[str], txids: set[str], reason: str) -> list[Transfer]:
    """Recent transfers that an anomaly touches (their address, or their transaction) are held, and each
    organisation hears of it by webhook."""
    since = timezone.now() - timedelta(days=settings.ANOMALY_TRANSFER_DAYS)
    touched = Transfer.objects.filter(Q(address__in=addresses) | Q(txid__in=txids - {""}), created_at__gte=since)
    held = []
    for transfer_id in touched.values_list("id", flat=True):
        with transaction.atomic():
            held.append(_hold(_locked(transfer_id), "transfer.anomaly", reason))
    return held


def _hold(transfer: Transfer, event: str, reason: str) -> Transfer:
    """A hold of its own (unless one from the same event is still open), an alert in every team's queue
    linked to the transfer, and the webhook."""
    with transaction.atomic():
        transfer.hold = True
        if not transfer.holds.filter(event=event, released_at=None).exists():
            hold = Hold.objects.create(transfer=transfer, event=event, reason=reason)
            _queue_alerts(transfer, hold)
        return _alert(transfer, event, reason)


def _queue_alerts(transfer: Transfer, hold: Hold) -> None:
    detail = {"transfer": transfer.id, "hold": hold.id, "organisation": transfer.organisation.name,
              "event": hold.event, "reason": hold.reason, "direction": transfer.direction,
              "amount": transfer.amount, "txid": transfer.txid or None, "user_ref": transfer.user_ref}  # fmt: skip
    title = f"{transfer.organisation.name}: {transfer.direction} held ({hold.event.removeprefix('transfer.')})"
    risk = transfer.risk_score / 100 if transfer.risk_score is not None else None
    Alert.objects.bulk_create(
        Alert(
            team=team,
            source=Alert.Source.TRANSFER,
            kind=Subject.Kind.ADDRESS,
            ref=transfer.address,
            title=title[:300],
            detail=detail,
            risk=risk,
        )
        for team in Team.objects.all()
    )


def transfers_of(
    *,
    organisation: Organisation,
    status: str = "",
    direction: str = "",
    address: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    hold: bool | None = None,
) -> QuerySet[Transfer]:
    """The organisation's transfers, newest first, narrowed by whichever filters are given."""
    found = Transfer.objects.filter(organisation=organisation)
    narrowing = {"status": status, "direction": direction, "address": address, "created_at__gte": since,
                 "created_at__lt": until, "hold": hold}  # fmt: skip
    return found.filter(**{field: value for field, value in narrowing.items() if value not in ("", None)})


def transfer_release(*, organisation: Organisation, transfer_id: int, reason: str, actor: str) -> Transfer:
    """Every open hold on the transfer is released with `reason`, audited in the same transaction. The
    investigators' alerts stay in their queue for triage."""
    if not reason.strip():
        raise TransferError("reason: say why the hold is released")
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().filter(id=transfer_id, organisation=organisation).first()
        if transfer is None:
            raise Transfer.DoesNotExist(f"no transfer {transfer_id} for this organisation")
        holds = list(transfer.holds.filter(released_at=None))
        if not holds:
            raise TransferConflict(f"transfer {transfer_id} has no open hold")
        now = timezone.now()
        Hold.objects.filter(id__in=[h.id for h in holds]).update(
            released_at=now, released_by=actor, release_reason=reason
        )
        transfer.hold = False
        transfer.save(update_fields=["hold"])
        audit_event_append(actor=actor, action="transfer.release", target=f"transfer:{transfer.id}",
                           data={"organisation": organisation.name, "holds": [h.id for h in holds],
                                 "reason": reason})  # fmt: skip
    return transfer


def _alert(transfer: Transfer, event: str, message: str) -> Transfer:
    with transaction.atomic():
        transfer.alerts = [*transfer.alerts, {"event": event, "message": message, "at": timezone.now().isoformat()}]
        transfer.save()
        webhooks_notify(organisation=transfer.organisation, event=event, payload=transfer_payload(transfer))
    return transfer


def transfer_payload(transfer: Transfer) -> dict[str, Any]:
    return {
        "transfer": transfer.id,
        "user_ref": transfer.user_ref,
        "direction": transfer.direction,
        "address": transfer.address,
        "txid": transfer.txid or None,
        "amount": transfer.amount,
        "status": transfer.status,
        "risk_score": transfer.risk_score,
        "risk_level": transfer.risk_level,
        "hold": transfer.hold,
        "alerts": transfer.alerts,
    }


def transfers_seen_check() -> int:
    """Screen again each transfer whose transaction has reached a block since; returns how many."""
    waiting = Transfer.objects.filter(seen_at=None).exclude(txid="").exclude(status=Transfer.Status.MISMATCH)
    waiting = list(waiting.values_list("id", "txid"))
    seen = transactions_confirmed(get_graph(), sorted({txid for _, txid in waiting}))
    for transfer_id, txid in waiting:
        if txid in seen:
            transfer_screen(transfer_id=transfer_id)
    return sum(txid in seen for _, txid in waiting)
