"""docs/screening.md followed literally, as an exchange's engineer does: an organisation and a key from the
command line, a webhook registered through the API to a local receiver, the guide's own Python code run
against a live server (its API constant pointed there), a matching and a mismatching transfer screened by a
real worker, exactly one signed event each (checked with the guide's own `verify`), a hold released, and a
typed client generated from the schema. The admin then lists the transfers, the webhook and its deliveries.
"""

import io
import json
import re
import time

import pytest
import requests
from django.core.management import call_command

from investigations.tagging import tagpacks_import
from screening.models import Transfer
from screening.transfers import transfers_seen_check
from tests.conftest import REPO_ROOT
from tests.investigations.test_exploration import BTC, addr
from tests.investigations.test_tags import tag, write_pack
from tests.screening.conftest import own_queue_worker
from tests.screening.test_webhooks import Receiver

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

GUIDE = REPO_ROOT / "docs" / "screening.md"
GUIDE_API = "https://chainsleuth.example/api/v1"
SCREENING_TASKS = ("screening.transfer_screen", "screening.delivery_attempt", "screening.anomalies_scan")


def guide_code(section: str) -> str:
    """The first Python block of a section of the guide, as a reader would copy it."""
    text = GUIDE.read_text().split(f"## {section}", 1)[1]
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


