"""kill -9 in the middle of an ingest, then a restart: the same graph as a run that was never interrupted."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings

from chain.serialization import txid_of
from graph import open_graph
from tests.app.test_processes import children_of, wait_gone
from tests.chain.blockmaker import ChainMaker, to
from tests.chain.conftest import fingerprint
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def busy_chain(blocks: int = 300, txs_per_block: int = 25) -> ChainMaker:
    """Each block's transactions spend the previous block's outputs, so every input must resolve."""
    chain = ChainMaker()
    spendable = [(chain.block(miner="genesis-miner"), 0, 50 * 100_000_000)]
    for height in range(blocks):
        txs, next_spendable = [], []
        for index, (txid, n, value) in enumerate(spendable[:txs_per_block]):
            kept = value - 1000 - 546
            tx = chain.spend((txid, n), outputs=[(kept, to(f"a{height}-{index}")), (546, to(f"dust{index}"))])
            txs.append(tx)
            next_spendable.append((txid_of(tx), 0, kept))
        coinbase = chain.block(*txs, miner=f"miner{height % 7}", fees=1000 * len(txs))
        spendable = [*next_spendable, (coinbase, 0, 50 * 100_000_000)]
    return chain


def ingest_command(path, graph_name: str, tmp_path, workers: int = 1) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "GRAPH_", "REDIS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="app.settings",
        VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GRAPH_URL=settings.GRAPH_URL,
        GRAPH_NAME=graph_name,
        REDIS_URL=settings.REDIS_URL,
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO_ROOT, env=env, check=True)
    argv = [sys.executable, "manage.py", "ingest", "blk", str(path), "--network", "regtest", "--workers", str(workers)]
    return subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_a_killed_ingest_resumes_to_the_same_graph(ingest, chain_graph, tmp_path):
    path = busy_chain().write_blk(tmp_path / "blk00000.dat")
    ingest("blk", path, network="regtest")
    uninterrupted = fingerprint(chain_graph)

    graph_name = f"resume_{uuid.uuid4().hex}"
    resumed = open_graph(settings.GRAPH_URL, graph_name=graph_name, password=settings.GRAPH_PASSWORD)
    try:
        process = ingest_command(path, graph_name, tmp_path)
        blocks_at_kill = _kill_after_some_blocks(process, resumed)
        assert 0 < blocks_at_kill < uninterrupted["blocks"]["n"], "the kill must land mid-ingest"
        assert ingest_command(path, graph_name, tmp_path).wait(timeout=300) == 0
        assert fingerprint(resumed) == uninterrupted
    finally:
        resumed.delete_graph()


def _kill_after_some_blocks(process: subprocess.Popen, store, at_least: int = 40) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode()
        blocks = store.read("MATCH (b:Block) RETURN count(b) AS n")[0]["n"]
        if blocks >= at_least:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return store.read("MATCH (b:Block) RETURN count(b) AS n")[0]["n"]
        time.sleep(0.02)
    raise AssertionError("the ingest made no progress")


def test_a_killed_ingest_leaves_no_parser_process_behind(graph, tmp_path):
    path = busy_chain(blocks=200).write_blk(tmp_path / "blk00000.dat")
    graph_name = f"orphans_{uuid.uuid4().hex}"
    store = open_graph(settings.GRAPH_URL, graph_name=graph_name, password=settings.GRAPH_PASSWORD)
    try:
        process = ingest_command(path, graph_name, tmp_path, workers=2)
        parsers = _parsers_of(process)
        _kill_after_some_blocks(process, store, at_least=5)
        assert wait_gone(parsers) == [], "a parser process outlived the killed ingest"
    finally:
        store.delete_graph()


def _parsers_of(process: subprocess.Popen) -> list[int]:
    deadline = time.monotonic() + 120
    while len(children := children_of(process.pid)) < 2:
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the ingest started no parser processes"
        time.sleep(0.05)
    return children
