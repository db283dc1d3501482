"""Team scoping: reads of a team's rows go through `TeamQuerySet.for_user` (core/scoping.py), and no other
module filters by team on its own, so a new read cannot forget the team."""

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from core.scoping import RoleForbidden
from investigations.models import Alert, Approval, Case, Note, WatchEntry, Watchlist
from investigations.services import approval_request, case_create, case_transition, note_add
from tests.investigations.conftest import people  # noqa: F401 - two teams of investigators

REPO = Path(__file__).resolve().parents[2]
# Every package of ours but core (which holds the one filter) and the tests.
APPS = sorted(p.parent.name for p in REPO.glob("*/__init__.py") if p.parent.name not in ("core", "tests"))
LOOKUPS = {"filter", "exclude", "get", "get_or_create", "update_or_create", "Q"}


def team_lookup(name: str) -> bool:
    """`team=`, `team__name=`, `case__team=`, `membership__team__in=`: a keyword that filters by team."""
    return any(part in ("team", "team_id") for part in name.split("__"))


def team_filters(source: str) -> list[str]:
    """Each ORM lookup in `source` that names a team relation, as `line: call(keyword)`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if called not in LOOKUPS:
            continue
        found += [f"{node.lineno}: {called}({kw.arg}=…)" for kw in node.keywords if kw.arg and team_lookup(kw.arg)]
    return found


def test_the_check_sees_a_team_filter_written_by_hand():
    source = "Case.objects.filter(team=team)\nAlert.objects.get(id=1, case__team__name='x')\nQ(watchlist__team=t)"
    assert team_filters(source) == ["1: filter(team=…)", "2: get(case__team__name=…)", "3: Q(watchlist__team=…)"]
    assert team_filters("Case.objects.create(team=team)\nAlert(team=team)\nf(team=team)") == []


def test_no_module_outside_core_filters_by_team_itself():
    """Creating a row with its team (`create(team=…)`, `Alert(team=…)`) is fine; reading by team is not."""
    assert {"investigations", "screening", "graphml", "bench"} <= set(APPS)
    offenders = {
        str(path.relative_to(REPO)): found
        for app in APPS
        for path in sorted((REPO / app).rglob("*.py"))
        if "migrations" not in path.parts and (found := team_filters(path.read_text()))
    }
    assert offenders == {}, "read through Model.objects.for_user(user) (or for_team) instead"


@pytest.fixture
def blue_case(people):  # noqa: F811 - pytest passes the fixture imported above
    case = case_create(user=people["ana"], title="Blue's")
    note_add(user=people["ana"], case_id=case.id, body="seen")
    return case


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Case, Note])
def test_a_user_sees_their_own_teams_rows_only(people, blue_case, model):  # noqa: F811
    assert model.objects.for_user(people["sam"]).count() == 1
    assert model.objects.for_user(people["olga"]).count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Case, Alert, Watchlist, WatchEntry, Approval])
def test_a_user_in_no_team_or_signed_out_is_refused(people, model):  # noqa: F811
    for user in (people["nobody"], AnonymousUser()):
        with pytest.raises(PermissionDenied, match="you are in no team"):
            model.objects.for_user(user)


@pytest.mark.django_db
def test_a_role_gated_action_refuses_the_wrong_role_but_hides_another_teams_row(people, blue_case):  # noqa: F811
    case_transition(user=people["ana"], case_id=blue_case.id, to="in_progress")
    case_transition(user=people["ana"], case_id=blue_case.id, to="confirmed")
    approval = approval_request(user=people["ana"], case_id=blue_case.id, action="close")
    assert Approval.objects.get_for_user(people["sam"], "decide", id=approval.id) == approval
    with pytest.raises(RoleForbidden, match="only a supervisor"):
        Approval.objects.get_for_user(people["ana"], "decide", id=approval.id)
    with pytest.raises(Approval.DoesNotExist):
        Approval.objects.get_for_user(people["otto"], "decide", id=approval.id)


def test_an_action_no_model_declares_is_a_mistake_not_a_refusal():
    with pytest.raises(ValueError, match="Case has no action 'decide'"):
        Case.objects.for_user(None, "decide")
