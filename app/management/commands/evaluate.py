"""`manage.py evaluate`: how a registered model does on the graph as it is now, against a ground truth."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.errors import ChainSleuthError
from graph import get_graph
from graphml.runs import evaluate_run


class Command(BaseCommand):
    help = "Score the graph with a model version and report its metrics on addresses it never trained on."

    def add_arguments(self, parser):
        parser.add_argument("--model", dest="version", type=int, help="a model version (default: the active one)")
        parser.add_argument(
            "--truth", type=Path, default=settings.DEMO_WORLD_DIR / "truth.csv", help="labels: a ground-truth CSV"
        )

    def handle(self, *, version, truth, **_options):
        try:
            result = evaluate_run(store=get_graph(), truth=truth, version=version)
        except (FileNotFoundError, ChainSleuthError) as exc:  # no truth file; a missing model, too few labels
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, indent=2))
