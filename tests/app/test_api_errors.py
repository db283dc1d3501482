"""Refusals on the API as a client meets them: the right status, JSON in the documented shape
({"detail": ...}), and nothing a caller sends can forge a line in the log."""

import logging

import pytest
from rest_framework.test import APIClient

from tests.investigations.conftest import people  # noqa: F401 - two teams of investigators

pytestmark = pytest.mark.django_db
FORGED = "%0A2026-12-03 12:00:00,000 ERROR forged.entry the audit log was wiped"


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/addresses/%00/",
        "/api/v1/addresses/%00/neighbours/",
        "/api/v1/addresses/%00/exposure/",
        "/api/v1/transactions/%00/",
        "/api/v1/clusters/%00/",
    ],
)
def test_it_refuses_a_nul_in_a_path_as_a_bad_request_not_a_busy_graph(people, path):  # noqa: F811
    answer = signed_in(people["ana"]).get(path)
    assert answer.status_code == 400, answer.content
    assert "NUL" in answer.json()["detail"]


def test_a_newline_in_a_path_cannot_forge_a_log_line(people, caplog):  # noqa: F811
    caplog.set_level(logging.INFO)
    answer = signed_in(people["ana"]).get(f"/api/v1/addresses/%00{FORGED}/")
    assert answer.status_code == 400
    messages = [record.getMessage() for record in caplog.records]
    assert messages, "the refusal is logged"
    assert not [message for message in messages if "\n" in message or "\x00" in message]
    assert "forged.entry" in " ".join(messages)  # still there, on the refusal's own line


def test_every_message_leaves_the_console_handler_on_one_line():
    (console,) = [handler for handler in logging.getLogger().handlers if handler.get_name() == "console"]
    record = logging.LogRecord("tests", logging.WARNING, __file__, 1, "path %s", ("/x\n2026 ERROR forged",), None)
    assert console.filter(record)
    assert console.format(record).endswith("path /x\\x0a2026 ERROR forged")
