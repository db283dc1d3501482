"""Project-level services used by the run command."""

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model

from app.local_secrets import local_secret

ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class AdminLogin:
    username: str
    password: str | None  # None when the password was changed since it was generated


FIRST_TEAM = "Investigations"


def admin_ensure(*, var_dir: Path) -> AdminLogin:
    """Create the first admin with a generated password, or report the one made earlier.

    The password lives in var/admin-password (owner-only) so every start can
    print the login until someone changes it.
    """
    password = local_secret(var_dir / "admin-password", nbytes=12)
    users = get_user_model()
    admin, created = users.objects.get_or_create(
        username=ADMIN_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_password(password)
        admin.save(update_fields=["password"])
    _first_team_ensure(admin)
    return AdminLogin(ADMIN_USERNAME, password if admin.check_password(password) else None)


def _first_team_ensure(admin) -> None:
    """The first admin leads a first team, so the web app (which shows a team's work) is usable from the
    first start; an admin an operator moved to another team stays there."""
    from investigations.models import Membership, Team

    if not Membership.objects.filter(user=admin).exists():
        team, _ = Team.objects.get_or_create(name=FIRST_TEAM)
        Membership.objects.create(user=admin, team=team, role=Membership.Role.SUPERVISOR)
