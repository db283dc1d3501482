"""`manage.py graph schema|ping`: bootstrap the graph schema or check the connection."""

from django.core.management.base import BaseCommand, CommandError

from graph import GraphError, get_graph
from graph.schema import ensure_schema


class Command(BaseCommand):
    help = "Create the graph's keys and indexes (idempotent), or check that the graph answers."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["schema", "ping"])

    def handle(self, *, action, **_options):
        store = get_graph()
        try:
            if action == "schema":
                ensure_schema(store)
            else:
                store.ping()
        except GraphError as exc:
            raise CommandError(f"graph ({store.engine}): {exc}") from None
        self.stdout.write(f"graph ({store.engine}): ok")
