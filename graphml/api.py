"""What investigators see of labeling in the web app: the jobs with their progress, the models with their
test metrics side by side, the training report's plots, the graph's risk distribution, and why an address or
a cluster was scored as it was, in words. Read-only: jobs are started by beat, the command line or an admin
(docs/labeling.md)."""

from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from chain.addresses import address_normalise
from chain.models import IngestRun
from core.errors import NotFound
from graph import get_graph
from graph.explore import cluster_detail
from graphml import model_view
from graphml.models import LabelingJob, ModelArtifact, ModelVersion
from graphml.reasons import address_reasons, cluster_reasons
from graphml.wording import LOWERS, RAISES
from investigations.api.paging import conditional
from investigations.selectors import membership

PLOTS = ("training_curves", "score_distribution")  # graphml/report.py writes these
DISTRIBUTION_TTL = 300  # seconds
ERRORS = {403: OpenApiResponse(OpenApiTypes.OBJECT, description="not signed in, or in no team")}


class JobOut(serializers.ModelSerializer):
    version = serializers.IntegerField(source="model_version.version")

    class Meta:
        model = LabelingJob
        fields = [
            "id", "version", "scope", "status", "phase", "explain_top", "addresses_total", "addresses_scored",
            "flagged", "clusters_flagged",
            "explained", "error", "created_at", "started_at", "finished_at",
        ]  # fmt: skip


class ConfusionOut(serializers.Serializer):
    """The test period at the threshold: tp flagged illicit, fp flagged licit, fn missed illicit, tn licit."""

    tn = serializers.IntegerField()
    fp = serializers.IntegerField()
    fn = serializers.IntegerField()
    tp = serializers.IntegerField()


class TypologyRecallOut(serializers.Serializer):
    typology = serializers.CharField()
    recall = serializers.FloatField()
    illicit = serializers.IntegerField(allow_null=True, help_text="the test period's illicit addresses of it")


def _figure(**kwargs) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, **kwargs)


class ComparedOut(serializers.Serializer):
    """One model of the version's training run, on the same split as the others."""

    name = serializers.CharField()
    shipped = serializers.BooleanField(help_text="the one registered as this version")
    val_pr_auc = _figure()
    seconds = _figure(help_text="training time")
    pr_auc = _figure(help_text="test period")
    f1 = _figure()
    precision = _figure()
    recall = _figure()
    threshold = _figure()
    confusion = ConfusionOut(allow_null=True)
    recall_by_typology = TypologyRecallOut(many=True)


class ModelOut(serializers.ModelSerializer):
    plots = serializers.SerializerMethodField()
    confusion = serializers.SerializerMethodField()
    recall_by_typology = serializers.SerializerMethodField()
    compared = serializers.SerializerMethodField()

    class Meta:
        model = ModelVersion
        fields = [
            "version", "kind", "threshold", "metrics", "trained_until", "active", "activated_at", "plots",
            "confusion", "recall_by_typology", "compared",
        ]  # fmt: skip

    def get_plots(self, model: ModelVersion) -> list[str]:
        kept = {artifact.name for artifact in model.artifacts.all()}  # prefetched, without their content
        if kept:
            return [name for name in PLOTS if f"{name}.png" in kept]
        return [name for name in PLOTS if (Path(model.directory) / f"{name}.png").is_file()]

    @extend_schema_field(ConfusionOut(allow_null=True))
    def get_confusion(self, model: ModelVersion) -> dict | None:
        return model.metrics.get("confusion")

    @extend_schema_field(TypologyRecallOut(many=True))
    def get_recall_by_typology(self, model: ModelVersion) -> list[dict]:
        return model_view.typology_recall(model.metrics)

    @extend_schema_field(ComparedOut(many=True))
    def get_compared(self, model: ModelVersion) -> list[dict]:
        """Every model its training run trained, side by side (empty for a version without a report)."""
        return model_view.models_compared(model.report)


