"""Team administration from the app: a team's leads (supervisors) and admins invite people and set their
roles, with every change on the audit log (target `team:<id>`).

An invited person gets an account with no password and a one-time link (Django's password-reset token:
it stops working once a password is set, and after PASSWORD_RESET_TIMEOUT) to choose one; with single
sign-on (app/oidc.py) they can sign in through the provider instead, matched by their email. Only an
admin gives or takes the admin role, and nobody changes their own, so a team cannot lose its last admin
by a slip."""

import dataclasses
import logging

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from core.errors import ChainSleuthError, NotFound
from core.scoping import RoleForbidden, teammates
from investigations.audit.log import audit_event_append
from investigations.models import AuditEvent, Membership
from investigations.selectors import membership

log = logging.getLogger(__name__)
Role = Membership.Role
LEADS = frozenset({Role.SUPERVISOR, Role.ADMIN})


class TeamError(ChainSleuthError, ValueError):
    """A team change that cannot be done (400); the message names the field and why."""


class InvitationInvalid(TeamError):
    """The invitation link is wrong, used or expired (400)."""


@dataclasses.dataclass(frozen=True)
class Invitation:
    member: Membership
    url: str  # "" when the person already has a password: nothing to set


def _lead(user: AbstractBaseUser) -> Membership:
    lead = membership(user)
    if lead.role not in LEADS:
        raise RoleForbidden("only a supervisor or an admin manages the team")
    return lead


def _role_allowed(lead: Membership, role: str) -> None:
    """Only an admin gives a role that approves (supervisor, admin): a supervisor who could make a second
    supervisor, and take the invitation link, could approve their own requests as that one (four eyes)."""
    if role not in Role.values:
        raise TeamError(f"role: {role!r} is not one of {', '.join(Role.values)}")
    if role in LEADS and lead.role != Role.ADMIN:
        raise RoleForbidden(f"only an admin makes someone a {role}")


@transaction.atomic
def member_invite(
    *, user: AbstractBaseUser, username: str, email: str = "", role: str = Role.ANALYST, base_url: str = ""
) -> Invitation:
    """Add `username` to the lead's team: a new account (no password yet, an invitation link under
    `base_url`, or APP_URL), or an existing account that is in no team yet (one made by single sign-on, or
    in Django's admin)."""
    lead = _lead(user)
    _role_allowed(lead, role)
    person, created = _account(username.strip(), email.strip())
    try:
        with transaction.atomic():  # a savepoint: two leads inviting the same person at once, one wins
            member = Membership.objects.create(user=person, team=lead.team, role=role)
    except IntegrityError:
        raise TeamError(f"username: {person.get_username()!r} is already in a team") from None
    # A link only for the account this invitation made: one that exists already (single sign-on's, the admin's)
    # is someone's, and a link would let the lead choose its password and sign in as them.
    url = invitation_url(person, base_url or settings.APP_URL) if created else ""
    data = {"username": person.get_username(), "role": role, "email": person.email, "link": bool(url)}
    _audit(user, "member.invite", lead, data)
    if url and person.email:
        transaction.on_commit(lambda: _mail_invitation(person.email, lead.team.name, url))
    return Invitation(member=member, url=url)


def _account(username: str, email: str) -> tuple[AbstractBaseUser, bool]:
    """The account named `username`, and whether it was made here."""
    users = get_user_model()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise TeamError(f"email: {email!r} is not an email address") from None
    existing = users.objects.filter(username=username).first()
    if existing is not None:
        return existing, False
    try:
        users.username_validator(username)
    except ValidationError as error:
        raise TeamError(f"username: {' '.join(error.messages)}") from None
    if not username or len(username) > 150:
        raise TeamError("username: 1 to 150 characters")
    if email and users.objects.filter(email__iexact=email).exists():
        raise TeamError(f"email: {email!r} already belongs to another account")
    return users.objects.create_user(username=username, email=email, password=None), True


def invitation_url(person: AbstractBaseUser, base_url: str = "") -> str:
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    return f"{base_url}/app/invitation/{uid}/{default_token_generator.make_token(person)}"


