"""The shared API test matrix's parts: what an app registers (`Endpoint`), who calls (`Principal`), the
answer each caller must get (`expected`), and the database's state a refused call must leave unchanged.

Each app's `tests/<app>/matrix.py` lists its endpoints in `ENDPOINTS`; tests/core/test_api_matrix.py
calls every one as every principal and fails when an endpoint under /api/ is not registered. The target
rows belong to team Blue and organisation Exchange; an endpoint's `path` and `payload` build them
from the `World` (fresh rows where a call changes them), so the calls of one principal do not depend on
each other's order.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps

from investigations.models import Membership

Role = Membership.Role
EVERY_ROLE = frozenset(Role.values)
MEMBER, KEY, PUBLIC = "member", "key", "public"  # who an endpoint is for: investigators, API keys, anyone
SECRET = "blue-only"  # every text of team Blue's rows holds it: no other principal's answer may
ORGANISATION_SECRET = "exchange-only"  # the same for organisation Exchange's rows


@dataclass(frozen=True)
class Endpoint:
    """One method on one URL. `name` is the URL's name (the resolver's), `path(world)` the URL to call.
    `audience` MEMBER: a session of a team member; `roles` may, the team's other roles get 403.
    `audience` KEY: an API key holding `scope`. `owned`: the URL names one of the team's (or the
    organisation's) rows, so another team (organisation) gets 404; otherwise another team's member is
    just another member and gets `ok` for its own team."""

    name: str
    method: str
    path: Callable[[Any], str]
    ok: int = 200
    payload: Callable[[Any], dict] | None = None
    audience: str = MEMBER
    roles: frozenset = EVERY_ROLE
    owned: bool = True
    scope: str = ""
    format: str = "json"

    @property
    def key(self) -> tuple[str, str]:
        return self.name, self.method


@dataclass(frozen=True)
class Principal:
    """A caller: a user of a team (`team`, `role`), a user in no team, nobody signed in, or an API key of
    an organisation with `scopes`."""

    name: str
    user: str | None = None
    team: str | None = None
    role: str | None = None
    organisation: str | None = None
    scopes: tuple[str, ...] = ()


OWN_TEAM, OWN_ORGANISATION = "Blue", "Exchange"
PRINCIPALS = [
    Principal("anonymous"),
    Principal("no team", user="nobody"),
    Principal("other team's analyst", user="olga", team="Red", role=Role.ANALYST),
    Principal("other team's supervisor", user="otto", team="Red", role=Role.SUPERVISOR),
    Principal("analyst", user="ana", team=OWN_TEAM, role=Role.ANALYST),
    Principal("supervisor", user="sam", team=OWN_TEAM, role=Role.SUPERVISOR),
    Principal("admin", user="ada", team=OWN_TEAM, role=Role.ADMIN),
    Principal("key", organisation=OWN_ORGANISATION, scopes=("screen", "transfers", "webhooks")),
    Principal("other organisation's key", organisation="Other", scopes=("screen", "transfers", "webhooks")),
    Principal("screen-only key", organisation=OWN_ORGANISATION, scopes=("screen",)),
]


def expected(endpoint: Endpoint, who: Principal) -> int:
    """The status `who` must get from `endpoint`: 401/403 without the right credentials, 404 for another
    team's (organisation's) row, 403 for a role that may not, `ok` otherwise."""
    if endpoint.audience == PUBLIC:
        return endpoint.ok
    if endpoint.audience == KEY:
        if who.organisation is None:
            return 401  # a session or no one: screening answers only keys
        if endpoint.scope not in who.scopes:
            return 403
        return 404 if endpoint.owned and who.organisation != OWN_ORGANISATION else endpoint.ok
    if who.team is None:
        return 403  # signed out, in no team, or a key (the investigator API takes no keys)
    if endpoint.owned and who.team != OWN_TEAM:
        return 404
    return endpoint.ok if who.role in endpoint.roles else 403


def leaks(who: Principal, content: bytes) -> list[str]:
    """The markers of rows `who` may not see that `content` shows."""
    hidden = [(SECRET, who.team == OWN_TEAM), (ORGANISATION_SECRET, who.organisation == OWN_ORGANISATION)]
    return [marker for marker, theirs in hidden if not theirs and marker.encode() in content]


FINGERPRINT_APPS = ("investigations", "screening", "graphml", "chain")
NOT_FINGERPRINTED = {"ApiKey", "RequestLog"}  # a key's last use and the request log change on every call


def database_state() -> dict[str, list[dict]]:
    """Every row of our apps' tables (but the per-request bookkeeping), to compare around a refused call."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for name in FINGERPRINT_APPS
        for model in apps.get_app_config(name).get_models()
        if model.__name__ not in NOT_FINGERPRINTED
    }


def graph_tags(store) -> list[dict]:
    """The tags in the graph: a refused tag change leaves them as they were."""
    return store.read(
        "MATCH (t:Tag) RETURN t.key AS key, t.pack AS pack, t.visibility AS visibility ORDER BY key, pack"
    )
