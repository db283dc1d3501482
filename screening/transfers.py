"""Transfers: an exchange registers a deposit or withdrawal; it is screened at once (asynchronously) and
again when its transaction is seen on chain. A high or severe verdict recommends a hold and goes out
to the organisation's webhooks."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from graph import get_graph
from graph.explore import transactions_confirmed
from screening.models import Organisation, Transfer
from screening.queue import transfer_screen_queue
from screening.services import address_checked, screen_one
from screening.webhooks import webhooks_notify

HOLD_LEVELS = ("high", "severe")


class TransferError(ValueError):
    """A transfer that cannot be registered as given; the message names the field."""


def transfer_register(*, organisation: Organisation, **fields: Any) -> Transfer:
    address, problem = address_checked(fields.get("address") or "")
    if problem:
        raise TransferError(f"address: {problem}")
    if fields.get("txid") and fields.get("output_index") is None:
        raise TransferError("output_index: give it with txid (which output is the transfer)")
    transfer = Transfer.objects.create(organisation=organisation, **{**fields, "address": address})
    transaction.on_commit(lambda: transfer_screen_queue(transfer.id))
    return transfer


def transfer_screen(*, transfer_id: int) -> Transfer:
    """The graph is read first; the row then changes under its lock, so a hold placed meanwhile (by an
    anomaly scan) is kept."""
    found = Transfer.objects.get(id=transfer_id)
    seen = transactions_confirmed(get_graph(), [found.txid]).get(found.txid) if found.txid else None
    outputs = (seen or {}).get("out_address") or []
    n = found.output_index
    pays = seen is None or (n is not None and n < len(outputs) and outputs[n] == found.address)
    verdict = screen_one(found.address) if pays else None
    with transaction.atomic():
        transfer = _locked(transfer_id)
        if not pays:
            return _alert(
                transfer, "transfer.mismatch", f"output {n} of {transfer.txid} does not pay {transfer.address}"
            )
        return _verdict_apply(transfer, verdict, confirmed=seen is not None)


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
    if transfer.risk_level in HOLD_LEVELS and not transfer.hold:
        transfer.hold = True
        return _alert(transfer, "transfer.hold", f"{transfer.risk_level} risk: {'; '.join(verdict['score_reasons'])}")
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
            transfer = _locked(transfer_id)
            transfer.hold = True
            held.append(_alert(transfer, "transfer.anomaly", reason))
    return held


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
    waiting = list(Transfer.objects.filter(seen_at=None).exclude(txid="").values_list("id", "txid"))
    seen = transactions_confirmed(get_graph(), sorted({txid for _, txid in waiting}))
    for transfer_id, txid in waiting:
        if txid in seen:
            transfer_screen(transfer_id=transfer_id)
    return sum(txid in seen for _, txid in waiting)
