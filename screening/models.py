"""Exchanges as API clients: organisations, their keys, and the log of every request they make."""

import uuid

from django.db import models
from django.utils import timezone


class Organisation(models.Model):
    """One exchange (or any screening client): its keys, limits and transfers hang off it."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A key is shown once, when issued; only its SHA-256 is kept (a random 256-bit secret needs no slow
    hash). `prefix` finds the row without a scan; `scopes` name the endpoints it may call."""

    class Scope(models.TextChoices):
        SCREEN = "screen"  # address screening
        TRANSFERS = "transfers"  # register and read transfers
        WEBHOOKS = "webhooks"  # register, change and test the organisation's webhooks; read their deliveries

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="keys")
    name = models.CharField(max_length=200)
    prefix = models.CharField(max_length=16, unique=True)
    secret_sha256 = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    rate_per_minute = models.PositiveIntegerField(default=600)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.organisation}: {self.name} ({self.prefix}…)"


class RequestLog(models.Model):
    """Every screening request: who (key), what (endpoint), how it went (status) and how long it took."""

    key = models.ForeignKey(ApiKey, null=True, on_delete=models.SET_NULL, related_name="requests")
    endpoint = models.CharField(max_length=200)
    method = models.CharField(max_length=8)
    status = models.PositiveSmallIntegerField()
    latency_ms = models.FloatField()
    at = models.DateTimeField(default=timezone.now, db_index=True)  # when the request was answered

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} {self.status} ({self.latency_ms:.0f} ms)"


class Transfer(models.Model):
    """A deposit or withdrawal an exchange registered: screened at once, and again when seen on chain."""

    class Direction(models.TextChoices):
        DEPOSIT = "deposit"
        WITHDRAWAL = "withdrawal"

    class Status(models.TextChoices):
        PENDING = "pending"  # registered, not screened yet
        SCREENED = "screened"  # screened; its transaction not yet seen on chain (or none given)
        CONFIRMED = "confirmed"  # its transaction is in the graph and was screened again
        UNKNOWN = "unknown"  # the address has never been seen on chain: nothing to screen yet
        MISMATCH = "mismatch"  # final: its transaction is on chain, and the given output does not pay the address

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="transfers")
    direction = models.CharField(max_length=16, choices=Direction.choices)
    address = models.CharField(max_length=100)
    txid = models.CharField(max_length=64, blank=True, default="")
    output_index = models.PositiveIntegerField(null=True, blank=True)
    amount = models.BigIntegerField()  # satoshis
    user_ref = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    risk_score = models.PositiveSmallIntegerField(null=True)
    risk_level = models.CharField(max_length=16, blank=True, default="")
    verdict = models.JSONField(default=dict)  # the screening result, exposure included
    hold = models.BooleanField(default=False)  # our recommendation: hold until reviewed
    alerts = models.JSONField(default=list)  # what was raised about it, newest last
    created_at = models.DateTimeField(auto_now_add=True)
    screened_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-created_at", "-id"], name="transfer_listing")]

    def __str__(self) -> str:
        return f"{self.direction} {self.amount} sat {self.address} ({self.status})"


class Hold(models.Model):
    """One recommendation to hold a transfer until reviewed, and its release: who released it, when and why.
    The transfer's `hold` is true while any of its holds is unreleased."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="holds")
    event = models.CharField(max_length=32)  # what placed it: transfer.hold (its verdict) or transfer.anomaly
    reason = models.TextField()
    placed_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.CharField(max_length=100, blank=True, default="")  # key:<prefix>
    release_reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["placed_at", "id"]

    def __str__(self) -> str:
        return f"{self.event} on transfer {self.transfer_id} ({'released' if self.released_at else 'open'})"


class Webhook(models.Model):
    """Where an organisation's alerts are POSTed, signed with HMAC-SHA256 under `secret`. The URL is checked
    against internal destinations when saved through a service (screening/destinations.py) and again at
    each delivery."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100)
    description = models.CharField(max_length=200, blank=True, default="")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.url}"


class WebhookDelivery(models.Model):
    """One event to one webhook, with every attempt's outcome: the delivery log. `event_id` is the event's
    (the same for each of the organisation's webhooks and across retries, so a receiver can drop a
    repeat); `delivery_id` is this row's."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"  # gave up: after the last retry, or at once for a refused destination or a redirect

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=100)
    event_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True)
    payload = models.JSONField()  # the body as sent, ids included
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook.url}: {self.status} after {self.attempts}"
