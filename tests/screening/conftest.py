"""Screening's fixtures: the hand-built chain in a graph of each test's own, two teams, and a typed client
generated from the live server's schema, and a worker on a queue of a test's own."""

import contextlib
import importlib
import subprocess
import sys
import uuid

import httpx
import pytest

from app.celery import app as celery_app
from tests.chain.conftest import chain_graph, ingest  # noqa: F401 - a graph of each test's own, and ingestion
from tests.conftest import celery_worker
from tests.investigations.conftest import people  # noqa: F401 - two teams of investigators
from tests.investigations.test_exploration import flows  # noqa: F401 - the hand-built chain


@pytest.fixture
def generated_client(tmp_path, live_server):
    """A client package generated from the live server's schema by openapi-python-client, importable."""
    schema = tmp_path / "schema.json"
    schema.write_bytes(httpx.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=30).content)
    config = tmp_path / "generator.yaml"
    config.write_text("post_hooks: []\npackage_name_override: cs_client\nproject_name_override: cs_client\n")
    tool = [sys.executable, "-c", "from openapi_python_client.cli import app; app()"]
    made = subprocess.run(
        [
            *tool,
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(tmp_path / "cs_client"),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("cs_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == "cs_client" or name.startswith("cs_client.")]:
            del sys.modules[name]


@contextlib.contextmanager
def own_queue_worker(settings, tasks):
    """A worker on a queue of this test's own for `tasks`, reading this test's graph. Tasks the worker itself
    queues (deliveries) follow its own routes, so its realtime queue is named the same."""
    queue = f"own-{uuid.uuid4().hex[:8]}"
    before = celery_app.conf.task_routes
    _route({name: {"queue": queue} for name in tasks})
    try:
        with celery_worker(
            graph_name=settings.GRAPH_NAME, queues=[queue], env={"CELERY_REALTIME_QUEUE": queue}
        ) as process:
            yield process
    finally:
        _route(before)


def _route(routes: dict) -> None:
    """Celery builds its router once, at the first task sent: rebuild it, or the routes set here would be
    ignored after an earlier test sent a task (and the work would go to another test's worker and graph)."""
    celery_app.conf.task_routes = routes
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)
