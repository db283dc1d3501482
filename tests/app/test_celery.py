"""A real Celery worker against the embedded Redis: tasks take effect, and no work is lost when a worker dies."""

import os
import signal
import time

import pytest

from app.tasks import ensure_schema
from graph import GraphConstraintError
from graph.schema import INDEXES, UNIQUE_KEYS
from tests.app.probe_tasks import slow_attempt

pytestmark = pytest.mark.slow


def test_a_queued_task_takes_effect_in_the_graph(worker, graph):
    graph.write("MATCH (n) DETACH DELETE n")
    result = ensure_schema.delay()
    assert result.get(timeout=60) == {"unique_keys": len(UNIQUE_KEYS), "indexes": len(INDEXES)}
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


def _wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
