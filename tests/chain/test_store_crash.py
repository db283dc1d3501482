"""The chain store's crash promises: kill -9 at any moment and a resume gives the same tables, no row twice or
missing; bad data stops the build at its file and byte offset with every partition before it kept."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chain.models import ChainStoreRun
from chain.store.layout import StoreLayout
from tests.chain.storetools import build, tables_snapshot
from tests.chain.test_bad_input import records
from tests.chain.test_kill_and_resume import busy_chain
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.django_db
# A short lease: the resumed build takes the killed one's run over once that lease has run out.
STORE_ENV = {"CHAIN_STORE_PARTITION_BLOCKS": "10", "CHAIN_STORE_BUCKETS": "16", "JOB_LEASE_SECONDS": "1"}


@pytest.fixture
def store_settings(settings):
    settings.CHAIN_STORE_PARTITION_BLOCKS = int(STORE_ENV["CHAIN_STORE_PARTITION_BLOCKS"])
    settings.CHAIN_STORE_BUCKETS = int(STORE_ENV["CHAIN_STORE_BUCKETS"])


def command_env(directory: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "CHAIN_STORE", "JOB_"))}
    env.update(
        STORE_ENV,
        DJANGO_SETTINGS_MODULE="app.settings",
        VAR_DIR=str(directory / "var"),
        DATABASE_URL=f"sqlite:///{directory / 'db.sqlite3'}",
    )
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A migrated database for the commands, made once and copied: migrating takes seconds."""
    directory = tmp_path_factory.mktemp("migrated")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO_ROOT, env=command_env(directory), check=True
    )
    return directory / "db.sqlite3"


def build_command(path: Path, store: Path, tmp_path: Path, workers: int = 1) -> subprocess.Popen:
    env = command_env(tmp_path)
    argv = [sys.executable, "manage.py", "chainstore", "build", "blk", str(path), "--store", str(store)]
    argv += ["--network", "regtest", "--workers", str(workers)]
    return subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def parsed(store: Path) -> int:
    return len(list(StoreLayout(store).staging.glob("part=*/_manifest.json")))


def joined(store: Path) -> int:
    return len(list((StoreLayout(store).resolve / "joined").glob("*/_done.json")))


def finalized(store: Path) -> int:
    return len(list((StoreLayout(store).tables / "_done").glob("*.json")))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("phase", "landed", "workers"),
    [("parse", lambda store: parsed(store) >= 3, 2), ("resolve", lambda store: joined(store) >= 1, 1)],
)
def test_a_build_killed_mid_phase_resumes_to_the_same_tables(
    tmp_path, store_settings, migrated, phase, landed, workers
):
    shutil.copy(migrated, tmp_path / "db.sqlite3")
    path = busy_chain(blocks=120, txs_per_block=20).write_blk(tmp_path / "blk00000.dat")
    reference = build("blk", path, tmp_path / "reference", network="regtest")
    assert reference.status == ChainStoreRun.Status.SUCCEEDED, reference.error
    store = tmp_path / "store"
    process = build_command(path, store, tmp_path, workers)
    _kill_when(process, lambda: landed(store))
    assert finalized(store) < reference.partitions_total, f"the kill must land before the end ({phase})"
    resumed = build_command(path, store, tmp_path)
    assert resumed.wait(timeout=120) == 0, resumed.stderr.read().decode()
    assert tables_snapshot(store) == tables_snapshot(tmp_path / "reference")
    assert not list(StoreLayout(store).staging.glob(".*")), "a killed attempt's temporary files are gone"
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        runs = db.execute("SELECT status, attempts, phase FROM chain_chainstorerun").fetchall()
    assert runs == [("succeeded", 2, "done")], "the resumed build took the killed one's run over"


def _kill_when(process: subprocess.Popen, ready) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the build ended before the kill: {process.stderr.read().decode()}"
        if ready():
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return
        time.sleep(0.005)
    raise AssertionError("the build made no progress")


@pytest.fixture
def heights_file(fixtures, settings) -> bytes:
    settings.CHAIN_STORE_PARTITION_BLOCKS = 50
    settings.CHAIN_STORE_BUCKETS = 4
    return (fixtures / "blk-heights-1-255.dat").read_bytes()


def test_a_corrupt_block_stops_the_build_at_its_offset_and_keeps_the_partitions_before(heights_file, tmp_path):
    offset, _ = records(heights_file)[120]  # height 121: the third partition (heights 100-149)
    bad = bytearray(heights_file)
    bad[offset + 8 + 80 + 50] ^= 0xFF  # inside the coinbase: the merkle root no longer matches
    path = tmp_path / "blk00000.dat"
    path.write_bytes(bad)
    run = build("blk", path, tmp_path / "store", workers=2)
    assert run.status == ChainStoreRun.Status.FAILED
    assert run.failed_at == f"{path} byte {offset}"
    assert "merkle root" in run.error
    store = StoreLayout(tmp_path / "store")
    assert [store.manifest(part).exists() for part in (0, 1)] == [True, True]
    assert not store.staged(2).exists(), "the bad partition left nothing behind"
    assert not store.tables.exists(), "nothing is resolved over a source with bad data"
    path.write_bytes(heights_file)  # the file mended: the build resumes with the partitions it kept
    mended = build("blk", path, tmp_path / "store", workers=2)
    assert (mended.status, mended.blocks, mended.inputs_unresolved) == (ChainStoreRun.Status.SUCCEEDED, 255, 0)
    assert mended.partitions_present >= 2


def test_a_truncated_file_stops_the_build_at_the_cut_record_after_the_blocks_before_it(heights_file, tmp_path):
    offset, _ = records(heights_file)[200]  # height 201
    path = tmp_path / "blk00000.dat"
    path.write_bytes(heights_file[: offset + 100])
    run = build("blk", path, tmp_path / "store")
    assert run.status == ChainStoreRun.Status.FAILED
    assert run.failed_at == f"{path} byte {offset}"
    assert run.error.startswith("truncated file")
    assert (run.blocks, run.last_height, run.partitions_parsed) == (200, 200, 5)
    assert 0 < run.progress < 1
    assert not StoreLayout(tmp_path / "store").tables.exists()
