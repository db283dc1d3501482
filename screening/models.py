"""Exchanges as API clients: organisations, their keys, and the log of every request they make."""

from django.db import models


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
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} {self.status} ({self.latency_ms:.0f} ms)"
