"""`manage.py train`: train the GNNs and the baseline on the graph, report them side by side."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from graph import get_graph
from graphml.nets import KINDS
from graphml.registry import model_version_active, model_version_register
from graphml.runs import train_run
from graphml.training import TrainSpec


class Command(BaseCommand):
    help = "Train GraphSAGE, GAT and a gradient-boosting baseline on a temporal split; write the report."

    def add_arguments(self, parser):
        parser.add_argument(
            "--truth",
            type=Path,
            default=settings.DEMO_WORLD_DIR / "truth.csv",
            help="labels: a ground-truth CSV (address, label illicit|licit, typology)",
        )
        parser.add_argument("--out", type=Path, help="report directory (default: var/models/<time>)")
        parser.add_argument("--models", nargs="+", choices=KINDS, default=list(KINDS))
        parser.add_argument("--epochs", type=int, default=TrainSpec.epochs)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--target-precision", type=float, default=TrainSpec.target_precision)
        parser.add_argument(
            "--activate", action="store_true", help="make the new version active at once (the first version always is)"
        )

    def handle(self, *, truth, out, models, epochs, seed, target_precision, activate, **_options):
        directory = out or settings.VAR_DIR / "models" / time.strftime("%Y%m%d-%H%M%S")
        spec = TrainSpec(models=tuple(models), epochs=epochs, seed=seed, target_precision=target_precision)
        try:
            report = train_run(store=get_graph(), truth=truth, directory=directory, spec=spec)
        except (FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{'model':<20} {'val PR-AUC':>10} {'test F1':>8} {'precision':>9} {'recall':>7} {'PR-AUC':>7}"
        )
        for name, result in report.results.items():
            t = result.test
            marker = "  ← shipped" if name == report.shipped else ""
            self.stdout.write(
                f"{name:<20} {result.val_pr_auc:>10.3f} {t['f1']:>8.3f} {t['precision']:>9.3f} "
                f"{t['recall']:>7.3f} {t['pr_auc']:>7.3f}{marker}"
            )
        version = model_version_register(
            report=report, directory=directory, activate=activate or model_version_active() is None
        )
        state = "active" if version.active else "not active (manage.py models promote)"
        self.stdout.write(
            f"Model version {version.version} ({version.kind}), {state}. Report: {directory / 'report.json'}"
        )
