"""Signed webhooks: every alert an organisation should hear of is POSTed to its webhooks.

The signature header reads `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>`,
so a receiver checks both that we sent it and that it is fresh (`signature_verify`, the same check
a receiver would write). Each event has one id, the same in every webhook's copy and in every retry, so a
receiver drops a repeat; each delivery has its own. Both are in the body and in headers.

Delivery runs in a Celery task and is retried with exponential backoff; each attempt's outcome is kept on
the delivery row. The destination is checked again at each attempt, after DNS, and the request goes to
the address that was checked (screening/destinations.py). Redirects are never followed: a 3xx fails the
delivery at once, as a refused destination does, since retrying cannot change either.
"""

import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from screening.destinations import Destination, DestinationRefused, destination_check
from screening.models import Organisation, Webhook, WebhookDelivery
from screening.retries import MAX_ATTEMPTS, DeliveryFailed
from screening.tasks import delivery_attempt as delivery_attempt_task

HEADER = "X-ChainSleuth-Signature"
EVENT_HEADER = "ChainSleuth-Event"
EVENT_ID_HEADER = "ChainSleuth-Event-Id"
DELIVERY_ID_HEADER = "ChainSleuth-Delivery-Id"
TEST_EVENT = "webhook.test"
TIMEOUT_S = 5


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


def webhooks_notify(*, organisation: Organisation, event: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """One delivery per active webhook, all with one event id, sent by a worker once the caller's
    transaction commits."""
    event_id = uuid.uuid4()
    deliveries = [
        _delivery_create(webhook=hook, event=event, event_id=event_id, payload=payload)
        for hook in organisation.webhooks.filter(active=True)
    ]
    for delivery in deliveries:
        transaction.on_commit(lambda id_=delivery.id: delivery_attempt_task.delay(id_))
    return deliveries


def webhook_test(*, webhook: Webhook) -> WebhookDelivery:
    """A signed `webhook.test` event, attempted once now (not retried), so an integrator sees at once
    whether the receiver takes it; it stays in the delivery log like any other."""
    delivery = _delivery_create(
        webhook=webhook,
        event=TEST_EVENT,
        event_id=uuid.uuid4(),
        payload={"message": "a test event from ChainSleuth; nothing happened"},
    )
    return _attempt(delivery, retry=False)


def _delivery_create(*, webhook: Webhook, event: str, event_id: uuid.UUID, payload: dict[str, Any]) -> WebhookDelivery:
    delivery_id = uuid.uuid4()
    body = {
        **payload,
        "event": event,
        "event_id": str(event_id),
        "delivery_id": str(delivery_id),
        "created_at": timezone.now().isoformat(),
    }
    return WebhookDelivery.objects.create(
        webhook=webhook, event=event, event_id=event_id, delivery_id=delivery_id, payload=body
    )


def delivery_attempt(delivery_id: int, *, retry: bool = True) -> WebhookDelivery | None:
    """POST the event once. While retries are left, raise DeliveryFailed (after recording why) when the
    receiver does not take it; without `retry`, or once the attempts are spent, the delivery has failed.
    None: the webhook was removed meanwhile, with its log."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(id=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return delivery
    return _attempt(delivery, retry=retry)


def _attempt(delivery: WebhookDelivery, *, retry: bool) -> WebhookDelivery:
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    try:
        destination = destination_check(delivery.webhook.url)
    except DestinationRefused as refused:
        return _failed(delivery, f"destination refused: {refused}", status_code=None)
    code, location, error = _post(destination, delivery)
    delivery.last_status_code = code
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = (
            WebhookDelivery.Status.DELIVERED,
            timezone.now(),
            "",
        )
        delivery.save()
        return delivery
    if code is not None and 300 <= code < 400:
        return _failed(delivery, f"HTTP {code}: redirects are not followed (Location: {location[:200]!r})", code)
    delivery.last_error = error or f"HTTP {code}"
    if not retry or delivery.attempts >= MAX_ATTEMPTS:
        return _failed(delivery, delivery.last_error, code)
    delivery.save()
    raise DeliveryFailed(delivery.last_error)


def _failed(delivery: WebhookDelivery, error: str, status_code: int | None) -> WebhookDelivery:
    delivery.status, delivery.last_error, delivery.last_status_code = WebhookDelivery.Status.FAILED, error, status_code
    delivery.save()
    return delivery


def _post(destination: Destination, delivery: WebhookDelivery) -> tuple[int | None, str, str]:
    """(status code, Location, error): one POST to the first checked address that accepts a connection."""
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ChainSleuth-Webhooks/1",
        HEADER: signature(delivery.webhook.secret, body),
        EVENT_HEADER: delivery.event,
        EVENT_ID_HEADER: str(delivery.event_id),
        DELIVERY_ID_HEADER: str(delivery.delivery_id),
    }
    error = ""
    for address in destination.addresses:
        connection = _connection(destination, address)
        try:
            connection.request("POST", destination.target, body=body, headers=headers)
            answer = connection.getresponse()
            return answer.status, answer.getheader("Location") or "", ""
        except (OSError, http.client.HTTPException) as failure:
            error = f"{type(failure).__name__}: {failure}"
        finally:
            connection.close()
    return None, "", error


def _connection(destination: Destination, address: str) -> http.client.HTTPConnection:
    if destination.scheme == "https":
        return PinnedHTTPSConnection(destination.host, destination.port, address=address)
    return PinnedHTTPConnection(destination.host, destination.port, address=address)


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, whatever the name resolves to by now; the Host header keeps the name."""

    def __init__(self, host: str, port: int, *, address: str):
        super().__init__(host, port, timeout=TIMEOUT_S)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As PinnedHTTPConnection, with TLS verified against the name (SNI and the certificate)."""

    def __init__(self, host: str, port: int, *, address: str):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=TIMEOUT_S, context=self.tls)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)
