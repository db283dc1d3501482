"""Address screening: keys scoped and revocable, rates enforced atomically, batches answered entry by entry,
and exposure arithmetic on a hand-built graph."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework.test import APIClient

from investigations.tagging import tag_add
from screening.keys import FAILURES_PER_MINUTE, key_issue, key_revoke
from screening.models import ApiKey, Organisation, RequestLog
from screening.ratelimit import rate_check
from screening.requestlog import request_log_flush
from screening.services import EPOCH_SECONDS
from tests.investigations.test_exploration import addr

pytestmark = pytest.mark.django_db
URL = "/api/v1/screen/addresses"


@pytest.fixture
def exchange():
    return Organisation.objects.create(name="Bitstamp-like")


def client(key: str | None = None) -> APIClient:
    api = APIClient()
    if key:
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api


def screen(key: str, *addresses: str, hops: int = 2):
    return client(key).post(URL, {"addresses": list(addresses), "hops": hops}, format="json")


def test_keys_are_scoped_revocable_and_every_request_is_logged(exchange, flows, django_capture_on_commit_callbacks):
    request_log_flush()  # rows other tests left in the buffer land now (and roll back with this test)
    RequestLog.objects.all().delete()
    screening = key_issue(organisation=exchange, name="screening", scopes=["screen"])
    transfers_only = key_issue(organisation=exchange, name="transfers", scopes=["transfers"])
    assert screen(screening, addr("B")).status_code == 200
    assert screen(transfers_only, addr("B")).status_code == 403
    assert client().post(URL, {"addresses": [addr("B")]}, format="json").status_code == 401
    assert screen("cs_deadbeef_" + "x" * 43, addr("B")).status_code == 401
    assert screen(screening[:-1] + ("A" if screening[-1] != "A" else "B"), addr("B")).status_code == 401
    with django_capture_on_commit_callbacks(execute=True):  # committed, as an admin's change would be
        widened = ApiKey.objects.get(name="transfers")
        widened.scopes = ["screen", "transfers"]
        widened.save()
    assert screen(transfers_only, addr("B")).status_code == 200, "the web process rereads a changed key"
    with django_capture_on_commit_callbacks(execute=True):
        key_revoke(prefix=screening.split("_")[1])
    revoked = screen(screening, addr("B"))
    assert revoked.status_code == 401, "the row this process kept was for an unrevoked key"
    assert "revoked" in revoked.json()["detail"]
    assert not RequestLog.objects.exists(), "buffered: no database write on the request's path"
    assert request_log_flush() == 7
    statuses = list(RequestLog.objects.order_by("at", "id").values_list("status", flat=True))
    assert statuses == [200, 403, 401, 401, 401, 200, 401]
    assert RequestLog.objects.filter(key__name="screening").first().latency_ms > 0


def test_a_burst_past_the_rate_gets_429_with_retry_after(exchange, flows):
    key = key_issue(organisation=exchange, name="small", scopes=["screen"], rate_per_minute=5)
    answers = [screen(key, addr("B")) for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 3
    assert 1 <= int(answers[-1]["Retry-After"]) <= 12  # one request's share of a minute


def test_answers_carry_the_keys_rate_headers(exchange, flows):
    key = key_issue(organisation=exchange, name="small", scopes=["screen"], rate_per_minute=3)
    answers = [screen(key, addr("B")) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert all(a["RateLimit-Limit"] == a["X-RateLimit-Limit"] == "3" for a in answers)
    assert answers[0]["X-RateLimit-Remaining"] == "2"
    assert 1 <= int(answers[2]["RateLimit-Reset"]) <= 60, "a whole minute's budget comes back within the minute"
    assert int(answers[3]["Retry-After"]) <= int(answers[3]["RateLimit-Reset"])


def test_wrong_secrets_for_a_keys_prefix_do_not_lock_the_real_key_out(exchange, flows):
    """The prefix is public; guessing secrets counts against the guesser's address, never the key's budget."""
    key = key_issue(organisation=exchange, name="victim", scopes=["screen"], rate_per_minute=5)
    prefix = key.split("_")[1]
    attacker = APIClient(REMOTE_ADDR=f"2001:db8::{time.monotonic_ns() % 65_536:x}")
    attacker.credentials(HTTP_AUTHORIZATION=f"Bearer cs_{prefix}_{'x' * 43}")
    guesses = [attacker.post(URL, {"addresses": [addr("B")]}, format="json") for _ in range(FAILURES_PER_MINUTE + 5)]
    assert [g.status_code for g in guesses] == [401] * FAILURES_PER_MINUTE + [429] * 5
    assert "too many" in guesses[-1].json()["detail"]
    assert int(guesses[-1]["Retry-After"]) >= 1
    assert [screen(key, addr("B")).status_code for _ in range(5)] == [200] * 5, "the whole budget is the owner's"


def test_concurrent_requests_never_pass_the_limit_together():
    """The GCRA script is atomic in Redis: 60 racing checks against a rate of 10 admit exactly 10."""
    prefix = f"race{time.monotonic_ns()}"
    with ThreadPoolExecutor(max_workers=12) as pool:
        verdicts = list(pool.map(lambda _: rate_check(prefix, 10), range(60)))
    assert sum(v.allowed for v in verdicts) == 10
    assert all(v.retry_after_s >= 1 for v in verdicts if not v.allowed)


def test_a_batch_answers_each_address_on_its_own(exchange, flows):
    key = key_issue(organisation=exchange, name="batch", scopes=["screen"])
    unknown = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
    answer = screen(key, "not an address", "", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", unknown, addr("B"))
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["status"] for r in results] == [400, 400, 400, 404, 200]
    assert "not a valid Bitcoin address" in results[2]["error"]
    assert results[4]["risk_level"] == "low"
    assert screen(key).status_code == 400, "an empty batch is a malformed request"
    too_many = client(key).post(URL, {"addresses": [addr("B")] * 1001}, format="json")
    assert too_many.status_code == 400
    assert "no more than 1000" in str(too_many.json()["addresses"])
    deep = screen(key, addr("B"), hops=9)
    assert deep.status_code == 400
    assert "hops" in deep.json()
    not_an_object = client(key).post(URL, [addr("B")], format="json")
    assert not_an_object.status_code == 400
    assert "Expected a dictionary" in str(not_an_object.json())


def test_one_bad_entry_gets_its_own_error_and_the_others_are_screened(exchange, flows):
    key = key_issue(organisation=exchange, name="batch", scopes=["screen"])
    entries = ["1Bv\x00BMSEY", "\ud800" + addr("B"), "1" * 201, 5, None, {"a": 1}, addr("B")]
    body = json.dumps({"addresses": entries})  # ASCII: the lone surrogate travels as \\ud800, as JSON allows
    answer = client(key).post(URL, body, content_type="application/json")
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["status"] for r in results] == [400] * 6 + [200]
    assert "NUL" in results[0]["error"]
    assert "surrogate" in results[1]["error"]
    assert results[1]["address"] == "\\ud800" + addr("B"), "echoed, escaped"
    assert "longer than 200" in results[2]["error"]
    assert len(results[2]["address"]) == 201
    assert [r["error"].split(":")[0] for r in results[3:6]] == [
        "not a string but a number", "not a string but null", "not a string but an object"
    ]  # fmt: skip
    assert results[6]["address"] == addr("B")
    assert results[6]["risk_level"] == "low"


def test_exposure_arithmetic_on_a_hand_built_graph(exchange, flows, people):
    """X (ransomware) and B pay D 60 of tx2's 80 BTC inputs; A, which funded B, is an exchange. D also got 4 BTC
    from M's payouts, so it received 64 in all."""
    key = key_issue(organisation=exchange, name="exposure", scopes=["screen"])
    tag_add(user=people["ana"], address=addr("X"), label="Ransom wallet", abuse="ransomware", visibility="public")
    tag_add(user=people["ana"], address=addr("A"), label="Some exchange", category="exchange", visibility="public")
    (d,) = screen(key, addr("D")).json()["results"]
    received = d["exposure"]["received"]
    assert received["ransomware"]["share"] == pytest.approx(50 / 80 * 60 / 64)
    assert received["ransomware"]["hops"] == 1
    assert received["exchange"]["share"] == pytest.approx(30 / 80 * 60 / 64)
    assert received["exchange"]["hops"] == 2
    assert sum(entry["share"] for entry in received.values()) <= 1
    assert d["risk_score"] == round(100 * 50 / 80 * 60 / 64)
    assert d["risk_level"] == "medium"
    (b,) = screen(key, addr("B")).json()["results"]
    assert b["exposure"]["sent"] == {}
    assert b["exposure"]["received"]["exchange"]["share"] == pytest.approx(1.0)
    (x,) = screen(key, addr("X")).json()["results"]
    assert (x["risk_score"], x["risk_level"]) == (100, "severe")
    assert x["exposure"]["direct"][0]["category"] == "ransomware"


