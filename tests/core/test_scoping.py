"""Team scoping: reads of a team's rows go through `TeamQuerySet.for_user` (core/scoping.py), no other
module filters by team on its own, and no user-facing module reads a team's model without it, so a new
read cannot forget the team."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from core.scoping import RoleForbidden, TeamScoped
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


SCOPED = {"for_user", "for_team", "get_for_user"}  # a chain through one of these reads one team's rows


def team_scoped_models() -> set[str]:
    return {model.__name__ for model in apps.get_models() if issubclass(model, TeamScoped)}


def user_facing(path: Path) -> bool:
    """What a request reaches: the API modules (`*/api/*.py`, `*/api*.py`), views and selectors."""
    folders = path.relative_to(REPO).parts[:-1]
    return path.name in ("views.py", "selectors.py") or path.name.startswith("api") or "api" in folders


def unscoped_reads(source: str, models: set[str]) -> list[str]:
    """Each `Model.objects…` of a model in `models` whose chain of calls passes through no scoped read
    (and is not a create), as `line: Model.objects.filter.first`."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if _manager(node) in models and not _scoped(chain := _chain(node, parents)):
            found.append((node.lineno, ".".join([f"{node.lineno}: {node.value.id}", "objects", *chain])))
    return [text for _, text in sorted(found)]


def _manager(node: ast.AST) -> str | None:
    is_manager = isinstance(node, ast.Attribute) and node.attr == "objects" and isinstance(node.value, ast.Name)
    return node.value.id if is_manager else None


def _chain(node: ast.AST, parents: dict) -> list[str]:
    """The methods called on `node` in the one expression: `X.objects.filter(…).first()` gives filter, first."""
    names = []
    while True:
        above = parents.get(node)
        if isinstance(above, ast.Attribute) and above.value is node:
            names.append(above.attr)
        elif not (isinstance(above, ast.Call) and above.func is node):
            return names
        node = above


def _scoped(chain: list[str]) -> bool:
    return bool(SCOPED & set(chain)) or chain[:1] == ["create"]


def test_the_check_sees_an_unscoped_read_of_a_teams_model():
    source = (
        "Case.objects.filter(id=1).first()\nAlert.objects.get(id=2)\nnotes = Note.objects\n"
        "Case.objects.for_user(user).filter(id=1)\nCase.objects.select_for_update().get_for_user(user, id=1)\n"
        "Alert.objects.for_team(team).count()\nCase.objects.create(title='t')\nTransfer.objects.filter(id=1)"
    )
    found = unscoped_reads(source, {"Case", "Alert", "Note"})
    assert found == ["1: Case.objects.filter.first", "2: Alert.objects.get", "3: Note.objects"]


def test_no_user_facing_module_reads_a_teams_model_unscoped():
    """A view or selector that reads `Case.objects.filter(id=…)` would show another team's case."""
    models = team_scoped_models()
    assert {"Case", "Alert", "Approval", "Report", "Watchlist"} <= models
    modules = [path for app in APPS for path in sorted((REPO / app).rglob("*.py")) if user_facing(path)]
    named = {str(path.relative_to(REPO)) for path in modules}
    assert {"investigations/api/views.py", "investigations/selectors.py", "screening/api.py", "graphml/api.py"} <= named
    offenders = {
        str(path.relative_to(REPO)): found for path in modules if (found := unscoped_reads(path.read_text(), models))
    }
    assert offenders == {}, "read through Model.objects.for_user(user) (or get_for_user)"


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


@pytest.mark.django_db
def test_another_teams_row_is_missing_by_its_id_and_where_it_was_looked_for(people, blue_case):  # noqa: F811
    with pytest.raises(Case.DoesNotExist, match=rf"^no case {blue_case.id}$"):
        Case.objects.get_for_user(people["olga"], id=blue_case.id)
    with pytest.raises(Note.DoesNotExist, match=rf"^no note 999 in case {blue_case.id}$"):
        Note.objects.get_for_user(people["sam"], id=999, case_id=blue_case.id)
