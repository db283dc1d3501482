import socket
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pytest_sessionstart(session):
    """Every run starts from an empty embedded server: no earlier run's data, nothing to replay."""
    from django.conf import settings

    if settings.EMBEDDED_SERVER:
        import shutil

        from app.embedded import from_settings

        from_settings().stop()
        shutil.rmtree(settings.EMBEDDED_DIR / "appendonlydir", ignore_errors=True)


def pytest_sessionfinish(session, exitstatus):
    """Leave no embedded server running after the suite (CI machines are reused)."""
    from django.conf import settings

    if settings.EMBEDDED_SERVER:
        from app.embedded import from_settings

        from_settings().stop()


@pytest.fixture(scope="session")
def graph():
    """The suite's graph store (embedded FalkorDB unless GRAPH_URL is set)."""
    from graph import get_graph

    return get_graph()
