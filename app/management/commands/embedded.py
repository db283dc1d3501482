"""`manage.py embedded start|stop|status`: manage the embedded FalkorDB/Redis server by hand."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import embedded


class Command(BaseCommand):
    help = "Start, stop or show the embedded FalkorDB/Redis server used when GRAPH_URL/REDIS_URL are unset."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["start", "stop", "status"])

    def handle(self, *, action, **_options):
        if not settings.EMBEDDED_SERVER:
            raise CommandError("GRAPH_URL and REDIS_URL are both set: the embedded server is not used")
        server = embedded.from_settings()
        try:
            getattr(self, f"_{action}")(server)
        except embedded.EmbeddedServerError as exc:
            raise CommandError(str(exc)) from None

    def _start(self, server: embedded.EmbeddedServer) -> None:
        started = server.ensure_running()
        self.stdout.write(
            f"{'started' if started else 'already running'}: pid {server.running_pid()} on 127.0.0.1:{server.port}"
        )

    def _stop(self, server: embedded.EmbeddedServer) -> None:
        self.stdout.write("stopped" if server.stop() else "not running")

    def _status(self, server: embedded.EmbeddedServer) -> None:
        pid = server.running_pid()
        if pid is None:
            raise CommandError(f"not running (data in {server.data_dir})")
        self.stdout.write(f"running: pid {pid} on 127.0.0.1:{server.port}, data in {server.data_dir}")
