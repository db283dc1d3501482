"""The embedded FalkorDB/Redis server: one per data directory, restartable, durable, clear when blocked."""

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from core.embedded import EmbeddedServer, EmbeddedServerError
from graph import open_graph
from tests.conftest import REPO_ROOT, free_port


@pytest.fixture
def server(tmp_path):
    embedded = EmbeddedServer(data_dir=tmp_path / "falkordb", port=free_port(), password="test-password")
    yield embedded
    embedded.stop()


def graph_of(server: EmbeddedServer):
    return open_graph(f"falkordb://:{server.password}@127.0.0.1:{server.port}", graph_name="g")


def test_it_starts_on_demand_with_falkordb_loaded(server):
    assert server.ensure_running() is True
    assert graph_of(server).read("RETURN 40 + 2 AS answer") == [{"answer": 42}]


def test_it_is_configured_for_durability_and_loopback_only(server):
    server.ensure_running()
    config = server.client().config_get("*")
    assert config["appendonly"] == "yes"
    assert config["appendfsync"] == "everysec"
    assert config["maxmemory-policy"] == "noeviction"
    assert config["bind"] == "127.0.0.1"
    assert os.stat(server.data_dir / "redis.conf").st_mode & 0o077 == 0


def test_it_refuses_clients_without_the_password(server):
    server.ensure_running()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"PING\r\n")
        assert sock.recv(100).startswith(b"-NOAUTH")


def test_starting_it_twice_reuses_the_running_server(server):
    server.ensure_running()
    first_pid = server.running_pid()
    assert server.ensure_running() is False
    assert server.running_pid() == first_pid


def test_concurrent_starters_start_exactly_one_server(server):
    script = (
        "import sys; from pathlib import Path; from core.embedded import EmbeddedServer;"
        "s = EmbeddedServer(data_dir=Path(sys.argv[1]), port=int(sys.argv[2]), password='test-password');"
        "print(s.ensure_running())"
    )
    argv = [sys.executable, "-c", script, str(server.data_dir), str(server.port)]
    with ThreadPoolExecutor(4) as pool:
        outputs = list(
            pool.map(lambda _: subprocess.run(argv, capture_output=True, text=True, cwd=REPO_ROOT), range(4))
        )
    assert sorted(out.stdout.strip() for out in outputs) == ["False", "False", "False", "True"], outputs
    assert _redis_servers_on(server.port) == [server.running_pid()]


def test_a_stale_pidfile_does_not_block_a_start(server):
    server.data_dir.mkdir(parents=True)
    sleeper = subprocess.Popen(["sleep", "30"])  # a live process that is not our server
    try:
        server.pidfile.write_text(f"{sleeper.pid}\n")
        assert server.ensure_running() is True
        assert server.running_pid() != sleeper.pid
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_pidfile_naming_another_data_directorys_server_is_stale(server, tmp_path):
    neighbour = EmbeddedServer(data_dir=tmp_path / "neighbour", port=free_port(), password="other")
    neighbour.ensure_running()
    try:
        server.data_dir.mkdir(parents=True)
        server.pidfile.write_text(str(neighbour.running_pid()))  # e.g. a pid reused after a reboot
        assert server.ensure_running() is True
        assert server.running_pid() != neighbour.running_pid()
        assert server.stop() is True
        assert neighbour.running_pid() is not None, "stopping our server must never touch another"
    finally:
        neighbour.stop()


def test_a_pidfile_of_a_dead_process_does_not_block_a_start(server):
    server.data_dir.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    server.pidfile.write_text(str(dead.pid))
    assert server.ensure_running() is True


def test_a_port_taken_by_another_program_gives_a_clear_error(server):
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", server.port))
        squatter.listen()
        with pytest.raises(
            EmbeddedServerError, match=f"port {server.port} on 127.0.0.1 is already in use.*EMBEDDED_PORT"
        ):
            server.ensure_running()


def test_acknowledged_writes_survive_kill_9(server):
    server.ensure_running()
    graph = graph_of(server)
    graph.write("UNWIND range(1, 500) AS i CREATE (:Address {address: 'a' + toString(i), received: i})")
    os.kill(server.running_pid(), signal.SIGKILL)
    _wait_until(lambda: server.running_pid() is None)
    assert server.ensure_running() is True
    graph = graph_of(server)
    assert graph.read("MATCH (a:Address) RETURN count(a) AS n, sum(a.received) AS total") == [
        {"n": 500, "total": 125250}
    ]