def guide_run(section: str, **replacements: str) -> dict:
    code = guide_code(section)
    for old, new in replacements.items():
        assert old in code, f"the guide's code no longer holds {old!r}"
        code = code.replace(old, new)
    namespace: dict = {}
    exec(compile(code, str(GUIDE), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace


@pytest.fixture
def receiver():
    """The exchange's webhook endpoint: keeps every POST's headers and body, answers 200."""
    made = Receiver([])
    yield made
    made.server.shutdown()


def events(receiver: Receiver, name: str) -> list[tuple[dict[str, str], bytes]]:
    return [(headers, body) for headers, body in receiver.received if headers["ChainSleuth-Event"] == name]


@pytest.fixture
def screening_worker(chain_graph, settings):
    """The stack's worker: screening's tasks on a queue of this test's own, reading this test's graph."""
    with own_queue_worker(settings, SCREENING_TASKS) as process:
        yield process


def test_an_integrator_follows_the_guide_from_a_key_to_a_generated_client(
    flows,
    screening_worker,
    receiver,
    live_server,
    generated_client,
    audit_log_cleared,
    append_only_restored,
    tmp_path,
    capsys,
    monkeypatch,
):
    _, _, tx2 = flows  # tx2 pays D 60 BTC (output 0) and E 19 BTC (output 1)
    tagpacks_import(paths=[write_pack(tmp_path / "ransom.yaml", [tag(addr("D"), abuse="ransomware")])], actor="ops")
    api = f"{live_server.url}/api/v1"

    key = _key_from_the_command_line()
    monkeypatch.setenv("CHAINSLEUTH_KEY", key)
    exchange = requests.Session()
    exchange.headers["Authorization"] = f"Bearer {key}"
    hook = exchange.post(f"{api}/webhooks", json={"url": receiver.url, "description": "ops"}, timeout=10)
    assert hook.status_code == 201, hook.text
    secret, hook_id = hook.json()["secret"], hook.json()["id"]
    verify = guide_run("What a receiver gets")["verify"]

    tested = exchange.post(f"{api}/webhooks/{hook_id}/test", timeout=30)
    assert (tested.status_code, tested.json()["status"]) == (200, "delivered"), tested.text
    guide = guide_run("Integration guide", **{GUIDE_API: api})  # runs its example loop as well
    printed = capsys.readouterr().out
    assert "not-an-address" in printed, "the guide's loop prints the refused entry with its error"
    (severe,) = guide["screen"](addr("D"))
    assert (severe["status"], severe["risk_level"]) == (200, "severe")

    matching = guide["register_deposit"](tx2, 0, addr("D"), 60 * BTC, "customer-1")
    mismatching = guide["register_deposit"](tx2, 1, addr("D"), 19 * BTC, "customer-2")
    assert (matching["status"], mismatching["status"]) == ("pending", "pending")
    _wait_for(lambda: len(events(receiver, "transfer.hold")) + len(events(receiver, "transfer.mismatch")) >= 2)
    transfers_seen_check()  # beat's minute: nothing is screened again, nothing sent twice
    time.sleep(3)
    _exactly_one_signed_event_each(receiver, secret, verify, matching["id"], mismatching["id"])

    shown = exchange.get(f"{api}/transfers/{matching['id']}", timeout=10).json()
    assert (shown["status"], shown["risk_level"], shown["hold"]) == ("confirmed", "severe", True)
    assert exchange.get(f"{api}/transfers/{mismatching['id']}", timeout=10).json()["status"] == "mismatch"
    reason = {"reason": "customer's funds traced to a legitimate sale"}
    released = exchange.post(f"{api}/transfers/{matching['id']}/release", json=reason, timeout=10)
    assert (released.status_code, released.json()["hold"]) == (200, False)

    _a_typed_client_screens(generated_client, live_server.url, key)
    _the_admin_lists_them(live_server.url, receiver.url)


def _key_from_the_command_line() -> str:
    call_command("screening", "org", "Example Exchange", stdout=io.StringIO())
    out = io.StringIO()
    argv = ["screening", "issue", "Example Exchange", "deposits", "--scopes", "screen", "transfers", "webhooks"]
    call_command(*argv, "--rate", "600", stdout=out)
    return re.search(r"\bcs_[0-9a-f]{8}_\S+", out.getvalue()).group(0)


def _exactly_one_signed_event_each(receiver: Receiver, secret: str, verify, matching: int, mismatching: int) -> None:
    (hold,), (mismatch,) = events(receiver, "transfer.hold"), events(receiver, "transfer.mismatch")
    for (headers, body), transfer in ((hold, matching), (mismatch, mismatching)):
        assert verify(secret, headers["X-ChainSleuth-Signature"], body)
        payload = json.loads(body)
        assert payload["transfer"] == transfer
        assert payload["event_id"] == headers["ChainSleuth-Event-Id"]
        assert payload["delivery_id"] == headers["ChainSleuth-Delivery-Id"]
    assert hold[0]["ChainSleuth-Event-Id"] != mismatch[0]["ChainSleuth-Event-Id"]
    assert len(receiver.received) == 3, "the test event, the hold and the mismatch, nothing more"


def _a_typed_client_screens(client_package, url: str, key: str) -> None:
    from cs_client.api.screen import screen_addresses_create
    from cs_client.models import RiskLevelEnum, ScreenInputRequest

    api = client_package.AuthenticatedClient(base_url=url, token=key, raise_on_unexpected_status=True)
    answer = screen_addresses_create.sync(client=api, body=ScreenInputRequest(addresses=[addr("D")], hops=2))
    assert answer.results[0].risk_level == RiskLevelEnum.SEVERE


def _the_admin_lists_them(url: str, hook_url: str) -> None:
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("operator", password="a long operator password")
    admin = requests.Session()
    page = admin.get(f"{url}/admin/login/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {"username": "operator", "password": "a long operator password", "csrfmiddlewaretoken": token}
    assert admin.post(f"{url}/admin/login/?next=/admin/", data=form, headers={"Referer": url}).url.endswith("/admin/")
    transfers = admin.get(f"{url}/admin/screening/transfer/").text
    assert {"customer-1", "customer-2"} <= set(re.findall(r"customer-\d", transfers))
    assert hook_url in admin.get(f"{url}/admin/screening/webhook/").text
    deliveries = admin.get(f"{url}/admin/screening/webhookdelivery/").text
    assert re.search(r"\b3 webhook deliver", deliveries), "the test event, the hold and the mismatch"
    assert Transfer.objects.filter(hold=False, holds__released_at__isnull=False).count() == 1


def _wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the worker did not get there in time"
        time.sleep(0.2)
