"""Transfers screened at once and again when seen on chain; a hold goes out by a signed webhook, retried until
the receiver takes it; a real worker delivers it."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from rest_framework.test import APIClient

from investigations.models import Alert, AuditEvent
from investigations.tagging import tag_add
from screening.keys import key_issue
from screening.models import Hold, Organisation, Transfer, Webhook, WebhookDelivery
from screening.transfers import transfer_screen, transfers_seen_check
from screening.webhooks import HEADER, DeliveryFailed, delivery_attempt, signature, signature_verify, webhooks_notify
from tests.investigations.test_exploration import BTC, addr
from tests.screening.test_screening import client

pytestmark = pytest.mark.django_db
SECRET = "whsec-test"


class Receiver:
    """A webhook receiver on a free local port: answers each POST with the next status in `answers`."""

    def __init__(self, answers: list[int]):
        self.answers, self.received = list(answers), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.headers[HEADER], body))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    made = []
    yield lambda answers=(): made.append(Receiver(list(answers))) or made[-1]
    for one in made:
        one.close()


@pytest.fixture
def exchange():
    return Organisation.objects.create(name="Exchange")


def test_signatures_verify_and_a_changed_body_or_stale_time_does_not():
    body = b'{"event":"transfer.hold"}'
    header = signature(SECRET, body)
    assert signature_verify(SECRET, header, body)
    assert not signature_verify(SECRET, header, body + b" ")
    assert not signature_verify("other-secret", header, body)
    assert not signature_verify(SECRET, signature(SECRET, body, at=int(time.time()) - 3600), body)
    assert not signature_verify(SECRET, "garbage", body)


def test_a_deposit_from_a_ransomware_wallet_is_held_and_the_exchange_told(
    exchange, flows, people, receiver, django_capture_on_commit_callbacks
):
    hook = receiver([500, 200])
    Webhook.objects.create(organisation=exchange, url=hook.url, secret=SECRET)
    tag_add(user=people["ana"], address=addr("X"), label="Ransom wallet", abuse="ransomware", visibility="public")
    key = key_issue(organisation=exchange, name="deposits", scopes=["transfers"])
    with django_capture_on_commit_callbacks() as queued:
        made = client(key).post(
            "/api/v1/transfers",
            {"direction": "deposit", "address": addr("X"), "amount": 5 * BTC, "user_ref": "customer-17"},
            format="json",
        )
    assert made.status_code == 202
    assert made.json()["status"] == "pending"
    assert len(queued) == 1, "screening is queued once the registration commits"
    transfer = transfer_screen(transfer_id=made.json()["id"])
    assert (transfer.status, transfer.risk_level, transfer.hold) == ("screened", "severe", True)
    assert transfer.alerts[0]["event"] == "transfer.hold"
    delivery = WebhookDelivery.objects.get()

    with pytest.raises(DeliveryFailed):
        delivery_attempt(delivery.id)  # the receiver answers 500 first
    delivery = delivery_attempt(delivery.id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    header, body = hook.received[-1]
    assert signature_verify(SECRET, header, body)
    assert json.loads(body)["user_ref"] == "customer-17"
    shown = client(key).get(f"/api/v1/transfers/{transfer.id}").json()
    assert shown["hold"] is True
    assert shown["verdict"]["exposure"]["direct"][0]["category"] == "ransomware"
    other = key_issue(organisation=Organisation.objects.create(name="Other"), name="k", scopes=["transfers"])
    assert client(other).get(f"/api/v1/transfers/{transfer.id}").status_code == 404


def test_a_transfer_is_screened_again_when_its_transaction_is_seen(exchange, flows):
    _, _, tx2 = flows
    transfer = Transfer.objects.create(
        organisation=exchange, direction="deposit", address=addr("D"), amount=60 * BTC, txid="ab" * 32, output_index=0
    )
    assert transfer_screen(transfer_id=transfer.id).status == "screened"
    assert transfers_seen_check() == 0, "its transaction is not on chain"
    Transfer.objects.filter(id=transfer.id).update(txid=tx2)
    assert transfers_seen_check() == 1
    transfer.refresh_from_db()
    assert transfer.status == "confirmed"
    assert transfer.seen_at is not None
    wrong = Transfer.objects.create(
        organisation=exchange, direction="deposit", address=addr("E"), amount=BTC, txid=tx2, output_index=0
    )
    assert transfer_screen(transfer_id=wrong.id).alerts[0]["event"] == "transfer.mismatch"


def test_a_mismatch_is_a_final_verdict_with_one_alert_and_one_webhook(exchange, flows, receiver):
    """Output 0 of tx2 pays D, not E: the beat's check, however often it runs, alerts and calls the webhook once."""
    _, _, tx2 = flows
    Webhook.objects.create(organisation=exchange, url=receiver().url, secret=SECRET)
    key = key_issue(organisation=exchange, name="k", scopes=["transfers"])
    made = client(key).post(
        "/api/v1/transfers",
        {"direction": "deposit", "address": addr("E"), "amount": BTC, "txid": tx2, "output_index": 0},
        format="json",
    )
    assert made.status_code == 202
    for _ in range(4):
        transfers_seen_check()
    transfer_screen(transfer_id=made.json()["id"])  # a late copy of the registration's task changes nothing
    transfer = Transfer.objects.get(id=made.json()["id"])
    assert transfer.status == "mismatch"
    assert [alert["event"] for alert in transfer.alerts] == ["transfer.mismatch"]
    assert transfer.seen_at is not None
    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == ["transfer.mismatch"]
    assert client(key).get(f"/api/v1/transfers/{transfer.id}").json()["status"] == "mismatch"