def test_stop_shuts_it_down_and_a_later_start_keeps_the_data(server):
    server.ensure_running()
    graph_of(server).write("CREATE (:Block {hash: 'h1'})")
    assert server.stop() is True
    assert _redis_servers_on(server.port) == []
    assert server.stop() is False
    server.ensure_running()
    assert graph_of(server).read("MATCH (b:Block) RETURN b.hash AS hash") == [{"hash": "h1"}]


def _redis_servers_on(port: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if b"redis-server" in cmdline and f":{port}".encode() in cmdline:
                pids.append(int(entry))
    return pids


def _wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# --- a restart that reloads for longer than the start timeout ---

SLOW_RELOAD = "key-load-delay 1500\nloading-process-events-interval-bytes 1024\n"  # about 1.5 ms a key: 4.5 s


@pytest.fixture
def slow_reloading_server(tmp_path):
    """A real server holding 3,000 keys in its AOF's RDB part, configured to reload them slowly, so a
    restart loads for longer than its start timeout (as a large graph does)."""
    embedded = EmbeddedServer(
        data_dir=tmp_path / "falkordb",
        port=free_port(),
        password="test-password",
        start_timeout=1.0,
        extra_config=SLOW_RELOAD,
    )
    embedded.ensure_running()
    client = embedded.client()
    client.config_set("key-load-delay", 0)  # writing is quick; only the reload is slow
    client.mset({f"key{i}": "x" * 2000 for i in range(3000)})
    client.bgrewriteaof()
    _wait_until(lambda: not _rewriting(client))
    os.kill(embedded.running_pid(), signal.SIGKILL)
    _wait_until(lambda: embedded.health().status.value == "down")
    yield embedded
    embedded.stop()


def _rewriting(client) -> bool:
    info = client.info("persistence")
    return bool(info["aof_rewrite_in_progress"] or info["aof_rewrite_scheduled"])


def test_a_server_reloading_longer_than_the_start_timeout_is_waited_for_with_its_progress(slow_reloading_server):
    reports = []
    started = time.monotonic()
    assert slow_reloading_server.ensure_running(on_loading=reports.append) is True
    assert time.monotonic() - started > slow_reloading_server.start_timeout * 2, "the reload must outlast the timeout"
    assert slow_reloading_server.client().dbsize() == 3000
    assert reports
    assert all(report.status.value == "loading" for report in reports)
    assert reports[0].loaded_percent is not None
    assert "% done" in reports[0].describe()


def test_a_loading_server_is_reported_alive_and_loading(slow_reloading_server):
    seen = []
    with ThreadPoolExecutor(1) as pool:
        starting = pool.submit(slow_reloading_server.ensure_running, on_loading=lambda _health: None)
        while not starting.done():
            running_pid = slow_reloading_server.running_pid()  # first: a server up here cannot be loading below
            health = slow_reloading_server.health()
            seen.append((health.status.value, health.alive, running_pid))
            time.sleep(0.1)
        assert starting.result() is True
    loading = [entry for entry in seen if entry[0] == "loading"]
    assert loading, seen
    assert all(alive and running_pid is None for _, alive, running_pid in loading), "alive, but not serving yet"
    assert slow_reloading_server.health().status.value == "up"


def test_the_run_commands_watch_waits_for_a_reload_instead_of_stopping_the_stack(slow_reloading_server):
    from app.management.commands.serve import watch_embedded

    said = []
    watch_embedded(slow_reloading_server, said.append)  # would raise CommandError, which stops the stack
    assert slow_reloading_server.client().dbsize() == 3000
    assert any("loading its data" in line for line in said), said
    watch_embedded(slow_reloading_server, said.append)  # up now: nothing to do
    assert _redis_servers_on(slow_reloading_server.port) == [slow_reloading_server.running_pid()]


def test_its_aof_is_compacted_so_reloads_stay_short(server):
    server.ensure_running()
    config = server.client().config_get("*")
    assert config["aof-use-rdb-preamble"] == "yes"
    assert config["auto-aof-rewrite-percentage"] == "100"
    assert int(config["auto-aof-rewrite-min-size"]) == 16 * 1024 * 1024
