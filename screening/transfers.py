"""Transfers: an exchange registers a deposit or withdrawal; it is screened at once (asynchronously) and
again when its transaction is seen on chain. A high or severe verdict recommends a hold and goes out
to the organisation's webhooks."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from graph import get_graph
from graph.explore import transactions_confirmed
from screening.models import Organisation, Transfer
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
    from screening.tasks import screen_transfer  # the task module imports this one

    transaction.on_commit(lambda: screen_transfer.delay(transfer.id))
    return transfer


def transfer_screen(*, transfer_id: int) -> Transfer:
    transfer = Transfer.objects.select_related("organisation").get(id=transfer_id)
    seen = transactions_confirmed(get_graph(), [transfer.txid]).get(transfer.txid) if transfer.txid else None
    if seen is not None:
        outputs = seen["out_address"] or []
        n = transfer.output_index
        if n is None or n >= len(outputs) or outputs[n] != transfer.address:
            return _alert(
                transfer, "transfer.mismatch", f"output {n} of {transfer.txid} does not pay {transfer.address}"
            )
        transfer.seen_at = transfer.seen_at or timezone.now()
    verdict = screen_one(transfer.address)
    transfer.verdict, transfer.screened_at = verdict, timezone.now()
    if verdict["status"] == 404:
        transfer.status = Transfer.Status.UNKNOWN
        transfer.save()
        return transfer
    transfer.status = Transfer.Status.CONFIRMED if seen is not None else Transfer.Status.SCREENED
    transfer.risk_score, transfer.risk_level = verdict["risk_score"], verdict["risk_level"]
    transfer.save()
    if transfer.risk_level in HOLD_LEVELS and not transfer.hold:
        transfer.hold = True
        return _alert(transfer, "transfer.hold", f"{transfer.risk_level} risk: {'; '.join(verdict['score_reasons'])}")
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
    waiting = list(Transfer.objects.filter(seen_at=None).exclude(txid="").values_list("id", "txid"))
    seen = transactions_confirmed(get_graph(), sorted({txid for _, txid in waiting}))
    for transfer_id, txid in waiting:
        if txid in seen:
            transfer_screen(transfer_id=transfer_id)
    return sum(txid in seen for _, txid in waiting)
