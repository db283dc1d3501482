"""The README's run command: the whole stack comes up green, the printed login works, it outlives a killed
embedded server, and Ctrl-C stops all of it."""

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from core.embedded import EmbeddedServer
from graph import open_graph
from tests.app.test_processes import wait_gone
from tests.conftest import REPO_ROOT, free_port

pytestmark = pytest.mark.slow


class Output:
    """Drains the command's output on a thread (the children share the pipe) and lets the test wait for a line."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: list[str] = []
        threading.Thread(target=self._drain, args=(process,), daemon=True).start()

    def _drain(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            self.lines.append(line)

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if match := re.search(pattern, line):
                    return match
            time.sleep(0.1)
        raise AssertionError(f"no line matched {pattern!r}:\n{''.join(self.lines[-40:])}")


def start_serve(tmp_path: Path, *, demo_txs: int) -> tuple[subprocess.Popen, Output, str, Path]:
    port, embedded_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO", "GRAPH_", "REDIS_", "DATABASE_"))
    }
    env.update(
        VAR_DIR=str(tmp_path / "var"),
        EMBEDDED_PORT=str(embedded_port),
        PYTHONUNBUFFERED="1",
        DEMO_WORLD_TXS=str(demo_txs),
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), "--web-workers", "1", "--concurrency", "1"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, Output(process), f"http://127.0.0.1:{port}", tmp_path / "var"


def stop_serve(process: subprocess.Popen) -> None:
    """Stop the stack as Ctrl-C would, so no worker outlives a failed test."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def serve(tmp_path):
    started = start_serve(tmp_path, demo_txs=2000)
    yield started
    stop_serve(started[0])


def test_the_run_command_serves_a_healthy_stack_and_stops_cleanly(serve):
    process, output, url, var_dir = serve
    demo = output.wait_for(r"demo world loaded: ([\d,]+) transactions in ([\d,]+) blocks", timeout=120)
    login = output.wait_for(r"login: (\S+)\s+password: (\S+)", timeout=120)
    output.wait_for(r"running at " + re.escape(url), timeout=5)

    with urllib.request.urlopen(url + "/healthz") as response:
        assert response.status == 200
        assert {name: check["status"] for name, check in json.load(response)["checks"].items()} == {
            "database": "up",
            "graph": "up",
            "broker": "up",
        }
    assert _admin_login(url, login.group(1), login.group(2)) == "/admin/"
    assert _app_sign_in(url, login.group(1), login.group(2))["team"] == "Investigations", "the web app works at once"

    _labelled_in_the_background(output, var_dir)
    redis_pid = _survives_a_killed_embedded_server(url, var_dir, demo_txs=int(demo.group(1).replace(",", "")))
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    assert not _is_running(redis_pid)
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "/healthz", timeout=2)
    assert not _processes_under(var_dir), "a child process outlived the run command"


def _labelled_in_the_background(output: "Output", var_dir: Path) -> None:
    """The first model trains on the demo world in the Celery worker and labels its addresses."""
    output.wait_for(r"A first model is training on the demo world", timeout=10)
    port = int(re.search(r"^port (\d+)$", (var_dir / "falkordb" / "redis.conf").read_text(), re.M).group(1))
    password = (var_dir / "falkordb" / "password").read_text().strip()
    graph = open_graph(f"falkordb://:{password}@127.0.0.1:{port}")
    deadline = time.monotonic() + 180
    query = "MATCH (a:Address) WHERE a.risk_model = 'v1' RETURN count(a) AS n"
    while not graph.read(query)[0]["n"]:
        assert time.monotonic() < deadline, "no address was labelled by the first model"
        time.sleep(1)


def _survives_a_killed_embedded_server(url: str, var_dir: Path, demo_txs: int) -> int:
    """kill -9 the embedded server: the run command restarts it and the graph still holds what was written,
    the demo world included."""
    port = int(re.search(r"^port (\d+)$", (var_dir / "falkordb" / "redis.conf").read_text(), re.M).group(1))
    password = (var_dir / "falkordb" / "password").read_text().strip()
    graph = open_graph(f"falkordb://:{password}@127.0.0.1:{port}")
    graph.write("CREATE (:Address {address: 'bc1q-before-the-crash'})")
    os.kill(int((var_dir / "falkordb" / "redis.pid").read_text()), signal.SIGKILL)
    deadline = time.monotonic() + 120  # the watch loop, a port held a moment, and the AOF reload, on a busy CI core
    while not _healthy(url):
        assert time.monotonic() < deadline, "the stack did not recover from the killed server"
        time.sleep(0.5)
    assert graph.read("MATCH (a:Address {address: 'bc1q-before-the-crash'}) RETURN count(a) AS n") == [{"n": 1}]
    assert graph.read("MATCH (t:Transaction) RETURN count(t) AS n") == [{"n": demo_txs}]
    return int((var_dir / "falkordb" / "redis.pid").read_text())


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def _admin_login(url: str, username: str, password: str) -> str:
    """Sign in through the admin's form, CSRF and all; returns the path it lands on."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(url + "/admin/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token, "next": "/admin/"}
    ).encode()
    response = opener.open(urllib.request.Request(url + "/admin/login/", data=form, headers={"Referer": url}))
    return urllib.parse.urlsplit(response.geturl()).path


def _app_sign_in(url: str, username: str, password: str) -> dict:
    """Sign in to the web app's API as the app does: the CSRF cookie first, then the token in a header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(url + "/api/v1/session/").read()
    token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    body = json.dumps({"username": username, "password": password}).encode()
    headers = {"Content-Type": "application/json", "X-CSRFToken": token}
    with opener.open(urllib.request.Request(url + "/api/v1/session/", data=body, headers=headers)) as response:
        return json.load(response)


def _is_running(pid: int) -> bool:
    try:
        return b"redis-server" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _processes_under(var_dir: Path) -> list[int]:
    """Live processes whose environment names this test's VAR_DIR (gunicorn, celery, and their children)."""
    marker = f"VAR_DIR={var_dir}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if marker in Path(f"/proc/{entry}/environ").read_bytes().split(b"\0"):
                    found.append(int(entry))
            except OSError:
                continue
    return found


def test_its_children_die_when_the_run_command_is_killed(tmp_path):
    """kill -9 of `serve` runs none of its clean-up: the kernel still stops gunicorn, the workers and beat."""
    process, output, url, var_dir = start_serve(tmp_path, demo_txs=0)
    try:
        output.wait_for(r"running at " + re.escape(url), timeout=240)
        assert (var_dir / "gunicorn.ctl").is_socket(), "gunicorn's control socket is this stack's own"
        children = [pid for pid in _processes_under(var_dir) if pid != process.pid and not _is_running(pid)]
        assert len(children) >= 4, children  # gunicorn, two workers and beat, with their own children
        process.kill()
        process.wait()
        assert wait_gone(children, timeout=30) == [], "a child outlived the killed run command"
    finally:
        stop_serve(process)
        _embedded_of(var_dir).stop()


def _embedded_of(var_dir: Path) -> EmbeddedServer:
    data = var_dir / "falkordb"
    port = int(re.search(r"^port (\d+)$", (data / "redis.conf").read_text(), re.M).group(1))
    return EmbeddedServer(data_dir=data, port=port, password=(data / "password").read_text().strip())
