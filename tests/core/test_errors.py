"""The errors contract (core/errors.py): every domain error is a ChainSleuthError, and the one API handler
answers each base with its status and {"detail": ...}, as a client meets it through real endpoints. And
no service catches ValueError around a call into our own code, which would swallow a domain error (as
graphml's retrain once swallowed GraphParameterError)."""

import ast
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from chain.simulator.run import WorldSpecError
from core.errors import ChainSleuthError, Conflict, Forbidden, NotFound
from graph import GraphParameterError
from graphml.dataset import NothingToLearn
from graphml.elliptic import EllipticError
from graphml.registry import RegistryError
from graphml.services import LabelingScopeError
from investigations.audit.log import UnknownEvent
from investigations.evidence import EvidenceError
from investigations.services import (
    CaseConflict,
    CaseError,
    CaseForbidden,
    UnknownSubject,
    approval_request,
    case_create,
    case_transition,
)
from investigations.tagging import TagError, TagForbidden
from screening.keys import key_issue
from screening.models import Organisation, Transfer
from screening.transfers import TransferConflict, TransferError
from tagpack import TagPackError
from tests.chain.conftest import chain_graph  # noqa: F401 - a graph of its own for each test
from tests.investigations.conftest import people  # noqa: F401 - two teams of investigators

ROOT = Path(__file__).resolve().parents[2]
APPS = ("app", "chain", "core", "graph", "graphml", "investigations", "screening", "tagpack")
API = "/api/v1"


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def exchange_key(db):
    exchange = Organisation.objects.create(name="Exchange")
    return exchange, key_issue(organisation=exchange, name="ops", scopes=["transfers"])


