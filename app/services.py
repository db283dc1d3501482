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
    return AdminLogin(ADMIN_USERNAME, password if admin.check_password(password) else None)
