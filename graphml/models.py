"""The model registry and labeling jobs: the only Django code in graphml besides tasks.py."""

from django.db import models
from django.db.models import Q

from core.jobs import JobRow


class ModelVersion(models.Model):
    """One trained model on disk (weights, calibration, threshold) and the report it was chosen by.

    At most one is active: labeling jobs use it. Promote makes another active; rollback returns to
    the one active before.
    """

    version = models.PositiveIntegerField(unique=True)
    kind = models.CharField(max_length=32, help_text="graphsage, gat or gradient_boosting")
    directory = models.CharField(max_length=1000, help_text="the artifacts: weights, report.json, plots")
    threshold = models.FloatField(help_text="calibrated probability from which an address is flagged")
    calibration = models.JSONField(help_text="Platt scaling of the raw score: slope, intercept")
    hidden = models.PositiveIntegerField(default=64)
    feature_spec = models.JSONField(help_text="address and transaction feature names, in order")
    metrics = models.JSONField(help_text="the shipped model's test metrics")
    report = models.JSONField(help_text="every model's metrics, the split and the settings")
    trained_until = models.IntegerField(help_text="last block of the training period")
    active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="one_active_model")]

    def __str__(self) -> str:
        return f"v{self.version} ({self.kind}{', active' if self.active else ''})"


class ModelArtifact(models.Model):
    """One file of a version's artifacts (weights, report.json, plots), kept in the database: a worker on any
    machine loads the model, and the web serves its plots, without a filesystem shared with the trainer."""

    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="artifacts")
    name = models.CharField(max_length=200)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="one_artifact_per_name")]

    def __str__(self) -> str:
        return f"{self.version} {self.name}"


class LabelingJob(JobRow):
    """Scores one scope with one model version; a job row (core/jobs.py) the UI and the API show."""

    task_name = "graphml.labeling_job_execute"

    class Phase(models.TextChoices):
        """The steps of graphml/services.py's run, in order; the dashboard shows which one a job is in."""

        READING = "reading"  # the graph into arrays
        SCORING = "scoring"  # the model over every address
        WRITING = "writing"  # the scores, in batches: addresses_scored / addresses_total
        FLAGGING = "flagging"  # clusters from their addresses' flags
        EXPLAINING = "explaining"  # reasons for the riskiest flagged: explained / explain_top

    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="jobs")
    scope = models.CharField(max_length=200, default="all", help_text="all, since_last, cluster:<id> or case:<id>")
    addresses_total = models.PositiveIntegerField(default=0)
    addresses_scored = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    clusters_flagged = models.PositiveIntegerField(default=0)
    explain_top = models.PositiveIntegerField(default=100, help_text="how many of the riskiest flagged get reasons")
    explained = models.PositiveIntegerField(default=0, help_text="flagged addresses given reasons")
    phase = models.CharField(max_length=16, choices=Phase.choices, blank=True, help_text="blank until it runs")
    scored_until = models.IntegerField(null=True, blank=True, help_text="the last block in the graph it scored")

    class Meta(JobRow.Meta):
        pass

    def __str__(self) -> str:
        return f"labeling job {self.pk} (v{self.model_version.version}, {self.scope}): {self.status}"

    @property
    def progress(self) -> float:
        return self.addresses_scored / self.addresses_total if self.addresses_total else 0.0


class ConfirmedLabel(models.Model):
    """An investigator's verdict on an address: illicit when its case was confirmed, licit when dismissed.

    The next training run learns from these (they override the ground truth file where both speak),
    and enough new ones make the nightly run retrain. Case management records them; the latest
    verdict on an address is the one kept.
    """

    address = models.CharField(max_length=100, unique=True)
    illicit = models.BooleanField()
    category = models.CharField(max_length=64, blank=True, help_text="a GraphSense category, where known")
    source = models.CharField(max_length=200, help_text="where the verdict came from, e.g. case:42")
    recorded_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.address}: {'illicit' if self.illicit else 'licit'} ({self.source})"
