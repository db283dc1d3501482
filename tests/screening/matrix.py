"""Screening's endpoints in the shared API matrix (tests/core/test_api_matrix.py): exchanges call them with an
API key of theirs and the scope each names; investigators read exposure with their session."""

from tests.core.api_matrix import KEY, Endpoint

API = "/api/v1"


def key_endpoint(name: str, method: str, path, ok: int = 200, payload=None, *, scope: str, owned: bool = True):
    return Endpoint(name, method, path, ok, payload, audience=KEY, scope=scope, owned=owned)


def transfer_url(suffix: str = "", *, held: bool = False):
    return lambda w: f"{API}/transfers/{w.transfer(held=held).id}{suffix}"


def webhook_url(suffix: str = ""):
    return lambda w: f"{API}/webhooks/{w.webhook().id}{suffix}"


ENDPOINTS = [
    key_endpoint(
        "screen-addresses",
        "post",
        lambda w: f"{API}/screen/addresses",
        payload=lambda w: {"addresses": [w.address, w.other_address]},
        scope="screen",
        owned=False,
    ),
    Endpoint("address-exposure", "get", lambda w: f"{API}/addresses/{w.address}/exposure/", owned=False),
    Endpoint("cluster-exposure", "get", lambda w: f"{API}/clusters/{w.cluster}/exposure/", owned=False),
    key_endpoint("transfers", "get", lambda w: f"{API}/transfers", scope="transfers", owned=False),
    key_endpoint(
        "transfers",
        "post",
        lambda w: f"{API}/transfers",
        202,
        lambda w: {"direction": "deposit", "address": w.address, "amount": 1000},
        scope="transfers",
        owned=False,
    ),
    key_endpoint("transfer-detail", "get", transfer_url(), scope="transfers"),
    key_endpoint(
        "transfer-release",
        "post",
        transfer_url("/release", held=True),
        payload=lambda w: {"reason": "the customer showed where it came from"},
        scope="transfers",
    ),
    key_endpoint("webhooks", "get", lambda w: f"{API}/webhooks", scope="webhooks", owned=False),
    key_endpoint(
        "webhooks",
        "post",
        lambda w: f"{API}/webhooks",
        201,
        lambda w: {"url": "https://93.184.216.34/hooks"},
        scope="webhooks",
        owned=False,
    ),
    key_endpoint("webhook-detail", "get", webhook_url(), scope="webhooks"),
    key_endpoint(
        "webhook-detail", "patch", webhook_url(), payload=lambda w: {"description": "changed"}, scope="webhooks"
    ),
    key_endpoint("webhook-detail", "delete", webhook_url(), 204, scope="webhooks"),
    key_endpoint("webhook-deliveries", "get", webhook_url("/deliveries"), scope="webhooks"),
    key_endpoint("webhook-test", "post", webhook_url("/test"), scope="webhooks"),
]
