"""The request log is durable before the response: a web process killed outright (SIGKILL) right after it
answered loses none of its rows."""

import os
import subprocess
import sys

import pytest

from screening.models import RequestLog
from screening.requestlog import request_log_flush
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

ANSWERED = 60
SERVE_THEN_DIE = f"""
import os, signal, django
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from rest_framework.test import APIClient

api = APIClient()
statuses = [api.post("/api/v1/screen/addresses", {{"addresses": ["x"]}}, format="json").status_code
            for _ in range({ANSWERED})]
print(statuses.count(401), flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no atexit, no thread gets another turn
"""


def test_a_web_process_killed_right_after_answering_loses_no_request_log_row(graph):  # graph: the server runs
    request_log_flush()  # what earlier tests left lands now (and rolls back with this test)
    RequestLog.objects.all().delete()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run(
        [sys.executable, "-c", SERVE_THEN_DIE], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -9, done.stderr
    assert done.stdout.strip() == str(ANSWERED), "every request was answered (refused: no key)"
    assert request_log_flush() == ANSWERED
    assert RequestLog.objects.filter(status=401, endpoint="/api/v1/screen/addresses").count() == ANSWERED
