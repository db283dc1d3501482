"""Browser tests: the built web app (frontend/dist) served by gunicorn, as in production, on a database and
graph of its own (seeded by tests/e2e/seed.py), driven by Playwright in Debian's Chromium."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, free_port

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
DIST = REPO_ROOT / "frontend" / "dist" / "index.html"


def _skip_without_tools() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; `make test` does)")
    if not DIST.exists():
        pytest.skip("the web app is not built (`make frontend`; `make test` does)")


@pytest.fixture(scope="session")
def web(tmp_path_factory):
    """The server's URL, its environment (`env`: a test that changes the server's data runs
    tests/e2e/change.py under it) and what the seed made (users ana and sam, a flagged cluster and its alert)."""
    _skip_without_tools()
    from core.embedded import ensure_running_if_needed

    ensure_running_if_needed()
    work = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{work / 'e2e.sqlite3'}",
        "GRAPH_NAME": f"e2e_{uuid.uuid4().hex[:8]}",
        "STATIC_ROOT": str(work / "static"),
        "ANOMALY_DETECTION": "false",
    }
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--verbosity", "0"], ["collectstatic", "--noinput", "--verbosity", "0"]):
        subprocess.run(manage + command, cwd=REPO_ROOT, env=env, check=True)
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.e2e.seed", str(work)], cwd=REPO_ROOT, env=env, check=True, capture_output=True
    )
    made = json.loads(seeded.stdout.decode().strip().splitlines()[-1])
    port = free_port()
    argv = [sys.executable, "-m", "gunicorn", "app.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    argv += ["--threads", "4", "--worker-class", "gthread", "--log-level", "warning"]
    server = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server)
        yield {"url": url, "env": env, **made}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        _graph_delete(env["GRAPH_NAME"])


def _graph_delete(name: str) -> None:
    from django.conf import settings

    from graph.connection import open_graph

    open_graph(settings.GRAPH_URL, graph_name=name, password=settings.GRAPH_PASSWORD).delete_graph()


def _wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited during start-up"
        try:
            with urllib.request.urlopen(f"{url}/livez", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


@pytest.fixture(scope="session")
def browser():
    _skip_without_tools()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, web):
    """A fresh browser tab at 1280 by 720 that fails the test on any console error or uncaught exception."""
    yield from _tab(browser)


@pytest.fixture
def second_page(browser, web):
    """Another person's browser: a context of its own (its own session cookie)."""
    yield from _tab(browser)


def _tab(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda message: message.type == "error" and problems.append(message.text))
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.console_errors = problems  # a test that provokes an error on purpose clears what it expected
    yield tab
    context.close()
    assert not problems, f"the browser reported errors: {problems}"


def sign_in(page, web, user: str = "ana") -> None:
    from tests.e2e.seed import PASSWORD

    page.goto(f"{web['url']}/app/")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Alerts").wait_for()


def shot(page, name: str) -> None:
    """Under `make screenshots` (SCREENSHOTS_DIR set), keep what the screen shows now as docs' picture."""
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))
