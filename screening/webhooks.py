"""Signed webhooks: every alert an organisation should hear of is POSTed to its webhooks.

The signature header reads `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>`,
so a receiver checks both that we sent it and that it is fresh (`signature_verify`, the same check
a receiver would write). Delivery runs in a Celery task and is retried with exponential backoff;
each attempt's outcome is kept on the delivery row.
"""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from django.db import transaction
from django.utils import timezone

from screening.models import Organisation, WebhookDelivery

HEADER = "X-ChainSleuth-Signature"
TIMEOUT_S = 5
MAX_ATTEMPTS = 6  # with backoff 2, 4, 8, 16, 32 s between them


class DeliveryFailed(Exception):
    """The receiver did not take the event (no answer, or not 2xx): try again later."""


def signature(secret: str, body: bytes, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def signature_verify(secret: str, header: str, body: bytes, *, tolerance_s: int = 300) -> bool:
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        at = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs(time.time() - at) > tolerance_s:
        return False
    return hmac.compare_digest(signature(secret, body, at), f"t={at},v1={fields.get('v1', '')}")


def webhooks_notify(*, organisation: Organisation, event: str, payload: dict) -> list[WebhookDelivery]:
    """One delivery per active webhook, sent by a worker once the caller's transaction commits."""
    from screening.tasks import deliver  # the task module imports this one

    deliveries = [
        WebhookDelivery.objects.create(webhook=hook, event=event, payload={"event": event, **payload})
        for hook in organisation.webhooks.filter(active=True)
    ]
    for delivery in deliveries:
        transaction.on_commit(lambda id_=delivery.id: deliver.delay(id_))
    return deliveries


def delivery_attempt(delivery_id: int) -> WebhookDelivery:
    """POST the event once; raise DeliveryFailed (after recording why) when the receiver does not take it."""
    delivery = WebhookDelivery.objects.select_related("webhook").get(id=delivery_id)
    if delivery.status == WebhookDelivery.Status.DELIVERED:
        return delivery
    if not delivery.webhook.url.startswith(("https://", "http://")):
        delivery.status, delivery.last_error = WebhookDelivery.Status.FAILED, "only http(s) URLs are called"
        delivery.save()
        return delivery
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", HEADER: signature(delivery.webhook.secret, body)},
    )
    delivery.attempts += 1
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310 - http(s) only
            delivery.last_status_code = answer.status
    except urllib.error.HTTPError as error:
        delivery.last_status_code, delivery.last_error = error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        delivery.last_status_code, delivery.last_error = None, f"{type(error).__name__}: {error}"
    if delivery.last_status_code is not None and 200 <= delivery.last_status_code < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = (
            WebhookDelivery.Status.DELIVERED,
            timezone.now(),
            "",
        )
        delivery.save()
        return delivery
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    delivery.save()
    if delivery.status == WebhookDelivery.Status.PENDING:
        raise DeliveryFailed(delivery.last_error or f"HTTP {delivery.last_status_code}")
    return delivery
