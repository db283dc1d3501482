"""The OpenAPI schema as an exchange uses it: the interactive docs load nothing from another host, a typed
client generated from the schema screens an address against a live server, and generated requests to the
screening endpoints get no 5xx and no answer the schema does not describe."""

import importlib
import re

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from screening.keys import key_issue
from screening.models import Organisation, Transfer
from tests.investigations.test_exploration import BTC, addr

SCREENING_PATHS = ("/api/v1/screen/", "/api/v1/transfers")


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_interactive_docs_load_nothing_from_another_host(page, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)  # as `serve` and the image do
    browser = Client()  # a new handler: whitenoise reads the collected files when it starts
    answer = browser.get(page)
    assert answer.status_code == 200
    html = answer.content.decode()
    linked = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert linked, "the page names its scripts"
    assert not [url for url in linked if re.match(r"(https?:)?//", url)], f"another host in {linked}"
    scripts = re.findall(r"""<script[^>]+src\s*=\s*["']([^"']+)["']""", html)
    assert scripts
    for url in scripts:
        served = browser.get(url)
        assert served.status_code == 200, url
        assert "javascript" in served["Content-Type"]
        assert len(b"".join(served.streaming_content if served.streaming else [served.content])) > 1000


@pytest.mark.slow
def test_a_client_generated_from_the_schema_screens_an_address(generated_client, flows, live_server):
    """Untagged, so no audit event: a live server's test empties the database, and the audit log refuses."""
    exchange = Organisation.objects.create(name="Generated")
    key = key_issue(organisation=exchange, name="client", scopes=["screen", "transfers"])
    held = Transfer.objects.create(organisation=exchange, direction="deposit", address=addr("B"), amount=BTC)
    models = importlib.import_module("cs_client.models")
    screen = importlib.import_module("cs_client.api.screen.screen_addresses_create")
    transfers = importlib.import_module("cs_client.api.transfers.transfers_list")
    api = generated_client.AuthenticatedClient(base_url=live_server.url, token=key, raise_on_unexpected_status=True)

    answer = screen.sync_detailed(client=api, body=models.ScreenInputRequest(addresses=[addr("B"), "nope"], hops=2))
    assert answer.status_code == 200
    assert answer.headers["RateLimit-Limit"] == "600"
    b, nope = answer.parsed.results
    assert isinstance(b, models.ScreenResultOut)
    assert (b.address, b.risk_level) == (addr("B"), models.RiskLevelEnum.LOW)
    assert isinstance(b.exposure, models.ScreenExposureOut)
    assert b.exposure.direct == []
    assert b.cluster.startswith("cl")
    assert (int(nope.status), nope.error[:3]) == (400, "not")
    listed = transfers.sync(client=api, status=models.TransfersListStatus.PENDING)
    assert [t.id for t in listed.results] == [held.id]
    assert listed.results[0].verdict is None


@pytest.fixture
def screening_schema(db, flows):
    key = key_issue(organisation=Organisation.objects.create(name="Fuzzed"), name="k", scopes=["screen", "transfers"],
                    rate_per_minute=1_000_000)  # fmt: skip
    app = get_wsgi_application()
    signals.request_started.disconnect(close_old_connections)  # as Django's test client does
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", app), {"Authorization": f"Bearer {key}"}
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.slow
def test_generated_screening_requests_get_no_5xx_and_answers_match_the_schema(screening_schema):
    """Bounded to about a minute: 40 examples an operation. Two checks are left out, each for a documented
    refusal: a schema-valid request can still be refused (an address with a bad checksum in a transfer: 400),
    and past 30 unusable keys a minute from one address the answer is 429, not 401 (both tested in
    test_screening.py and test_transfers.py)."""
    schema, headers = screening_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith(SCREENING_PATHS)]
    assert len(operations) == 5

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance, ignored_auth])

        check()
