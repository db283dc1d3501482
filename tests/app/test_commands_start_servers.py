"""Commands that need the embedded server start it, as the graph store does; a configured server that is down
gets a message naming what to run; stopping is idempotent."""

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.embedded import EmbeddedServer
from tests.chain.blockmaker import ChainMaker
from tests.conftest import REPO_ROOT, free_port

pytestmark = pytest.mark.slow  # each test migrates a fresh database and starts servers


def fresh_checkout_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a fresh clone: no GRAPH_URL or REDIS_URL, nothing under its VAR_DIR."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "GRAPH_", "REDIS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="app.settings",
        VAR_DIR=str(tmp_path / "var"),
        EMBEDDED_PORT=str(free_port()),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **extra,
    )
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def embedded_of(env: dict[str, str]) -> EmbeddedServer:
    data = Path(env["VAR_DIR"]) / "falkordb"
    return EmbeddedServer(
        data_dir=data, port=int(env["EMBEDDED_PORT"]), password=(data / "password").read_text().strip()
    )


@pytest.fixture
def fresh(tmp_path):
    env = fresh_checkout_env(tmp_path)
    assert manage("migrate", "-v0", env=env).returncode == 0
    yield env
    embedded_of(env).stop()


def test_ingest_on_a_fresh_checkout_starts_the_embedded_server(fresh, tmp_path):
    assert embedded_of(fresh).running_pid() is None
    chain = ChainMaker()
    chain.block(miner="solo")
    block = tmp_path / "block.bin"
    block.write_bytes(chain.blocks[0])
    done = manage("ingest", "raw", str(block), "--network", "regtest", "--workers", "1", env=fresh)
    assert done.returncode == 0, done.stderr
    assert re.search(r"1 blocks written \(1 transactions", done.stdout), done.stdout
    assert embedded_of(fresh).running_pid() is not None


def test_a_queued_labeling_job_on_a_fresh_checkout_starts_the_embedded_server(fresh):
    done = manage("label", "--queue", env=fresh)
    assert "Error 111" not in done.stderr, done.stderr
    assert embedded_of(fresh).running_pid() is not None


def test_issuing_a_screening_key_on_a_fresh_checkout_starts_the_embedded_server(fresh):
    assert manage("screening", "org", "Acme", env=fresh).returncode == 0
    done = manage("screening", "issue", "Acme", "payouts", env=fresh)
    assert done.returncode == 0, done.stderr
    assert re.search(r"cs_[0-9a-f]{8}_", done.stdout), done.stdout
    assert embedded_of(fresh).running_pid() is not None


def test_ingest_against_a_configured_broker_that_is_down_names_what_to_run(tmp_path):
    closed = free_port()
    env = fresh_checkout_env(
        tmp_path, GRAPH_URL=f"falkordb://127.0.0.1:{closed}", REDIS_URL=f"redis://127.0.0.1:{closed}/1"
    )
    assert manage("migrate", "-v0", env=env).returncode == 0
    done = manage("ingest", "raw", "00", "--network", "regtest", env=env)
    assert done.returncode == 1
    assert f"the broker at 127.0.0.1:{closed} (REDIS_URL) does not answer" in done.stderr
    assert "`make run`" in done.stderr
    assert "`python manage.py embedded start`" in done.stderr
    assert "Traceback" not in done.stderr
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM chain_ingestrun").fetchone() == (0,), "no run row is left behind"


def test_embedded_stop_is_idempotent(fresh):
    assert manage("embedded", "start", env=fresh).returncode == 0
    first, second = manage("embedded", "stop", env=fresh), manage("embedded", "stop", env=fresh)
    assert (first.returncode, first.stdout.strip()) == (0, "stopped")
    assert (second.returncode, second.stdout.strip()) == (0, "not running")
    assert embedded_of(fresh).running_pid() is None