class LabelingJobsApi(APIView):
    class JobFilters(serializers.Serializer):
        limit = serializers.IntegerField(min_value=1, max_value=200, default=20)

    @extend_schema(parameters=[JobFilters], responses={200: JobOut(many=True), 304: None, **ERRORS})
    def get(self, request):
        """The latest jobs, newest first, with their phase and progress; 304 when nothing changed since the
        ETag the client sends (the dashboard polls this)."""
        membership(request.user)
        filters = self.JobFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        jobs = LabelingJob.objects.select_related("model_version").order_by("-id")[: filters.validated_data["limit"]]
        return conditional(request, JobOut(jobs, many=True).data)


class LabelingStateOut(serializers.Serializer):
    active_version = serializers.IntegerField(allow_null=True)
    first_model = serializers.ChoiceField(
        choices=["trained", "training", "waiting_for_blocks", "not_planned"],
        help_text="training: no model yet, the demo world's blocks are in and the first model is being trained",
    )


class LabelingStateApi(APIView):
    @extend_schema(responses={200: LabelingStateOut, 304: None, **ERRORS})
    def get(self, request):
        """Whether a model is active, and if not, whether the first one is on its way (what the dashboard says)."""
        membership(request.user)
        active = ModelVersion.objects.filter(active=True).first()
        state = {"active_version": active.version if active else None, "first_model": first_model_state()}
        return conditional(request, LabelingStateOut(state).data)


class ModelsApi(APIView):
    @extend_schema(responses={200: ModelOut(many=True), **ERRORS})
    def get(self, request):
        """The models, newest first; `active` marks the one labeling jobs use."""
        membership(request.user)
        names = Prefetch("artifacts", queryset=ModelArtifact.objects.only("id", "version_id", "name"))
        models = ModelVersion.objects.order_by("-version").prefetch_related(names)[:20]
        return Response(ModelOut(models, many=True).data)


class ModelPlotApi(APIView):
    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY, 404: OpenApiResponse(OpenApiTypes.OBJECT)})
    def get(self, request, version: int, name: str):
        membership(request.user)
        model = ModelVersion.objects.filter(version=version).first()
        image = _plot(model, name) if model is not None else None
        if image is None:
            raise Http404(f"model {version} has no plot {name!r}")
        return HttpResponse(image, content_type="image/png")


class BucketOut(serializers.Serializer):
    low = serializers.FloatField()
    high = serializers.FloatField()
    addresses = serializers.IntegerField()


class RiskDistributionOut(serializers.Serializer):
    scored = serializers.IntegerField(help_text="addresses holding a score")
    threshold = serializers.FloatField(allow_null=True, help_text="the active model's: from here it flags")
    buckets = BucketOut(many=True)


class RiskDistributionApi(APIView):
    @extend_schema(responses={200: RiskDistributionOut, 304: None, **ERRORS})
    def get(self, request):
        """How the graph's address scores spread, in 20 equal ranges of 0 to 1 (one aggregate query)."""
        membership(request.user)
        buckets = _distribution()
        active = ModelVersion.objects.filter(active=True).first()
        answer = {
            "scored": sum(b["addresses"] for b in buckets),
            "threshold": active.threshold if active else None,
            "buckets": buckets,
        }
        return conditional(request, RiskDistributionOut(answer).data)


def _distribution() -> list[dict]:
    """Kept until a labeling job starts or ends (only jobs move scores in bulk), at most DISTRIBUTION_TTL: the
    count reads every score through the risk index (0.6-0.8 s at 1,000,000 addresses on 2 busy cores)."""
    latest = LabelingJob.objects.order_by("-id").values_list("id", "status", "finished_at").first()
    job, status, finished = latest or (0, "none", None)
    key = f"graphml:risk-distribution:{settings.GRAPH_NAME}:{job}:{status}:{finished.timestamp() if finished else 0}"
    return cache.get_or_set(key, lambda: model_view.risk_distribution(get_graph()), timeout=DISTRIBUTION_TTL)


