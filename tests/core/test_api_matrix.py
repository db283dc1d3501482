"""The shared API matrix: every endpoint under /api/, as every principal (signed out, in no team, the other
team, each role, API keys), answers what its registration says; a refused call changes nothing, and
no answer shows team Blue's rows to anyone outside Blue, or organisation Exchange's outside Exchange. An
endpoint no app registers fails the matrix.

Each app registers its endpoints in `tests/<app>/matrix.py` (`ENDPOINTS`); the parts are in
tests/core/api_matrix.py. One database and one graph per principal; each call makes its own target rows."""

import importlib
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from investigations.models import Membership, Team
from screening.keys import key_issue
from screening.models import Organisation
from tests.chain.conftest import chain_graph, ingest  # noqa: F401 - the hand-built chain's fixtures
from tests.core.api_matrix import (
    OWN_ORGANISATION,
    OWN_TEAM,
    PRINCIPALS,
    Endpoint,
    Principal,
    Role,
    database_state,
    expected,
    graph_tags,
    leaks,
)
from tests.core.matrix_world import World
from tests.investigations.conftest import people  # noqa: F401 - two teams of investigators
from tests.investigations.test_exploration import flows  # noqa: F401 - the hand-built chain

TESTS = Path(__file__).resolve().parents[1]
METHODS = ("get", "post", "put", "patch", "delete")


def registered() -> list[Endpoint]:
    """Every app's `ENDPOINTS`, from each tests/<app>/matrix.py."""
    found = []
    for module in sorted(TESTS.glob("*/matrix.py")):
        found += importlib.import_module(f"tests.{module.parent.name}.matrix").ENDPOINTS
    return found


ENDPOINTS = registered()


def api_routes(patterns=None, prefix: str = "") -> set[tuple[str, str]]:
    """(URL name, method) of every view under /api/, from the resolver itself."""
    routes = set()
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            routes |= api_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and (prefix + str(entry.pattern)).lstrip("^").startswith("api/"):
            view = getattr(entry.callback, "view_class", None) or getattr(entry.callback, "cls", None)
            routes |= {(entry.name, method) for method in METHODS if hasattr(view, method)}
    return routes


def test_every_api_endpoint_is_registered_in_the_matrix_once():
    keys = [endpoint.key for endpoint in ENDPOINTS]
    assert len(keys) == len(set(keys)), "an endpoint registered twice"
    routes = api_routes()
    assert len(routes) > 50, "the resolver walk found the API"
    assert sorted(routes - set(keys)) == [], "register these in tests/<app>/matrix.py"
    assert sorted(set(keys) - routes) == [], "registered, but no such endpoint"


def test_the_expected_answers_follow_the_rules():
    by_name = {who.name: who for who in PRINCIPALS}
    decide = next(e for e in ENDPOINTS if e.key == ("approval-decide", "post"))
    answers = {name: expected(decide, who) for name, who in by_name.items()}
    assert answers == {
        "anonymous": 403, "no team": 403, "other team's analyst": 404, "other team's supervisor": 404,
        "analyst": 403, "supervisor": 200, "admin": 200, "key": 403, "other organisation's key": 403,
        "screen-only key": 403,
    }  # fmt: skip
    release = next(e for e in ENDPOINTS if e.key == ("transfer-release", "post"))
    callers = ("analyst", "key", "other organisation's key", "screen-only key")
    assert [expected(release, by_name[name]) for name in callers] == [401, 200, 404, 403]


@pytest.fixture
def principals_ready(people, settings, tmp_path):  # noqa: F811 - pytest passes the fixture imported above
    """People of both teams (and an admin of Blue's), and keys of two organisations."""
    settings.MEDIA_ROOT = tmp_path / "media"
    people["ada"] = get_user_model().objects.create_user("ada", password="a long test password")
    Membership.objects.create(user=people["ada"], team=Team.objects.get(name=OWN_TEAM), role=Role.ADMIN)
    organisations = {name: Organisation.objects.create(name=name) for name in (OWN_ORGANISATION, "Other")}
    keys = {
        who.name: key_issue(organisation=organisations[who.organisation], name=who.name, scopes=list(who.scopes))
        for who in PRINCIPALS
        if who.organisation
    }
    return people, keys


def client_as(who: Principal, users: dict, keys: dict) -> APIClient:
    client = APIClient()
    if who.user:
        client.force_login(users[who.user])
    if who.organisation:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {keys[who.name]}")
    return client


def call(endpoint: Endpoint, world: World, client: APIClient):
    """The URL and payload are built first: the rows they make are not the call's doing."""
    url = endpoint.path(world)
    payload = endpoint.payload(world) if endpoint.payload else None
    before = (database_state(), graph_tags(world.store))
    response = getattr(client, endpoint.method)(url, payload, format=endpoint.format)
    return url, response, before


def body(response) -> bytes:
    if not response.streaming:
        return response.content
    return b"".join(response.streaming_content)  # read to the end, the test client closes the file


@pytest.mark.django_db
@pytest.mark.parametrize("who", PRINCIPALS, ids=[who.name for who in PRINCIPALS])
def test_every_endpoint_answers_each_principal_as_registered(who, principals_ready, flows, tmp_path):  # noqa: F811
    users, keys = principals_ready
    store, tx1, _ = flows
    world = World(users, store, tx1, tmp_path)
    wrong = []
    for endpoint in ENDPOINTS:
        url, response, before = call(endpoint, world, client_as(who, users, keys))
        content = body(response)
        answer = f"{endpoint.method.upper()} {url}: {response.status_code} {content[:300]!r}"
        if response.status_code != expected(endpoint, who):
            wrong.append(f"wanted {expected(endpoint, who)}, got {answer}")
        if response.status_code >= 400 and (database_state(), graph_tags(store)) != before:
            wrong.append(f"refused, but the database changed: {answer}")
        if shown := leaks(who, content):
            wrong.append(f"shows rows marked {shown} that are not theirs: {answer}")
    assert wrong == []
