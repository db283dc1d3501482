"""`manage.py train`: train the GNNs and the baseline on the graph (or on Elliptic's files), report them
side by side."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.errors import ChainSleuthError
from graph import get_graph
from graphml import elliptic
from graphml.nets import KINDS
from graphml.outcomes import confirmed_labels
from graphml.registry import model_version_active, model_version_register
from graphml.report import write_report
from graphml.runs import train_run
from graphml.training import DEFAULT_MODELS, TrainingReport, TrainSpec


class Command(BaseCommand):
    help = (
        "Train the propagated model (sign; --models adds GraphSAGE, GAT) and a gradient-boosting baseline on a "
        "temporal split; write the report."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dataset",
            choices=("graph", "elliptic"),
            default="graph",
            help="graph (default): the address graph with --truth labels; elliptic: Elliptic's CSVs in DIRECTORY, "
            "reported beside Weber et al.'s published table and not registered",
        )
        parser.add_argument("directory", nargs="?", type=Path, help="Elliptic's directory (--dataset elliptic)")
        parser.add_argument(
            "--truth",
            type=Path,
            help="labels: a ground-truth CSV (address, and label illicit|licit|1|0 or illicit 1|0; typology optional); "
            "by default the demo world's, where there is one. Investigators' verdicts (confirmed and dismissed cases) "
            "are always added",
        )
        parser.add_argument("--out", type=Path, help="report directory (default: var/models/<time>)")
        parser.add_argument(
            "--models",
            nargs="+",
            choices=KINDS,
            default=list(DEFAULT_MODELS),
            help="sign (default): an MLP over precomputed multi-hop means, mini-batched, scales to millions of "
            "addresses; graphsage, gat: full-batch message passing (minutes at 100,000 addresses, an hour at 1M)",
        )
        parser.add_argument(
            "--epochs",
            type=int,
            help=f"at most this many epochs (full-batch GNNs, default {TrainSpec.epochs}) and passes over the training "
            f"rows (sign, default {TrainSpec.passes})",
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--target-precision", type=float, default=TrainSpec.target_precision)
        parser.add_argument(
            "--activate", action="store_true", help="make the new version active at once (the first version always is)"
        )

    def handle(self, *, dataset, directory, truth, out, models, epochs, seed, target_precision, activate, **_):
        out = out or settings.VAR_DIR / "models" / time.strftime("%Y%m%d-%H%M%S")
        limits = {"epochs": epochs, "passes": epochs} if epochs else {}
        spec = TrainSpec(models=tuple(models), seed=seed, target_precision=target_precision, **limits)
        try:
            with TrainingBars(self.stderr) as bars:
                if dataset == "elliptic":
                    return self._elliptic(directory, out, spec, bars)
                report = train_run(
                    store=get_graph(),
                    truth=truth or _demo_truth(),
                    confirmed=confirmed_labels(),
                    directory=out,
                    spec=spec,
                    progress=bars,
                    change_min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE,
                )
        except (FileNotFoundError, ChainSleuthError) as exc:  # no truth file; too few labels, bad Elliptic files
            raise CommandError(str(exc)) from exc
        self._table(report)
        version = model_version_register(
            report=report, directory=out, activate=activate or model_version_active() is None
        )
        state = "active" if version.active else "not active (manage.py models promote)"
        self.stdout.write(f"Model version {version.version} ({version.kind}), {state}. Report: {out / 'report.json'}")

    def _elliptic(self, directory: Path | None, out: Path, spec: TrainSpec, bars) -> None:
        if directory is None:
            raise CommandError("--dataset elliptic needs the directory holding the Elliptic CSV files")
        report = elliptic.train(elliptic.read(directory), spec, progress=bars)
        write_report(report, out, extra={"dataset": "elliptic", "published": elliptic.PUBLISHED})
        bars.close()
        split = report.split
        self.stdout.write(
            f"Elliptic, illicit class; train on time steps 1-{split.train_until}, "
            f"validate on {split.train_until + 1}-{split.val_until}, test on {split.val_until + 1} and later"
        )
        self._table(report)
        self.stdout.write("\nPublished (Weber et al. 2019, same test steps 35-49, all features):")
        for name, published in elliptic.PUBLISHED.items():
            self.stdout.write(
                f"{name:<32} F1 {published['f1']:.3f}  precision {published['precision']:.3f}  "
                f"recall {published['recall']:.3f}"
            )
        self.stdout.write(f"Report: {out / 'report.json'} (not registered: Elliptic's features are not the graph's)")

    def _table(self, report: TrainingReport) -> None:
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


def _demo_truth() -> Path | None:
    truth = settings.DEMO_WORLD_DIR / "truth.csv"
    return truth if truth.is_file() else None


class TrainingBars:
    """One tqdm bar per model, on stderr (hidden when it is not a terminal): epochs (passes) for a network,
    with its loss and last validation PR-AUC beside the bar, one step for the trees. A model that stops
    early leaves its bar short of the limit, which is the truth."""

    def __init__(self, stream) -> None:
        self.stream, self.bars, self.shown = stream, {}, {}

    def __call__(self, model: str, step: int, steps: int, **figures: float) -> None:
        if model not in self.bars:
            self.bars[model] = tqdm(total=steps, desc=f"training {model}", unit="epoch", file=self.stream, disable=None)
            self.shown[model] = {}
        self.shown[model].update({name: f"{value:.3f}" for name, value in figures.items()})
        if figures:
            self.bars[model].set_postfix(self.shown[model], refresh=False)
        self.bars[model].update(step - self.bars[model].n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()
        self.shown.clear()

    def __enter__(self) -> "TrainingBars":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
