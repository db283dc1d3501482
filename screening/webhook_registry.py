"""Registering, changing and removing an organisation's webhooks (the API, `manage.py screening webhook`).

A URL is refused here when it points inside (screening/destinations.py); deliveries check it again."""

import secrets

from django.db.models import QuerySet

from core.errors import ChainSleuthError
from screening.destinations import DestinationRefused, destination_check
from screening.models import Organisation, Webhook, WebhookDelivery

SECRET_MIN = 16


class WebhookError(ChainSleuthError):
    """A webhook that cannot be saved as given; `field` names what is wrong, and the API answers in DRF's
    field-error shape ({"url": ["…"]}), as it answers the input serializer's own refusals."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message

    def body(self) -> dict:
        return {self.field: [self.message]}


def webhook_create(*, organisation: Organisation, url: str, description: str = "", secret: str = "") -> Webhook:
    """The new webhook; without a secret one is made (the caller shows it once)."""
    return Webhook.objects.create(
        organisation=organisation,
        url=webhook_url_checked(url),
        description=description,
        secret=webhook_secret_checked(secret) if secret else secret_new(),
    )


def webhook_update(
    *,
    webhook: Webhook,
    url: str | None = None,
    description: str | None = None,
    active: bool | None = None,
    secret: str | None = None,
) -> Webhook:
    """Only what is given changes; a new URL is checked as on creation."""
    if url is not None:
        webhook.url = webhook_url_checked(url)
    if secret is not None:
        webhook.secret = webhook_secret_checked(secret)
    if description is not None:
        webhook.description = description
    if active is not None:
        webhook.active = active
    webhook.save()
    return webhook


def webhook_delete(*, webhook: Webhook) -> None:
    """The webhook and its delivery log go; pending retries find no row and stop."""
    webhook.delete()


def webhooks_of(organisation: Organisation) -> QuerySet[Webhook]:
    return Webhook.objects.filter(organisation=organisation)


def webhook_of(organisation: Organisation, webhook_id: int) -> Webhook | None:
    """The organisation's webhook with that id; another organisation's is None, as a missing one is."""
    return webhooks_of(organisation).filter(id=webhook_id).first()


def deliveries_of(webhook: Webhook, *, status: str | None = None, limit: int = 100) -> list[WebhookDelivery]:
    """Newest first."""
    found = webhook.deliveries.all()
    if status:
        found = found.filter(status=status)
    return list(found[:limit])


def secret_new() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def webhook_url_checked(url: str) -> str:
    try:
        destination_check(url)
    except DestinationRefused as refused:
        raise WebhookError("url", str(refused)) from None
    return url.strip()


def webhook_secret_checked(secret: str) -> str:
    if len(secret) < SECRET_MIN:
        raise WebhookError("secret", f"at least {SECRET_MIN} characters (or none, and one is made)")
    return secret
