"""A real Celery worker against the embedded Redis: tasks take effect, and no work is lost when a worker dies."""

import os
import signal
import subprocess
import sys
import time

import pytest

from app.celery import app as celery_app
from app.tasks import ensure_graph_schema
from graph import GraphConstraintError
from tests.app.probe_tasks import slow_attempt
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def worker():
    from app.embedded import ensure_running_if_needed

    ensure_running_if_needed()
    celery_app.control.purge()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "app",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        "1",
        "--include",
        "tests.app.probe_tasks",
        "--hostname",
        f"test-{os.getpid()}@%h",
        "--loglevel",
        "info",
        "--without-mingle",
        "--without-gossip",
    ]
    process = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, start_new_session=True)
    try:
        _wait_for_worker(process)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_queued_task_takes_effect_in_the_graph(worker, graph):
    graph.write("MATCH (n) DETACH DELETE n")
    result = ensure_graph_schema.delay()
    assert result.get(timeout=60) == {"unique_keys": 4, "indexes": 5}
    graph.write("CREATE (:Address {address: 'bc1qduplicate'})")
    with pytest.raises(GraphConstraintError):
        graph.write("CREATE (:Address {address: 'bc1qduplicate'})")
    graph.write("MATCH (n) DETACH DELETE n")


def test_a_task_whose_worker_process_is_killed_is_run_again_to_completion(worker, tmp_path):
    result = slow_attempt.delay(str(tmp_path), 3.0)
    first = tmp_path / "attempt-1"
    _wait_until(first.exists, timeout=60)
    os.kill(int(first.read_text()), signal.SIGKILL)
    assert result.get(timeout=90) == 2
    assert not (tmp_path / "finished-1").exists()
    assert (tmp_path / "finished-2").exists()
    assert worker.poll() is None, "the worker itself survived the loss of its child"


def _wait_for_worker(process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the worker exited during start-up"
        if celery_app.control.ping(timeout=0.5):
            return
    raise AssertionError("the worker did not answer a ping")


def _wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