@transaction.atomic
def invitation_renew(*, user: AbstractBaseUser, member_id: int, base_url: str = "") -> str:
    """A new link for a teammate who has not chosen a password yet (theirs expired or was lost)."""
    member = _teammate(user, member_id)
    lead = _lead(user)
    person = member.user
    if not _invited_here(person, member.team_id):
        raise TeamError(f"{person.get_username()} was not made by an invitation: no link is given")
    if person.has_usable_password() or person.last_login is not None:
        raise TeamError(f"{person.get_username()} has signed in or has a password already: no link is given")
    if member.role in LEADS and lead.role != Role.ADMIN:
        raise RoleForbidden(f"only an admin gives a {member.role} a new link")
    url = invitation_url(member.user, base_url or settings.APP_URL)
    _audit(user, "member.link", member, {"username": member.user.get_username()})
    if member.user.email:
        transaction.on_commit(lambda: _mail_invitation(member.user.email, member.team.name, url))
    return url


def _invited_here(person: AbstractBaseUser, team_id: int) -> bool:
    """The account was made by an invitation to this team (the audit log says so), so a link is its due: any
    other account is someone's, whose password the lead must not choose."""
    if person.is_staff or person.is_superuser:
        return False
    return AuditEvent.objects.filter(
        action="member.invite", target=f"team:{team_id}", data__username=person.get_username(), data__link=True
    ).exists()


def _teammate(user: AbstractBaseUser, member_id: int) -> Membership:
    """The membership of user `member_id` in the user's team, locked; another team's is not found."""
    team = membership(user).team
    person = teammates(team).filter(pk=member_id).first()
    if person is None:
        raise NotFound(f"no member {member_id} in team {team.name}")
    return Membership.objects.select_for_update().select_related("user", "team").get(user=person)


def _mail_invitation(address: str, team: str, url: str) -> None:
    text = f"You are invited to team {team} on ChainSleuth. Choose your password here:\n\n{url}\n"
    try:
        send_mail(f"ChainSleuth: join team {team}", text, None, [address])
    except Exception:  # the lead still has the link to pass on
        log.exception("invitation mail to %s failed", address)


@transaction.atomic
def member_role_set(*, user: AbstractBaseUser, member_id: int, role: str) -> Membership:
    """Change a teammate's role; `member_id` is their user id. Another team's member is not found."""
    member = _teammate(user, member_id)
    lead = _lead(user)
    if member.user_id == user.pk:
        raise TeamError("role: nobody changes their own role; ask another lead or an admin")
    _role_allowed(lead, role)
    if member.role == Role.ADMIN and lead.role != Role.ADMIN:
        raise RoleForbidden("only an admin changes an admin's role")
    if member.role != role:
        data = {"username": member.user.get_username(), "from": member.role, "to": role}
        member.role = role
        member.save(update_fields=["role"])
        _audit(user, "member.role", lead, data)
    return member


def invitation_accept(*, uid: str, token: str, password: str) -> AbstractBaseUser:
    """Set the invited person's first password from their link; the link is spent by it."""
    person = _invited(uid, token)
    try:
        password_validation.validate_password(password, person)
    except ValidationError as error:
        raise TeamError(f"password: {' '.join(error.messages)}") from None
    with transaction.atomic():
        person.set_password(password)
        person.save(update_fields=["password"])
        audit_event_append(actor=person.get_username(), action="member.join", target=_target(person), data={})
    return person


def _invited(uid: str, token: str) -> AbstractBaseUser:
    try:
        person = get_user_model().objects.get(pk=int(force_str(urlsafe_base64_decode(uid))))
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        person = None
    if person is None or person.has_usable_password() or not default_token_generator.check_token(person, token):
        raise InvitationInvalid("this invitation link is wrong, used or expired: ask your team's lead for a new one")
    return person


def _target(person: AbstractBaseUser) -> str:
    found = Membership.objects.filter(user=person).first()
    return f"team:{found.team_id}" if found else f"user:{person.pk}"


def _audit(user: AbstractBaseUser, action: str, lead: Membership, data: dict) -> None:
    audit_event_append(actor=user.get_username(), action=action, target=f"team:{lead.team_id}", data=data)
