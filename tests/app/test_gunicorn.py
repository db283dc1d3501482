"""gunicorn's own refusals, written before Django sees the request, are JSON in the API's shape too."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO_ROOT, free_port


@pytest.fixture(scope="module")
def web():
    """gunicorn as `serve` starts it (app/gunicorn_conf.py), on a port of its own."""
    port = free_port()
    argv = [sys.executable, "-m", "gunicorn", "app.wsgi", "--config", "python:app.gunicorn_conf"]
    argv += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    process = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not _answers(port):
        assert process.poll() is None, "gunicorn exited"
        assert time.monotonic() < deadline, "gunicorn did not listen"
        time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=30)


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def raw(port: int, request: bytes) -> tuple[str, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin1").split("\r\n")
    return status, dict(line.split(": ", 1) for line in lines), body


def test_a_request_line_too_long_is_a_json_414(web):
    status, headers, body = raw(web, b"GET /api/v1/screen/" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == "HTTP/1.1 414 URI Too Long"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["detail"].startswith("URI Too Long")


def test_too_many_headers_are_a_json_431(web):
    many = b"".join(b"X-Filler-%d: x\r\n" % n for n in range(200))
    status, headers, body = raw(web, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    assert status == "HTTP/1.1 431 Request Header Fields Too Large"
    assert headers["Content-Type"] == "application/json"
    assert "detail" in json.loads(body)
