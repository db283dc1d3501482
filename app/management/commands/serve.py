"""`manage.py serve`: the whole stack on one machine, stopped together by Ctrl-C."""

import logging
import os
import signal
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from app.services import admin_ensure
from app.supervisor import Supervisor
from chain.services import demo_world_load
from core import embedded
from graph import get_graph
from graph.schema import ensure_schema
from graphml.tasks import model_first_bootstrap as model_first_bootstrap_task
from investigations.tagging import demo_tags_load

log = logging.getLogger(__name__)

Say = Callable[[str], None]  # a line for the operator's terminal


class Command(BaseCommand):
    help = "Start the embedded server (if used), migrate, then run gunicorn, the Celery worker and beat."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")

    def handle(self, *, host, port, web_workers, concurrency, **_options):
        for signum in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: a shell may start us with it ignored
            signal.signal(signum, _raise_keyboard_interrupt)
        server = embedded.from_settings() if settings.EMBEDDED_SERVER else None
        supervisor = Supervisor()
        owns_server = False  # never stop a server another process started and still uses
        try:
            owns_server = server is not None and _ensure_embedded(server, self.stdout.write)
            if server is not None and not owns_server:
                self.stdout.write(
                    f"Using the embedded server already running (pid {server.running_pid()}); "
                    "it stays up after this command (stop it: make embedded-stop)."
                )
            self._prepare()
            for name, argv in _children(host, port, web_workers, concurrency).items():
                supervisor.start(name, argv)
            self._announce(f"http://{host}:{port}", supervisor)
            self._queue_first_model()
            _supervise(supervisor, server, self.stdout.write)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            supervisor.stop_all()
            if owns_server and server.stop():
                self.stdout.write(f"Embedded FalkorDB/Redis server stopped (data kept in {server.data_dir}).")

    def _prepare(self) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        ensure_schema(get_graph())
        if settings.DEMO_WORLD_TXS:
            self._load_demo_world()

    def _load_demo_world(self) -> None:
        """Before the workers start, so the demo's ingest is the only writer."""
        txs = settings.DEMO_WORLD_TXS
        self.stdout.write(f"Loading the demo world ({txs:,} simulated transactions; DEMO_WORLD_TXS=0 skips it)…")
        run = demo_world_load(txs=txs, directory=settings.DEMO_WORLD_DIR, workers=os.cpu_count() or 1)
        if run is None:
            self.stdout.write("  already loaded, or the graph holds a chain of its own: nothing to do.")
        elif run.status != run.Status.SUCCEEDED:
            raise CommandError(f"the demo world did not load: {run.error}")
        else:
            self.stdout.write(
                f"  demo world loaded: {run.txs:,} transactions in {run.blocks_done:,} blocks "
                f"(ground truth: {settings.DEMO_WORLD_DIR / 'truth.csv'})."
            )
        tags = demo_tags_load(directory=settings.DEMO_WORLD_DIR)
        if tags is not None:
            self.stdout.write(f"  the demo world's TagPack: {tags.tags:,} tags of what an investigator could know.")

    def _queue_first_model(self) -> None:
        """With the workers up: a first model trained on the demo world labels it in the background."""
        from graphml.models import ModelVersion

        truth = settings.DEMO_WORLD_DIR / "truth.csv"
        if settings.DEMO_WORLD_TXS and truth.is_file() and not ModelVersion.objects.exists():
            model_first_bootstrap_task.delay(str(truth), str(settings.VAR_DIR / "models" / "first-run"))
            self.stdout.write("A first model is training on the demo world; its flags appear in a few minutes.")

    def _announce(self, url: str, supervisor: Supervisor) -> None:
        if not _wait_healthy(url + "/healthz", supervisor):
            raise CommandError(f"the stack did not become healthy; see {url}/healthz and the logs above")
        login = admin_ensure(var_dir=settings.VAR_DIR)
        password = login.password or "(changed since first start; reset: python manage.py changepassword admin)"
        self.stdout.write(
            self.style.SUCCESS(
                f"\nChainSleuth is running at {url}/\n"
                f"  login: {login.username}  password: {password}\n"
                f"  health: {url}/healthz   API docs: {url}/api/v1/docs/\n"
                "Press Ctrl-C to stop everything.\n"
            )
        )


def _children(host: str, port: int, web_workers: int, concurrency: int) -> dict[str, list[str]]:
    python = [sys.executable, "-m"]
    web = f"gunicorn app.wsgi --config python:app.gunicorn_conf --bind {host}:{port} --workers {web_workers}"
    web += " --graceful-timeout 10 --access-logfile -"
    worker = f"celery -A app worker --loglevel info --queues celery --concurrency {concurrency} --hostname worker@%h"
    # Anomaly scans and webhooks promise a second: a worker of their own, never behind a long job.
    realtime = "celery -A app worker --loglevel info --queues realtime --concurrency 1 --hostname realtime@%h"
    beat = "celery -A app beat --loglevel info"
    return {
        "web": python + web.split() + _control_socket(settings.VAR_DIR),
        "worker": python + worker.split(),
        "realtime": python + realtime.split(),
        "beat": python + beat.split(),
    }


def _control_socket(var_dir: Path) -> list[str]:
    """gunicorn's control socket under VAR_DIR, not the shared ~/.gunicorn/gunicorn.ctl, so two stacks on
    one host do not collide; none when the path is too long for a Unix socket (108 bytes)."""
    path = var_dir.resolve() / "gunicorn.ctl"
    if len(os.fsencode(path)) >= 108:
        return ["--no-control-socket"]
    return ["--control-socket", str(path)]


def _supervise(supervisor: Supervisor, server: embedded.EmbeddedServer | None, say: Say) -> None:
    """Stop everything if a child dies; keep the embedded server up meanwhile."""
    while (exited := supervisor.first_exited()) is None:
        time.sleep(1)
        if server is not None:
            watch_embedded(server, say)
    raise CommandError(f"{exited} exited unexpectedly; stopping the rest")


def watch_embedded(server: embedded.EmbeddedServer, say: Say) -> None:
    """Restart the embedded server if its process died (its AOF keeps the data), waiting while it reloads.

    A server that lives but is loading or busy is left alone: after a crash its reload can take longer
    than any fixed timeout, and it counts as alive as long as it loads.
    """
    health = server.health()
    if health.status is embedded.Status.DOWN:
        log.warning("the embedded FalkorDB/Redis server is not running; restarting it")
    if health.status in (embedded.Status.DOWN, embedded.Status.LOADING):
        _ensure_embedded(server, say)


def _ensure_embedded(server: embedded.EmbeddedServer, say: Say) -> bool:
    def loading(health: embedded.Health) -> None:
        say(f"The embedded FalkorDB/Redis server is {health.describe()}; waiting for it.")

    try:
        return server.ensure_running(on_loading=loading)
    except embedded.EmbeddedServerError as exc:
        raise CommandError(str(exc)) from None


def _wait_healthy(url: str, supervisor: Supervisor, timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and supervisor.first_exited() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own loopback URL
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def _raise_keyboard_interrupt(*_args) -> None:
    raise KeyboardInterrupt