class WordedReasonOut(serializers.Serializer):
    feature = serializers.CharField(help_text="the model's name for it")
    text = serializers.CharField(help_text="what it means, in words")
    direction = serializers.ChoiceField(
        choices=[RAISES, LOWERS], allow_null=True, help_text="which way it pushed the score; null: not kept"
    )
    weight = _figure(help_text="its share of the reasons shown (0 to 1, by absolute attribution)")
    attribution = _figure(help_text="the model's attribution, logit units")
    sentence = serializers.CharField(help_text="the reason as one line, for a report")


class InfluentialOut(serializers.Serializer):
    address = serializers.CharField()
    risk = _figure()
    label = serializers.CharField(allow_null=True)
    influenced = serializers.IntegerField(help_text="how many of the explained addresses it pushed up")
    same_cluster = serializers.BooleanField()


class ReasonsOut(serializers.Serializer):
    """Why the model scored it: reasons worded strongest first, and the neighbours that pushed it up.
    `explained`: the addresses they come from (a cluster's explained members; 0: none explained yet)."""

    ref = serializers.CharField()
    model = serializers.CharField(allow_null=True)
    risk = _figure()
    reasons = WordedReasonOut(many=True)
    neighbours = InfluentialOut(many=True)
    explained = serializers.IntegerField()
    scanned = serializers.IntegerField(help_text="members looked at")
    complete = serializers.BooleanField(help_text="every member was looked at")
    notes = serializers.ListField(child=serializers.CharField())


class AddressReasonsApi(APIView):
    @extend_schema(responses={200: ReasonsOut, 404: OpenApiResponse(OpenApiTypes.OBJECT), **ERRORS})
    def get(self, request, address: str):
        membership(request.user)
        address = address_normalise(address) or address  # as the graph stores it (bech32 in lower case)
        found = address_reasons(get_graph(), address)
        if found is None:
            raise NotFound(f"the graph holds no address {address}")
        return Response(ReasonsOut(found).data)


class ClusterReasonsApi(APIView):
    @extend_schema(responses={200: ReasonsOut, 404: OpenApiResponse(OpenApiTypes.OBJECT), **ERRORS})
    def get(self, request, cluster_id: str):
        """Its explained members' reasons combined (graphml/reasons.py)."""
        membership(request.user)
        store = get_graph()
        detail = cluster_detail(store, cluster_id, limit=0)
        if detail is None:
            raise NotFound(f"the graph holds no cluster {cluster_id}")
        found = cluster_reasons(store, cluster_id, size=detail.size, risk=detail.risk, model=detail.risk_model)
        return Response(ReasonsOut(found).data)


def first_model_state() -> str:
    """Read from the rows: the run command queues the first training once the demo world's blocks are in
    (app/management/commands/serve.py), so blocks loaded and no model yet means training is under way."""
    if ModelVersion.objects.exists():
        return "trained"
    if not (settings.DEMO_WORLD_TXS and (settings.DEMO_WORLD_DIR / "truth.csv").is_file()):
        return "not_planned"
    running = (IngestRun.Status.QUEUED, IngestRun.Status.RUNNING)
    if IngestRun.objects.filter(status__in=running).exists() or not IngestRun.objects.exists():
        return "waiting_for_blocks"
    return "training"


def _plot(model: ModelVersion, name: str) -> bytes | None:
    """Only the report's own plots, by name: nothing else in (or outside) the model's folder is served. From the
    database (any web server has them), or the folder for a version registered before its files were kept."""
    if name not in PLOTS:
        return None
    artifact = model.artifacts.filter(name=f"{name}.png").first()
    if artifact is not None:
        return bytes(artifact.content)
    path = Path(model.directory) / f"{name}.png"
    return path.read_bytes() if path.is_file() else None