def test_investigators_see_the_same_exposure_signed_in(flows, people):
    tag_add(user=people["ana"], address=addr("X"), label="Ransom wallet", abuse="ransomware", visibility="public")
    browser = APIClient()
    assert browser.get(f"/api/v1/addresses/{addr('D')}/exposure/").status_code == 403
    browser.force_authenticate(people["ana"])
    found = browser.get(f"/api/v1/addresses/{addr('D')}/exposure/?hops=2").json()
    assert found["received"]["ransomware"]["share"] == pytest.approx(50 / 80 * 60 / 64)
    assert browser.get("/api/v1/addresses/1BoatSLRHtKNngkdXEeobR76b53LETtpyT/exposure/").status_code == 404
    assert browser.get(f"/api/v1/addresses/{addr('D')}/exposure/?hops=9").status_code == 400
    outsider = APIClient()
    outsider.force_authenticate(people["nobody"])
    assert outsider.get(f"/api/v1/addresses/{addr('D')}/exposure/").status_code == 403


def test_a_clusters_exposure_weighs_its_members_by_what_they_moved(flows, people):
    """B (30 BTC, all from exchange A) and X (a 50 BTC coinbase) are one cluster: 30 of its 80 BTC received
    came from the exchange."""
    store = flows[0]
    tag_add(user=people["ana"], address=addr("A"), label="Some exchange", category="exchange", visibility="public")
    cluster = store.read("MATCH (:Address {address: $a})-[:IN_CLUSTER]->(c:Cluster) RETURN c.cluster_id AS c",
                         a=addr("B"))[0]["c"]  # fmt: skip
    browser = APIClient()
    browser.force_authenticate(people["ana"])
    found = browser.get(f"/api/v1/clusters/{cluster}/exposure/").json()
    assert found["received"]["exchange"]["share"] == pytest.approx(30 / 80)
    assert found["received"]["exchange"]["hops"] == 1
    assert found["cut"] == [], "two members: none left out"
    assert browser.get("/api/v1/clusters/cl_nowhere/exposure/").status_code == 404


