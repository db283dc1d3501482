"""Team scoping: the one way a read reaches team-owned rows, so no list or lookup can return another team's.

Modelled on NetBox's `RestrictedQuerySet.restrict(user, action)`. A model whose rows belong to a team
uses `TeamQuerySet.as_manager()` and names the relation to its team in `team_path` ("team",
"case__team", ...). Core imports no domain app: it reaches the user's team through the relation names
`user.membership.team` and `membership.role` only (the `TeamMember` protocol).

- A user in no team is refused (PermissionDenied, 403), as before.
- Another team's object is not found (the model's DoesNotExist, 404): its existence is not ours to tell.
- An action a model gates by role (`team_roles`) is refused with RoleForbidden (403) to a member of the
  right team without the role, after the lookup, so another team still reads "not found".
"""

from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models

from core.errors import Forbidden

VIEW, CHANGE = "view", "change"  # every member of the team may read and change the team's rows


class TeamMember(Protocol):
    """What scoping needs of a user's membership (investigations.Membership has it)."""

    team: Any
    role: str


class RoleForbidden(Forbidden, PermissionDenied):
    """The member's role does not allow this action (403); still Django's PermissionDenied for callers
    outside the API."""


def team_member(user: Any) -> TeamMember:
    """The user's membership; anonymous users and users in no team are refused."""
    try:
        return user.membership
    except (ObjectDoesNotExist, AttributeError):
        raise PermissionDenied("you are in no team: an admin must add you to one") from None


class TeamQuerySet(models.QuerySet):
    """`for_user(user, action)`: the rows of the user's team. `team_path` is read from the model, and
    `team_roles` (action → (roles, refusal)) from the model too, for actions a role must hold."""

    def for_user(self, user: Any, action: str = VIEW) -> "TeamQuerySet":
        """Every user-facing read of a team's rows starts here."""
        self._action_checked(action)
        return self.for_team(team_member(user).team)

    def for_team(self, team: Any) -> "TeamQuerySet":
        """The rows of one team, for work done on a team's behalf (alerts raised by a job), not a user's."""
        return self.filter(**{self.model.team_path: team})

    def get_for_user(self, user: Any, action: str = VIEW, **lookup) -> models.Model:
        """One row of the user's team (DoesNotExist otherwise), then the action's role, if it needs one."""
        found = self.for_user(user, action).filter(**lookup).first()
        if found is None:
            raise self.model.DoesNotExist(_missing(self.model, lookup))
        role_require(user, self.model, action)
        return found

    def _action_checked(self, action: str) -> None:
        if action not in (VIEW, CHANGE) and action not in team_roles(self.model):
            raise ValueError(f"{self.model.__name__} has no action {action!r}")


def _missing(model: type[models.Model], lookup: Mapping[str, Any]) -> str:
    """ "no report 3 in case 7": the row by its id, then the rows it was looked for in (`case_id=7`). It
    reads the same whether the row is missing or another team's."""
    rest = {name: value for name, value in lookup.items() if name != "id"}
    where = "".join(f" in {name.removesuffix('_id')} {value}" for name, value in rest.items())
    named = f" {lookup['id']}" if "id" in lookup else ""
    return f"no {model._meta.verbose_name}{named}{where}"


def team_roles(model: type[models.Model]) -> Mapping[str, tuple[frozenset[str], str]]:
    return getattr(model, "team_roles", {})


def role_require(user: Any, model: type[models.Model], action: str) -> None:
    """Refuse (RoleForbidden) a member whose role may not do `action` to `model`'s rows."""
    gate = team_roles(model).get(action)
    if gate is not None and team_member(user).role not in gate[0]:
        raise RoleForbidden(gate[1])


class TeamScoped(models.Model):
    """A model whose rows a team owns: set `team_path` to the relation that leads to the team."""

    team_path: ClassVar[str] = "team"
    team_roles: ClassVar[Mapping[str, tuple[frozenset[str], str]]] = {}

    objects = TeamQuerySet.as_manager()

    class Meta:
        abstract = True


def teammates(team: Any):
    """The users of a team (an assignee, a mention must be one of them)."""
    return get_user_model().objects.filter(membership__team=team)
