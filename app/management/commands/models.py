"""`manage.py models list|promote N|rollback`: the model registry."""

from django.core.management.base import BaseCommand, CommandError

from graphml.models import ModelVersion
from graphml.registry import RegistryError, model_version_promote, model_version_rollback


class Command(BaseCommand):
    help = "List model versions, make one active, or return to the one active before."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list")
        promote = actions.add_parser("promote")
        promote.add_argument("version", type=int)
        actions.add_parser("rollback")

    def handle(self, *, action, version=None, **_options):
        try:
            if action == "promote":
                self.stdout.write(f"active: {model_version_promote(version=version)}")
            elif action == "rollback":
                self.stdout.write(f"active: {model_version_rollback()}")
        except RegistryError as exc:
            raise CommandError(str(exc)) from exc
        for model in ModelVersion.objects.all():
            metrics = model.metrics
            self.stdout.write(
                f"{'*' if model.active else ' '} v{model.version:<4} {model.kind:<18} F1 {metrics['f1']:.3f}  "
                f"PR-AUC {metrics['pr_auc']:.3f}  threshold {model.threshold:.3f}  trained to block "
                f"{model.trained_until}  {model.created_at:%Y-%m-%d %H:%M}"
            )
