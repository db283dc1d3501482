import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL leg (TEST_DATABASE=postgres): the tests marked postgres_leg run there, skipped with the
    reason when no server answers; the others are SQLite's (they are skipped there, not failed)."""
    if os.environ.get("TEST_DATABASE") != "postgres":
        return
    unavailable = _postgres_unavailable()
    for item in items:
        if "postgres_leg" not in item.keywords:
            item.add_marker(pytest.mark.skip(reason="not in the PostgreSQL leg (mark it postgres_leg)"))
        elif unavailable:
            item.add_marker(pytest.mark.skip(reason=f"TEST_DATABASE=postgres but {unavailable}"))


def _postgres_unavailable() -> str | None:
    """Why the configured PostgreSQL cannot be used, or None when it answers."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    try:
        psycopg.connect(
            host=db["HOST"],
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname=db["NAME"],
            connect_timeout=3,
        ).close()
    except psycopg.Error as error:
        return f"no PostgreSQL server answers at {db['HOST']}:{db['PORT']}: {' '.join(str(error).split())}"
    return None


def pytest_sessionstart(session):
    """Every run starts from an empty embedded server: no earlier run's data, nothing to replay."""
    from django.conf import settings

    if settings.EMBEDDED_SERVER:
        import shutil

        from core.embedded import from_settings

        from_settings().stop()
        shutil.rmtree(settings.EMBEDDED_DIR / "appendonlydir", ignore_errors=True)


def pytest_sessionfinish(session, exitstatus):
    """Leave no embedded server running after the suite (CI machines are reused)."""
    from django.conf import settings

    if settings.EMBEDDED_SERVER:
        from core.embedded import from_settings

        from_settings().stop()


@pytest.fixture(scope="session")
def graph():
    """The suite's graph store (embedded FalkorDB unless GRAPH_URL is set)."""
    from graph import get_graph

    return get_graph()


@pytest.fixture(scope="session")
def worker(django_db_setup):
    """A real Celery worker (prefork, one child) on the embedded Redis, sharing the test database file."""
    from django.conf import settings

    with celery_worker(graph_name=settings.GRAPH_NAME, queues=["celery", settings.CELERY_REALTIME_QUEUE]) as process:
        yield process


@contextlib.contextmanager
def celery_worker(*, graph_name: str, queues: list[str], env: dict[str, str] | None = None):
    """Start a worker on `queues` that reads graph `graph_name` and the test database; stop it after."""
    from django.db import connection

    from app.celery import app as celery_app
    from core.embedded import ensure_running_if_needed

    ensure_running_if_needed()
    celery_app.control.purge()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "GRAPH_NAME": graph_name,
        **(env or {}),
    }
    hostname = f"test-{os.getpid()}-{time.monotonic_ns()}@{socket.gethostname()}"
    argv = [sys.executable, "-m", "celery", "-A", "app", "worker", "--pool", "prefork", "--concurrency", "1"]
    argv += ["--queues", ",".join(queues), "--include", "tests.app.probe_tasks", "--hostname", hostname]
    argv += ["--loglevel", "info", "--without-mingle", "--without-gossip"]
    process = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, start_new_session=True)
    try:
        _wait_for_worker(celery_app, process, hostname)
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):  # a test may have killed the whole worker already
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_for_worker(celery_app, process: subprocess.Popen, hostname: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the worker exited during start-up"
        if celery_app.control.ping(destination=[hostname], timeout=0.5):
            return
    raise AssertionError("the worker did not answer a ping")


APPEND_ONLY_MIGRATIONS = ("0002_append_only", "0012_audit_refuse_replace")


def append_only(editor, *, on: bool) -> None:
    """The audit log's triggers off (for emptying a test database) or back on."""
    import importlib

    migrations = [importlib.import_module(f"investigations.migrations.{name}") for name in APPEND_ONLY_MIGRATIONS]
    for migration in reversed(migrations):
        migration.remove(None, editor)
    if on:
        for migration in migrations:
            migration.create(None, editor)


@pytest.fixture
def audit_log_cleared(transactional_db):
    """A transactional test (a live server, a real worker, real races) empties every table after it, which
    the append-only audit log refuses. Its rows go first, the triggers lifted for that. SQLite's come back
    at once (its flush DELETEs nothing more from the log); PostgreSQL's TRUNCATE trigger would refuse even
    an empty table, so there they stay off until `append_only_restored` (module-wide) puts them back."""
    yield
    from django.db import connection

    with connection.schema_editor() as editor:
        append_only(editor, on=False)
        editor.execute("DELETE FROM investigations_treehead")
        editor.execute("DELETE FROM investigations_auditevent")
        if connection.vendor != "postgresql":
            append_only(editor, on=True)


@pytest.fixture(scope="module")
def append_only_restored(django_db_blocker):
    """The triggers back on after a module whose tests used `audit_log_cleared` (a fixture wider than each
    test's database is torn down after its last flush)."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        append_only(editor, on=True)


def worker_pool_kill(process: subprocess.Popen) -> int:
    """kill -9 the worker's pool process (the one running the task), as the OOM killer would; its pid."""
    from tests.app.test_processes import children_of, wait_gone

    (child,) = children_of(process.pid)  # prefork, one child
    os.kill(child, signal.SIGKILL)
    assert wait_gone([child]) == []
    return child


def job_wait_final(job, timeout: float = 120.0):
    """Poll a job row (another process runs it) until it has ended; the row as it ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_final:
            return job
        time.sleep(0.1)
    raise AssertionError(f"{job} did not end within {timeout:.0f}s")