def keyed(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.mark.parametrize(
    ("error", "base", "status"),
    [
        (CaseError, ChainSleuthError, 400),
        (CaseConflict, Conflict, 409),
        (UnknownSubject, NotFound, 404),
        (CaseForbidden, Forbidden, 403),
        (TransferError, ChainSleuthError, 400),
        (TransferConflict, Conflict, 409),
        (TagError, ChainSleuthError, 400),
        (TagForbidden, Forbidden, 403),
        (EvidenceError, ChainSleuthError, 400),
        (RegistryError, ChainSleuthError, 400),
        (EllipticError, ChainSleuthError, 400),
        (TagPackError, ChainSleuthError, 400),
        (NothingToLearn, ChainSleuthError, 400),
    ],
)
def test_every_domain_error_has_a_base_and_its_status(error, base, status):
    assert issubclass(error, base)
    assert error.status == status


def test_a_graph_parameter_error_is_not_a_shortage_of_labels():
    """The retrain skips NothingToLearn only; a value the graph cannot hold must reach the job's log."""
    assert not issubclass(GraphParameterError, NothingToLearn)
    assert issubclass(NothingToLearn, ValueError), "a job still records it FAILED, as any ValueError"


@pytest.mark.django_db
def test_a_chainsleuth_error_is_a_400_with_its_message(exchange_key):
    _, key = exchange_key
    body = {"direction": "deposit", "address": "not an address", "amount": 1}
    answer = keyed(key).post(f"{API}/transfers", body, format="json")
    assert answer.status_code == 400, answer.content
    assert list(answer.json()) == ["detail"]
    assert answer.json()["detail"].startswith("address: ")
    assert not Transfer.objects.exists()


@pytest.mark.django_db
def test_a_conflict_is_a_409(exchange_key):
    exchange, key = exchange_key
    transfer = Transfer.objects.create(organisation=exchange, direction="deposit", address="bc1qx", amount=1)
    answer = keyed(key).post(f"{API}/transfers/{transfer.id}/release", {"reason": "cleared"}, format="json")
    assert answer.status_code == 409, answer.content
    assert answer.json() == {"detail": f"transfer {transfer.id} has no open hold"}


@pytest.mark.django_db
def test_a_not_found_is_a_404(people, chain_graph):  # noqa: F811
    case = case_create(user=people["ana"], title="Peel chain")
    url = f"{API}/cases/{case.id}/subjects/"
    answer = signed_in(people["ana"]).post(url, {"kind": "address", "ref": "bc1qnotthere"}, format="json")
    assert answer.status_code == 404, answer.content
    assert answer.json() == {"detail": "unknown address 'bc1qnotthere': the graph has no such address"}


@pytest.mark.django_db
def test_a_forbidden_is_a_403_and_changes_nothing(people, chain_graph):  # noqa: F811
    case = case_create(user=people["sam"], title="Four eyes")
    case_transition(user=people["sam"], case_id=case.id, to="in_progress")
    case_transition(user=people["sam"], case_id=case.id, to="confirmed")
    approval = approval_request(user=people["sam"], case_id=case.id, action="close")
    answer = signed_in(people["sam"]).post(f"{API}/approvals/{approval.id}/decide/", {"approve": True}, format="json")
    assert answer.status_code == 403, answer.content
    assert answer.json() == {"detail": "four eyes: whoever asked cannot approve"}
    approval.refresh_from_db()
    assert approval.status == "pending"


def _ours(tree: ast.Module) -> set[str]:
    """Names this module imported from our own apps: calling one is a domain call."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in APPS:
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names if a.name.split(".")[0] in APPS)
    return names


def _domain_calls(body: list[ast.stmt], ours: set[str]) -> list[str]:
    called = []
    for node in (inner for statement in body for inner in ast.walk(statement)):
        if isinstance(node, ast.Call):
            target = node.func.value if isinstance(node.func, ast.Attribute) else node.func
            if isinstance(target, ast.Name) and target.id in ours:
                called.append(ast.unparse(node.func))
    return called


def _value_error_guards(source: str) -> list[tuple[int, list[str]]]:
    """(line, domain calls) of every `except ValueError` (alone or in a tuple) whose try calls our code."""
    tree = ast.parse(source)
    ours, found = _ours(tree), []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        for handler in node.handlers:
            caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            catches = any(isinstance(name, ast.Name) and name.id == "ValueError" for name in caught)
            if catches and (calls := _domain_calls(node.body, ours)):
                found.append((handler.lineno, calls))
    return found


def test_the_check_finds_a_value_error_around_a_domain_call():
    """The shape graphml's retrain had: it must be caught, or the check below proves nothing."""
    swallowing = "from graphml.runs import train_run\ntry:\n    train_run()\nexcept ValueError:\n    pass\n"
    parsing = "try:\n    int(text)\nexcept ValueError:\n    pass\n"
    assert _value_error_guards(swallowing) == [(4, ["train_run"])]
    assert _value_error_guards(parsing) == []


def test_no_service_catches_value_error_around_a_domain_call():
    """Parsing a value (int(), numpy, ipaddress) may catch ValueError; a call into our code raises a domain
    error, which is caught by its class. Management commands are the CLI's boundary, not services."""
    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if {"migrations", "management"} & set(path.parts):
                continue
            for line, calls in _value_error_guards(path.read_text()):
                offenders.append(f"{path.relative_to(ROOT)}:{line} around {', '.join(calls)}")
    assert offenders == []


def test_no_management_command_catches_value_error_around_a_domain_call():
    """The CLI's boundary too: a command turns our errors into a CommandError by their class, so an error it
    did not expect (a graph's parameter error, a bug) still shows its traceback."""
    offenders = []
    for path in sorted(ROOT.glob("*/management/commands/*.py")):
        for line, calls in _value_error_guards(path.read_text()):
            offenders.append(f"{path.relative_to(ROOT)}:{line} around {', '.join(calls)}")
    assert offenders == []


@pytest.mark.parametrize(
    ("error", "base"),
    [(LabelingScopeError, ChainSleuthError), (WorldSpecError, ChainSleuthError), (UnknownEvent, NotFound)],
)
def test_the_errors_commands_catch_are_domain_errors_and_still_value_errors(error, base):
    """Still ValueErrors, so callers that caught those (and the job runner's FAILED) behave as before."""
    assert issubclass(error, base)
    assert issubclass(error, ValueError)
