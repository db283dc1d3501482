"""Webhooks as a product: registered through the API, the command and the admin; every delivery signed and
carrying its event's id and its own; destinations inside our network refused at registration and again at
delivery, after DNS; redirects never followed; and no import circle between screening's tasks and services."""

import ast
import json
import os
import re
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from screening.keys import key_issue
from screening.models import Organisation, Transfer, Webhook
from screening.webhooks import (
    DELIVERY_ID_HEADER,
    EVENT_ID_HEADER,
    HEADER,
    DeliveryFailed,
    delivery_attempt,
    signature_verify,
    webhooks_notify,
)
from tests.screening.test_screening import client

pytestmark = pytest.mark.django_db
SECRET = "whsec-test-0123456789"
SCREENING = Path(__file__).resolve().parents[2] / "screening"


class Receiver:
    """A receiver on a free loopback port: answers each POST with the next (status, headers) in `answers`,
    then 200; keeps every request's headers and body."""

    def __init__(self, answers: list[tuple[int, dict[str, str]]]):
        self.answers, self.received = list(answers), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                code, headers = receiver.answers.pop(0) if receiver.answers else (200, {})
                self.send_response(code)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    made = []
    yield lambda *answers: made.append(Receiver(list(answers))) or made[-1]
    for one in made:
        one.server.shutdown()


@pytest.fixture
def exchange(graph):
    """`graph` starts the embedded server, which keys' rate limits live in."""
    return Organisation.objects.create(name="Exchange")


@pytest.fixture
def hooks_key(exchange):
    return key_issue(organisation=exchange, name="hooks", scopes=["webhooks"])


def test_an_exchange_registers_changes_and_removes_a_webhook_with_its_key(hooks_key, receiver):
    hook = receiver()
    made = client(hooks_key).post("/api/v1/webhooks", {"url": hook.url, "description": "alerts"}, format="json")
    assert made.status_code == 201
    assert made.json()["secret"].startswith("whsec_")
    row = Webhook.objects.get(id=made.json()["id"])
    assert (row.url, row.description, row.active, row.secret) == (hook.url, "alerts", True, made.json()["secret"])
    listed = client(hooks_key).get("/api/v1/webhooks")
    assert listed.status_code == 200
    assert [one["id"] for one in listed.json()] == [row.id]
    assert "secret" not in listed.json()[0], "a secret is shown once, when made"

    paused = client(hooks_key).patch(f"/api/v1/webhooks/{row.id}", {"active": False}, format="json")
    assert paused.status_code == 200
    row.refresh_from_db()
    assert row.active is False
    assert client(hooks_key).delete(f"/api/v1/webhooks/{row.id}").status_code == 204
    assert not Webhook.objects.filter(id=row.id).exists()