def test_the_exchange_lists_its_own_transfers_filtered_and_paged(exchange, flows):
    key = key_issue(organisation=exchange, name="k", scopes=["transfers"])
    other = Organisation.objects.create(name="Other")
    Transfer.objects.create(organisation=other, direction="deposit", address=addr("D"), amount=1)
    made = [
        Transfer.objects.create(organisation=exchange, direction=direction, address=addr(name), amount=n, status=status)
        for n, (direction, name, status) in enumerate(
            [("deposit", "D", "screened"), ("withdrawal", "E", "pending"), ("deposit", "E", "screened")]
        )
    ]
    Transfer.objects.filter(id=made[0].id).update(created_at="2026-01-01T00:00:00Z")
    listed = client(key).get("/api/v1/transfers")
    assert listed.status_code == 200
    assert [t["id"] for t in listed.json()["results"]] == [made[2].id, made[1].id, made[0].id], "newest first"

    def ids(query: str) -> list[int]:
        answer = client(key).get(f"/api/v1/transfers?{query}")
        assert answer.status_code == 200, answer.json()
        return [t["id"] for t in answer.json()["results"]]

    assert ids("status=screened&direction=deposit") == [made[2].id, made[0].id]
    assert ids(f"address={addr('E')}") == [made[2].id, made[1].id]
    assert ids("until=2026-06-01T00:00:00Z") == [made[0].id]
    assert ids("since=2026-06-01T00:00:00Z&direction=withdrawal") == [made[1].id]
    assert ids("hold=true") == []
    first = client(key).get("/api/v1/transfers?limit=2").json()
    assert [t["id"] for t in first["results"]] == [made[2].id, made[1].id]
    second = client(key).get(first["next"]).json()
    assert [t["id"] for t in second["results"]] == [made[0].id]
    assert second["next"] is None
    refused = client(key).get("/api/v1/transfers?status=lost")
    assert refused.status_code == 400
    assert "status" in refused.json()


def test_a_hold_reaches_the_investigators_queue_and_is_released_with_a_reason(exchange, flows, people):
    tag_add(user=people["ana"], address=addr("X"), label="Ransom wallet", abuse="ransomware", visibility="public")
    key = key_issue(organisation=exchange, name="ops", scopes=["transfers"])
    transfer = Transfer.objects.create(organisation=exchange, direction="withdrawal", address=addr("X"), amount=BTC)
    assert transfer_screen(transfer_id=transfer.id).hold is True
    queued = Alert.objects.filter(source="transfer")
    assert sorted(queued.values_list("team__name", flat=True)) == ["Blue", "Red"], "every team's queue"
    assert {(a.kind, a.ref, a.detail["transfer"]) for a in queued} == {("address", addr("X"), transfer.id)}
    analyst = APIClient()
    analyst.force_authenticate(people["ana"])
    (seen,) = analyst.get("/api/v1/alerts/?source=transfer").json()["results"]
    assert seen["detail"]["organisation"] == "Exchange"

    shown = client(key).get(f"/api/v1/transfers/{transfer.id}").json()
    assert [(h["event"], h["released_at"]) for h in shown["holds"]] == [("transfer.hold", None)]
    url = f"/api/v1/transfers/{transfer.id}/release"
    assert client(key).post(url, {"reason": "   "}, format="json").status_code == 400
    other = key_issue(organisation=Organisation.objects.create(name="Other"), name="k", scopes=["transfers"])
    assert client(other).post(url, {"reason": "mine now"}, format="json").status_code == 404
    screen_only = key_issue(organisation=exchange, name="s", scopes=["screen"])
    assert client(screen_only).post(url, {"reason": "x"}, format="json").status_code == 403
    assert Transfer.objects.get(id=transfer.id).hold is True, "none of those released it"

    released = client(key).post(url, {"reason": "customer's funds traced to a legitimate sale"}, format="json")
    assert released.status_code == 200
    assert released.json()["hold"] is False
    transfer.refresh_from_db()
    assert transfer.hold is False
    hold = Hold.objects.get(transfer=transfer)
    assert (hold.released_by, hold.release_reason) == (
        f"key:{key.split('_')[1]}",
        "customer's funds traced to a legitimate sale",
    )
    event = AuditEvent.objects.get(action="transfer.release")
    assert (event.actor, event.target, event.data["holds"]) == (hold.released_by, f"transfer:{transfer.id}", [hold.id])
    assert client(key).post(url, {"reason": "again"}, format="json").status_code == 409
    assert transfer_screen(transfer_id=transfer.id).hold is False, "screening it again does not undo the release"
    assert Alert.objects.filter(source="transfer").count() == 2


def test_bad_transfers_are_refused_by_field(exchange, flows):
    key = key_issue(organisation=exchange, name="k", scopes=["transfers"])
    refused = client(key).post(
        "/api/v1/transfers", {"direction": "deposit", "address": "nope", "amount": 1}, format="json"
    )
    assert refused.status_code == 400
    assert "address" in refused.json()["detail"]
    screen_only = key_issue(organisation=exchange, name="s", scopes=["screen"])
    assert client(screen_only).get("/api/v1/transfers/1").status_code == 403


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_webhook_with_retries(worker, receiver):
    hook = receiver([503])
    exchange = Organisation.objects.create(name="Worker exchange")
    Webhook.objects.create(organisation=exchange, url=hook.url, secret=SECRET)
    from django.db import transaction

    with transaction.atomic():
        (delivery,) = webhooks_notify(organisation=exchange, event="transfer.hold", payload={"transfer": 1})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.status == "delivered":
            break
        time.sleep(0.2)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert all(signature_verify(SECRET, header, body) for header, body in hook.received)
