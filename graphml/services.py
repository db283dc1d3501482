"""Labeling-job services: score addresses with the active model and write the scores to the graph.

A job is a row the UI can show (status, progress, counts, duration). Scores are
a deterministic function of the model and the graph, so running a job again on
the same graph writes the same values: nothing changes.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils import timezone

from core.errors import ChainSleuthError
from core.runner import job_execute
from graph import get_graph
from graph.ml import (
    cluster_members,
    flag_clusters,
    scored_pages,
    write_reasons,
    write_scores,
)
from graphml import labeling
from graphml.dataset import NothingToLearn, graph_until
from graphml.explain import explain
from graphml.models import LabelingJob, ModelVersion
from graphml.nets import PropagatedScorer
from graphml.outcomes import confirmed_labels, confirmed_labels_since
from graphml.registry import (
    RegistryError,
    model_version_active,
    model_version_load,
    model_version_promote,
    model_version_register,
)
from graphml.runs import chain_arrays, collector_paused, train_run
from graphml.sign_reasons import sign_reasons, sign_sources
from graphml.training import TrainSpec
from investigations.alerts import alerts_from_labeling

log = logging.getLogger(__name__)


class LabelingScopeError(ChainSleuthError, ValueError):
    """A scope no job can label (unknown, or a case that does not exist)."""


# Small and quick, for the first start: the full model comes from `manage.py train`.
FIRST_RUN_SPEC = TrainSpec(models=("graphsage",), epochs=40, patience=20, hidden=32)


def model_first_bootstrap(*, truth: Path, directory: Path) -> LabelingJob | None:
    """On a new installation with a demo world, train a first model on it and label the graph, so
    investigators find flagged clusters minutes after the first start. None when a model exists."""
    if ModelVersion.objects.exists() or not truth.is_file():
        return None
    report = train_run(
        store=get_graph(),
        truth=truth,
        directory=directory,
        spec=FIRST_RUN_SPEC,
        change_min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE,
    )
    model_version_register(report=report, directory=directory, activate=True)
    return labeling_job_execute(job_id=labeling_job_create().id)


def labeling_nightly(*, retrain_spec: TrainSpec | None = None) -> LabelingJob | None:
    """Retrain first when enough new verdicts exist; then label the addresses active since the last full or
    nightly job with the active model, or every address when retraining promoted a new one. None without
    an active model."""
    active = model_version_active()
    if active is None:
        return None
    retrained = model_retrain_if_due(spec=retrain_spec)
    scope = "all" if retrained is not None and retrained.active else "since_last"
    return labeling_job_execute(job_id=labeling_job_create(scope=scope).id)


def model_retrain_if_due(*, spec: TrainSpec | None = None) -> ModelVersion | None:
    """Train a new version once `RETRAIN_MIN_LABELS` verdicts were recorded after the newest version;
    it becomes active when its test PR-AUC is at least the active version's, else it waits for an admin
    (`manage.py models promote`). None when not due, or when the labels cannot make a split yet."""
    if not settings.RETRAIN_MIN_LABELS:
        return None
    newest = ModelVersion.objects.order_by("-version").first()
    due = confirmed_labels_since(newest.created_at if newest else None)
    if due < settings.RETRAIN_MIN_LABELS:
        return None
    truth = settings.DEMO_WORLD_DIR / "truth.csv"
    directory = settings.VAR_DIR / "models" / timezone.now().strftime("retrain-%Y%m%d-%H%M%S")
    spec, warm = _warm_start(model_version_active(), spec or TrainSpec())
    try:
        report = train_run(
            store=get_graph(),
            truth=truth if truth.is_file() else None,
            confirmed=confirmed_labels(),
            directory=directory,
            spec=spec,
            change_min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE,
            warm=warm,
        )
    except NothingToLearn as error:  # too few labels in a period: wait for more, keep labeling
        log.warning("retraining on %d new verdicts skipped: %s", due, error)
        return None
    version = model_version_register(report=report, directory=directory)
    active = model_version_active()
    if active is None or version.metrics["pr_auc"] >= active.metrics["pr_auc"]:
        version = model_version_promote(version=version.version)
    log.info("retrained on %d new verdicts: %s", due, version)
    return version


def _warm_start(active: ModelVersion | None, spec: TrainSpec) -> tuple[TrainSpec, dict]:
    """Start the retraining from the active model's weights where its architecture is one `spec` trains
    (same kind and width, today's features), with at most RETRAIN_WARM_EPOCHS epochs (passes for sign):
    it refines a model that already fits yesterday's chain. Otherwise every model starts cold."""
    if active is None or active.kind not in spec.models or active.hidden != spec.hidden:
        return spec, {}
    try:
        network = model_version_load(active).network
    except (RegistryError, OSError) as error:  # other features, or its artifacts are gone: start cold
        log.warning("retraining starts cold: v%d cannot be loaded (%s)", active.version, error)
        return spec, {}
    if network is None:  # the trees: nothing to warm-start
        return spec, {}
    limit = settings.RETRAIN_WARM_EPOCHS
    log.info("retraining %s warm from v%d, at most %d epochs", active.kind, active.version, limit)
    fewer = replace(spec, epochs=min(spec.epochs, limit), passes=min(spec.passes, limit))
    return fewer, {active.kind: network.state_dict()}


def labeling_job_create(
    *, scope: str = "all", version: int | None = None, explain_top: int | None = None
) -> LabelingJob:
    """`explain_top` (default LABELING_EXPLAIN_TOP, which is every flagged address): how many of the riskiest
    flagged addresses get reasons; 0 for none."""
    if scope not in ("all", "since_last") and not scope.startswith(("cluster:", "case:")):
        raise LabelingScopeError(
            f"unknown scope {scope!r}: 'all', 'since_last', 'cluster:<cluster id>' or 'case:<case id>'"
        )
    if scope.startswith("case:"):
        case_for_labeling(scope)  # refused now, not when a worker picks the job up
    model = ModelVersion.objects.filter(version=version).first() if version else model_version_active()
    if model is None:
        raise RegistryError(
            "no active model: train one first (manage.py train)" if version is None else f"no model version {version}"
        )
    explain_top = settings.LABELING_EXPLAIN_TOP if explain_top is None else explain_top
    return LabelingJob.objects.create(model_version=model, scope=scope, explain_top=explain_top)


def labeling_job_execute(*, job_id: int, on_progress: Callable[[LabelingJob], None] | None = None) -> LabelingJob:
    """Run a queued job to the end through the job runner (core/runner.py): a job another live worker holds
    is left alone; one whose worker died is taken over and run again (its writes are idempotent).
    `on_progress` sees the job after each batch it writes (a command's progress bar). A refusal (a model
    trained on other features, a missing case) is recorded FAILED and raised to the caller."""

    def body(job: LabelingJob) -> None:
        with collector_paused():
            _run(job, on_progress or (lambda job: None))

    return job_execute(LabelingJob, job_id, body, raise_failed=True, on_success=_alerts_raise)


def _alerts_raise(job: LabelingJob) -> None:
    """A job that flagged clusters puts them in every team's alert queue (investigations, the layer below)."""
    if not job.clusters_flagged:
        return
    try:
        raised = alerts_from_labeling(model=f"v{job.model_version.version}")
    except Exception:  # the scores are written and the job succeeded; the next job raises what this one missed
        log.exception("labeling job %s: raising its alerts failed", job.id)
        return
    log.info("labeling job %s: %d new alerts", job.id, raised)


def _run(job: LabelingJob, on_progress: Callable[[LabelingJob], None]) -> None:
    store, version, clock = get_graph(), job.model_version, _Phases()
    _phase(job, LabelingJob.Phase.READING, on_progress)
    model = model_version_load(version)
    arrays = chain_arrays(store, change_min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE)
    graph = clock.lap("read", graph_until(arrays, None))
    _phase(job, LabelingJob.Phase.SCORING, on_progress)
    scores = clock.lap("score", labeling.Scores.of(model.probabilities(graph), threshold=version.threshold))
    in_scope = _scope(job, store, arrays)
    name = f"v{version.version}"
    writes = clock.lap("compare", labeling.score_writes(arrays, scores, in_scope, scored_pages(store), model=name))
    job.addresses_total = int(in_scope.sum())
    job.addresses_scored = job.addresses_total - len(writes)  # already holding this score: nothing to write
    job.flagged = int((scores.flagged & in_scope).sum())
    job.scored_until = int(arrays.tx_height.max()) if len(arrays.tx_height) else None
    job.phase = LabelingJob.Phase.WRITING
    job.save(update_fields=["addresses_total", "addresses_scored", "flagged", "scored_until", "phase"])
    on_progress(job)

    def written(n: int) -> None:
        job.addresses_scored += n
        job.save(update_fields=["addresses_scored"])
        on_progress(job)

    clock.lap("write", write_scores(store, writes, model=name, on_batch=written))
    _phase(job, LabelingJob.Phase.FLAGGING, on_progress)
    job.clusters_flagged = clock.lap("flag clusters", flag_clusters(store, model=name))
    job.save(update_fields=["clusters_flagged"])
    _phase(job, LabelingJob.Phase.EXPLAINING, on_progress)
    reasons = model.reasons(arrays, graph, scores.risk, scores.flagged & in_scope, top=job.explain_top)
    clock.lap("reasons", write_reasons(store, reasons))
    job.explained = len(reasons)
    log.info("labeling job %s: %d scores written of %d; %s", job.id, len(writes), job.addresses_total, clock)


class _Phases:
    """Where a job's time went, for the log (and bench/labeling.py, which reads that line)."""

    def __init__(self) -> None:
        self.last, self.seconds = time.perf_counter(), {}

    def lap(self, name: str, value=None):
        now = time.perf_counter()
        self.seconds[name], self.last = now - self.last, now
        return value

    def __str__(self) -> str:
        return ", ".join(f"{name} {seconds:.2f} s" for name, seconds in self.seconds.items())


class AddressNotScored(ChainSleuthError, LookupError):
    """An address the graph does not hold as confirmed: there is nothing to explain."""


def address_explain_deep(address: str, *, version: int | None = None) -> dict:
    """A deep look at one address on demand: GNNExplainer's masks (graphml/explain.py), slower than the
    job's Integrated Gradients (about 0.2 s, plus reading the graph) and optimised for this address alone.
    sign has no message passing for GNNExplainer to mask: it gets the job's reasons and, under `sources`,
    its attributions per place in the neighbourhood they were read (graphml/sign_reasons.py).
    Returns its reasons (features, weights, neighbours) as a job stores them; nothing is written."""
    model_row = ModelVersion.objects.filter(version=version).first() if version else model_version_active()
    if model_row is None:
        raise RegistryError("no active model: train one first (manage.py train)")
    model = model_version_load(model_row)
    if model.network is None:
        raise RegistryError(f"model v{model_row.version} is the gradient-boosting baseline: it reads no graph")
    arrays = chain_arrays(get_graph(), change_min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE)
    target = arrays.index.get(address)
    if target is None:
        raise AddressNotScored(f"address {address} is not in the graph as a confirmed address")
    graph = graph_until(arrays, None)
    if isinstance(model.network, PropagatedScorer):  # no message passing to mask: its reasons, and where
        (reasons,) = sign_reasons(model.network, arrays, graph, [target])
        return asdict(reasons) | {"sources": sign_sources(model.network, graph, target)}
    (reasons,) = explain(model.network, arrays, graph["address"].x.numpy(), [target])
    return asdict(reasons)


def _phase(job: LabelingJob, phase: str, on_progress: Callable[[LabelingJob], None]) -> None:
    """Saved at once, so the dashboard's next poll shows where a long job is."""
    job.phase = phase
    job.save(update_fields=["phase"])
    on_progress(job)


def _scope(job: LabelingJob, store, arrays) -> np.ndarray:
    """Which addresses the job writes: all; one cluster's; or those active after the last full job's
    last block (the nightly run). Scores are computed over the whole graph either way: a GNN needs it."""
    if job.scope.startswith(("cluster:", "case:")):
        members = _members(job.scope, store)
        return np.array([address in members for address in arrays.addresses], dtype=bool)
    if job.scope == "since_last":
        previous = (
            LabelingJob.objects.filter(status=LabelingJob.Status.SUCCEEDED, scope__in=("all", "since_last"))
            .exclude(scored_until=None)
            .order_by("-finished_at")
            .first()
        )
        if previous is not None:
            return arrays.address_last_height > previous.scored_until
    return np.ones(len(arrays.addresses), dtype=bool)


def _members(scope: str, store) -> set[str]:
    kind, _, ref = scope.partition(":")
    if kind == "cluster":
        return cluster_members(store, ref)
    from investigations.selectors import case_addresses  # cases are another app's: only this scope needs them

    return case_addresses(case_for_labeling(scope))


def case_for_labeling(scope: str):
    """The case of a `case:<id>` scope, whichever team owns it: a labeling job is an operator's (beat, the
    command line, the admin start it; graphml/api.py only lists jobs), run on behalf of no team, so this
    read is not `for_user`. Nothing a user calls reaches it."""
    from investigations.models import Case

    ref = scope.removeprefix("case:")
    case = Case.objects.filter(id=int(ref)).first() if ref.isdigit() else None
    if case is None:
        raise LabelingScopeError(f"scope {scope!r}: there is no case {ref}")
    return case