def test_a_cached_verdict_gives_way_when_the_tags_change(exchange, flows, people):
    key = key_issue(organisation=exchange, name="cache", scopes=["screen"])
    (before,) = screen(key, addr("E")).json()["results"]
    assert before["risk_level"] == "low"
    tag_add(user=people["ana"], address=addr("E"), label="Mixer out", category="mixing_service", visibility="public")
    time.sleep(EPOCH_SECONDS + 0.1)
    (after,) = screen(key, addr("E")).json()["results"]
    assert after["exposure"]["direct"][0]["risk_class"] == "high_risk"
    assert after["risk_level"] == "high"


def test_the_command_issues_lists_and_revokes_keys(capsys):
    from django.core.management import call_command

    call_command("screening", "org", "Kraken-like")
    assert capsys.readouterr().out == "Kraken-like: created\n"
    call_command("screening", "issue", "Kraken-like", "deposits", "--scopes", "screen", "transfers", "--rate", "120")
    issued = capsys.readouterr().out.strip()
    assert issued.startswith("cs_")
    prefix = issued.split("_")[1]
    call_command("screening", "keys")
    assert f"{prefix}\tKraken-like\tdeposits\tscreen,transfers\t120/min\tlive" in capsys.readouterr().out
    call_command("screening", "revoke", prefix)
    call_command("screening", "keys")
    assert "revoked" in capsys.readouterr().out