def test_it_refuses_another_organisations_webhook_and_keys_without_the_scope(exchange, hooks_key, receiver):
    theirs = Webhook.objects.create(
        organisation=Organisation.objects.create(name="Other"), url=receiver().url, secret=SECRET
    )
    for call in (
        lambda api: api.get(f"/api/v1/webhooks/{theirs.id}"),
        lambda api: api.patch(f"/api/v1/webhooks/{theirs.id}", {"url": "http://93.184.216.34/"}, format="json"),
        lambda api: api.delete(f"/api/v1/webhooks/{theirs.id}"),
        lambda api: api.get(f"/api/v1/webhooks/{theirs.id}/deliveries"),
        lambda api: api.post(f"/api/v1/webhooks/{theirs.id}/test"),
    ):
        assert call(client(hooks_key)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.url.startswith("http://127.0.0.1")
    assert not theirs.deliveries.exists()
    assert client(hooks_key).get("/api/v1/webhooks").json() == []
    screen_only = key_issue(organisation=exchange, name="s", scopes=["screen"])
    assert client(screen_only).get("/api/v1/webhooks").status_code == 403


def test_a_test_event_is_signed_and_carries_its_event_id_and_delivery_id(exchange, hooks_key, receiver):
    hook = receiver()
    row = Webhook.objects.create(organisation=exchange, url=hook.url, secret=SECRET)
    sent = client(hooks_key).post(f"/api/v1/webhooks/{row.id}/test")
    assert sent.status_code == 200
    assert (sent.json()["status"], sent.json()["last_status_code"], sent.json()["attempts"]) == ("delivered", 200, 1)
    ((headers, body),) = hook.received
    assert signature_verify(SECRET, headers[HEADER], body)
    event = json.loads(body)
    assert event["event"] == "webhook.test"
    assert event["event_id"] == headers[EVENT_ID_HEADER] == sent.json()["event_id"]
    assert event["delivery_id"] == headers[DELIVERY_ID_HEADER] == sent.json()["delivery_id"]
    log = client(hooks_key).get(f"/api/v1/webhooks/{row.id}/deliveries")
    assert log.status_code == 200
    assert [(one["event"], one["status"]) for one in log.json()] == [("webhook.test", "delivered")]


def test_one_event_has_one_id_across_webhooks_and_retries(
    exchange, hooks_key, receiver, django_capture_on_commit_callbacks
):
    first, second = receiver((500, {})), receiver()
    for hook in (first, second):
        Webhook.objects.create(organisation=exchange, url=hook.url, secret=SECRET)
    with django_capture_on_commit_callbacks() as queued:
        deliveries = webhooks_notify(organisation=exchange, event="transfer.hold", payload={"transfer": 7})
    assert len(queued) == 2, "one delivery per webhook, queued once the event commits"
    with pytest.raises(DeliveryFailed):
        delivery_attempt(deliveries[0].id)  # the first receiver answers 500
    for delivery in deliveries:
        assert delivery_attempt(delivery.id).status == "delivered"
    bodies = [json.loads(body) for _, body in first.received + second.received]
    assert len({body["event_id"] for body in bodies}) == 1, "the same event, whichever webhook or attempt"
    assert [body["delivery_id"] for body in bodies[:2]] == [str(deliveries[0].delivery_id)] * 2, "a retry"
    assert bodies[2]["delivery_id"] == str(deliveries[1].delivery_id) != bodies[0]["delivery_id"]
    log = client(hooks_key).get(f"/api/v1/webhooks/{deliveries[0].webhook_id}/deliveries").json()
    assert (log[0]["attempts"], log[0]["last_status_code"], log[0]["last_error"]) == (2, 200, "")


REFUSED = [
    ("http://127.0.0.1:8000/hook", "loopback"),
    ("http://localhost/hook", "loopback"),
    ("http://[::1]/hook", "loopback"),
    ("http://[::ffff:127.0.0.1]/hook", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://[fd00:ec2::254]/", "metadata"),
    ("http://169.254.10.10/", "link-local"),
    ("http://10.1.2.3/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://224.0.0.251/", "multicast"),
    ("http://0.0.0.0/", "unspecified"),
    ("ftp://93.184.216.34/", "only http and https"),
    ("http://93.184.216.34:99999/", "port"),
    ("http://93.184.216.34/a\u00e9b", "ASCII"),
    ("http://user:pw@93.184.216.34/", "credentials"),
]


@override_settings(WEBHOOK_ALLOWED_HOSTS=[])
@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_it_refuses_internal_destinations_by_kind(hooks_key, url, reason):
    refused = client(hooks_key).post("/api/v1/webhooks", {"url": url}, format="json")
    assert refused.status_code == 400
    assert reason in refused.json()["url"][0]
    assert not Webhook.objects.exists()


@override_settings(WEBHOOK_ALLOWED_HOSTS=[])
def test_it_accepts_a_public_address(hooks_key):
    made = client(hooks_key).post("/api/v1/webhooks", {"url": "https://93.184.216.34/hooks"}, format="json")
    assert made.status_code == 201
    assert Webhook.objects.get().url == "https://93.184.216.34/hooks"


def test_it_refuses_our_own_redis_port_even_on_an_allowed_host(hooks_key):
    url = f"http://127.0.0.1:{settings.EMBEDDED_PORT}/"
    refused = client(hooks_key).post("/api/v1/webhooks", {"url": url}, format="json")
    assert refused.status_code == 400
    assert "Redis" in refused.json()["url"][0]
    assert not Webhook.objects.exists()


def test_a_redirect_to_an_internal_url_is_not_followed_and_the_delivery_fails(exchange, receiver):
    internal = receiver()
    hook = receiver((302, {"Location": f"{internal.url}/admin"}))
    row = Webhook.objects.create(organisation=exchange, url=hook.url, secret=SECRET)
    (delivery,) = webhooks_notify(organisation=exchange, event="transfer.hold", payload={"transfer": 1})
    delivered = delivery_attempt(delivery.id)  # no DeliveryFailed: a redirect is final, not retried
    delivered.refresh_from_db()
    assert (delivered.status, delivered.last_status_code, delivered.attempts) == ("failed", 302, 1)
    assert "redirects are not followed" in delivered.last_error
    assert internal.received == [], "the redirect's target was never called"
    assert len(hook.received) == 1
    assert row.deliveries.count() == 1


def test_a_name_that_resolves_to_loopback_is_refused_at_delivery(exchange, receiver):
    hook = receiver()
    row = Webhook.objects.create(organisation=exchange, url=f"http://localhost:{hook.port}/hook", secret=SECRET)
    (delivery,) = webhooks_notify(organisation=exchange, event="transfer.hold", payload={"transfer": 1})
    with override_settings(WEBHOOK_ALLOWED_HOSTS=[]):
        refused = delivery_attempt(delivery.id)
    refused.refresh_from_db()
    assert (refused.status, refused.attempts, refused.last_status_code) == ("failed", 1, None)
    assert "loopback" in refused.last_error
    assert hook.received == []
    assert row.deliveries.get().status == "failed"


def test_each_delivery_checks_the_name_again_and_connects_to_the_address_it_checked(exchange, receiver, monkeypatch):
    """A DNS rebind: the name resolves to an allowed address, then to an internal one. Each delivery resolves
    it once, checks that answer and connects to it; a second lookup would fail the test."""
    hook = receiver()
    answers = [[("10.66.66.66", hook.port)], [("127.0.0.1", hook.port)]]
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        if host != "hooks.rebind.test":
            return real(host, port, *args, **kwargs)
        if not answers:
            raise socket.gaierror("looked up more often than deliveries were attempted")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", where) for where in answers.pop()]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    Webhook.objects.create(organisation=exchange, url=f"http://hooks.rebind.test:{hook.port}/hook", secret=SECRET)
    first, second = (
        webhooks_notify(organisation=exchange, event="transfer.hold", payload={"transfer": n})[0] for n in (1, 2)
    )
    assert delivery_attempt(first.id).status == "delivered"
    ((headers, _),) = hook.received
    assert headers["Host"] == f"hooks.rebind.test:{hook.port}"
    refused = delivery_attempt(second.id)  # the name now points inside: refused, not retried
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert "private address (10.66.66.66)" in refused.last_error
    assert len(hook.received) == 1
    assert answers == []


def test_the_command_adds_lists_tests_and_removes_a_webhook(exchange, receiver, capsys):
    hook = receiver()
    call_command("screening", "webhook", "add", "Exchange", hook.url, "--description", "ops")
    row = Webhook.objects.get()
    assert (row.url, row.description) == (hook.url, "ops")
    assert row.secret in capsys.readouterr().out
    call_command("screening", "webhook", "list", "Exchange")
    assert hook.url in capsys.readouterr().out
    call_command("screening", "webhook", "test", str(row.id))
    assert capsys.readouterr().out.startswith("delivered: HTTP 200")
    assert row.deliveries.get().event == "webhook.test"
    with override_settings(WEBHOOK_ALLOWED_HOSTS=[]), pytest.raises(CommandError, match="loopback"):
        call_command("screening", "webhook", "add", "Exchange", "http://127.0.0.1/x")
    call_command("screening", "webhook", "remove", str(row.id))
    assert not Webhook.objects.exists()


def test_the_admin_lists_transfers_webhooks_and_read_only_deliveries(admin_client, exchange, receiver):
    row = Webhook.objects.create(organisation=exchange, url=receiver().url, secret=SECRET)
    (delivery,) = webhooks_notify(organisation=exchange, event="transfer.hold", payload={"transfer": 1})
    Transfer.objects.create(organisation=exchange, direction="deposit", address="bc1qexample", amount=1)
    for page, shows in (
        ("/admin/screening/transfer/", "bc1qexample"),
        ("/admin/screening/webhook/", row.url),
        ("/admin/screening/webhookdelivery/", "transfer.hold"),
    ):
        answer = admin_client.get(page)
        assert answer.status_code == 200
        assert shows in answer.content.decode()
    change = admin_client.post(f"/admin/screening/webhookdelivery/{delivery.id}/change/", {"status": "delivered"})
    assert change.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "pending"


def test_the_admin_refuses_an_internal_webhook_url(admin_client, exchange):
    with override_settings(WEBHOOK_ALLOWED_HOSTS=[]):
        answer = admin_client.post(
            "/admin/screening/webhook/add/",
            {"organisation": exchange.id, "url": "http://169.254.169.254/", "description": "", "active": "on"},
        )
    assert answer.status_code == 200, "the form comes back with the error"
    assert "cloud metadata" in answer.content.decode()
    assert not Webhook.objects.exists()


TASK_MODULES = sorted(Path(SCREENING).parent.glob("*/tasks.py"))
RETRIES = {"screening.retries", "investigations.retries"}  # the errors a task retries on: no service in them


@pytest.mark.parametrize("path", TASK_MODULES, ids=lambda path: path.parent.name)
def test_a_tasks_module_imports_none_of_our_modules_at_its_top_so_services_may_import_it(path):
    """HackSoft's direction: a task imports its service in its body; services import the task module."""
    ours = {"app", "chain", "core", "graph", "graphml", "investigations", "screening", "tagpack"}
    top = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            top.append(node.module)
        elif isinstance(node, ast.Import):
            top.extend(alias.name for alias in node.names)
    loaded = [name for name in top if name.split(".")[0] in ours and name not in RETRIES | {"graph.errors"}]
    assert loaded == []


def test_services_start_screening_tasks_through_the_task_module_not_by_name():
    senders = [path.name for path in sorted(SCREENING.rglob("*.py")) if "send_task(" in path.read_text()]
    assert senders == []
    assert not (SCREENING / "queue.py").exists()


CIRCLE = ["screening.tasks", "screening.transfers", "screening.webhooks", "screening.anomalies", "screening.receivers"]


def _python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("first", CIRCLE)
def test_the_modules_once_in_a_circle_import_in_any_order_in_a_fresh_interpreter(first):
    rest = [module for module in CIRCLE if module != first]
    done = _python("\n".join(["import django", "django.setup()", *(f"import {name}" for name in [first, *rest])]))
    assert done.returncode == 0, f"importing {first} first: {done.stderr[-2000:]}"


# What a task module may load besides itself: the errors it retries on, the graph store's errors, settings.
TASK_MAY_LOAD = re.compile(
    r"[a-z]+|[a-z]+\.(tasks|retries)|graph\..*|app\.(celery|settings|env|local_secrets)|tests\.settings"
)


@pytest.mark.parametrize("path", TASK_MODULES, ids=lambda path: path.parent.name)
def test_importing_a_tasks_module_loads_no_service_even_before_django_is_set_up(path):
    """So a service's top-level import of its tasks can never close a circle, and costs nothing."""
    ours = ("app", "chain", "core", "graph", "graphml", "investigations", "screening", "tagpack", "tests")
    code = f"import sys, {path.parent.name}.tasks\nprint(*sorted(m for m in sys.modules if m.split('.')[0] in {ours}))"
    done = _python(code)
    assert done.returncode == 0, done.stderr[-2000:]
    services = [name for name in done.stdout.split() if not TASK_MAY_LOAD.fullmatch(name)]
    assert services == []


@pytest.mark.slow
def test_generated_webhook_requests_get_no_5xx_and_answers_match_the_schema(exchange):
    """Schemathesis on the webhook operations, with a key that may call them (the investigators' schema test
    calls them without one)."""
    import schemathesis
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections
    from hypothesis import HealthCheck, given
    from hypothesis import settings as examples
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    key = key_issue(organisation=exchange, name="fuzz", scopes=["webhooks"], rate_per_minute=100_000)
    Webhook.objects.create(organisation=exchange, url="http://127.0.0.1:9/closed", secret=SECRET)  # id 1
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
        operations = [op.ok() for op in schema.get_all_operations() if op.ok().path.startswith("/api/v1/webhooks")]
        assert len(operations) == 7
        for operation in operations:

            @given(case=operation.as_strategy())
            @examples(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def check(case):
                case.call_and_validate(
                    headers={"Authorization": f"Bearer {key}"}, excluded_checks=[positive_data_acceptance]
                )

            check()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
