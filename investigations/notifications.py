"""Notifications: the inbox's rows, written by the case services in their own transaction, and mailed after it
commits. Mail goes through Django's EMAIL_BACKEND (settings: EMAIL_*); the default backend drops it, so
nothing is sent until an operator configures one. A mail server that fails is logged and never undoes
the change that caused the notification."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from investigations.models import Case, Notification

log = logging.getLogger(__name__)


def notify(
    *, actor: AbstractBaseUser, recipients: Iterable[AbstractBaseUser], kind: str, case: Case, text: str
) -> None:
    """One notification per recipient, never to the actor themself (nobody needs telling what they just did)."""
    rows = [
        Notification(recipient=person, kind=kind, case=case, actor=actor.get_username(), text=text[:300])
        for person in {person.pk: person for person in recipients if person.pk != actor.pk}.values()
    ]
    made = Notification.objects.bulk_create(rows)
    mailed = [(row.recipient.email, row.text, row.case_id) for row in made if row.recipient.email]
    if mailed:
        transaction.on_commit(lambda: _mail(mailed))


def _mail(mailed: list[tuple[str, str, int]]) -> None:
    for address, text, case_id in mailed:
        link = f"{settings.APP_URL or 'http://localhost:8000'}/app/cases/{case_id}"
        try:
            subject = " ".join(f"ChainSleuth: {text}".split())[:150]  # a note's newlines are no header's
            send_mail(subject, f"{text}\n\n{link}\n", None, [address])
        except Exception:  # the mail server's failure is logged; the change it follows stands
            log.exception("notification mail to %s failed", address)


def notifications_of(user: AbstractBaseUser, *, unread_only: bool = False, limit: int = 100):
    """The user's own notifications in their team, newest first."""
    found = Notification.objects.for_user(user).filter(recipient=user)
    if unread_only:
        found = found.filter(read_at=None)
    return found.select_related("case")[:limit]


def notifications_unread(user: AbstractBaseUser) -> int:
    return Notification.objects.for_user(user).filter(recipient=user, read_at=None).count()


def notifications_read(*, user: AbstractBaseUser, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread when `ids` is None); the count that changed. Another
    user's ids are ignored: they are not this user's to read."""
    found = Notification.objects.for_user(user).filter(recipient=user, read_at=None)
    if ids is not None:
        found = found.filter(id__in=ids)
    return found.update(read_at=timezone.now())
