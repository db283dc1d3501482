"""What investigators see of labeling in the web app: the jobs with their progress, the models with their
test metrics, and the training report's plots. Read-only: jobs are started by beat, the command line or an
admin (docs/labeling.md)."""

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from chain.models import IngestRun
from graphml.models import LabelingJob, ModelVersion
from investigations.api.paging import conditional
from investigations.selectors import membership

PLOTS = ("training_curves", "score_distribution")  # graphml/report.py writes these
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


class ModelOut(serializers.ModelSerializer):
    plots = serializers.SerializerMethodField()

    class Meta:
        model = ModelVersion
        fields = ["version", "kind", "threshold", "metrics", "trained_until", "active", "activated_at", "plots"]

    def get_plots(self, model: ModelVersion) -> list[str]:
        return [name for name in PLOTS if _plot_path(model, name) is not None]


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
        return Response(ModelOut(ModelVersion.objects.order_by("-version")[:20], many=True).data)


class ModelPlotApi(APIView):
    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY, 404: OpenApiResponse(OpenApiTypes.OBJECT)})
    def get(self, request, version: int, name: str):
        membership(request.user)
        model = ModelVersion.objects.filter(version=version).first()
        path = _plot_path(model, name) if model is not None else None
        if path is None:
            raise Http404(f"model {version} has no plot {name!r}")
        return FileResponse(path.open("rb"), content_type="image/png")


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


def _plot_path(model: ModelVersion, name: str) -> Path | None:
    """Only the report's own plots, by name: nothing else in (or outside) the model's folder is served."""
    if name not in PLOTS:
        return None
    path = Path(model.directory) / f"{name}.png"
    return path if path.is_file() else None
