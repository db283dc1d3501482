"""Registry services: record a training run's shipped model as a version, promote it, roll back.

A version's files go into the database with it (ModelArtifact), so that no job depends on the trainer's disk:
a worker elsewhere loads the weights from a local copy it makes once (`model_version_files`).
"""

import contextlib
import hashlib
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import ChainSleuthError
from graphml.features import ADDRESS_FEATURES, TX_FEATURES
from graphml.labeling import TrainedModel, load
from graphml.models import ModelArtifact, ModelVersion
from graphml.training import TrainingReport


class RegistryError(ChainSleuthError, ValueError):
    """No such model version, or none active: the message says which."""


def model_version_register(*, report: TrainingReport, directory: Path, activate: bool = False) -> ModelVersion:
    """The shipped model of `report`, whose artifacts are in `directory`, as the next version."""
    shipped = report.results[report.shipped]
    with transaction.atomic():
        last = ModelVersion.objects.select_for_update().order_by("-version").first()
        version = ModelVersion.objects.create(
            version=(last.version + 1) if last else 1,
            kind=report.shipped,
            directory=str(directory.resolve()),
            threshold=shipped.test["threshold"],
            calibration=shipped.test["calibration"],
            hidden=report.spec.hidden,
            feature_spec={"address": list(ADDRESS_FEATURES), "tx": list(TX_FEATURES)},
            metrics={key: value for key, value in shipped.test.items() if key != "calibration"},
            report=report.summary(),
            trained_until=report.split.train_until,
        )
        ModelArtifact.objects.bulk_create(_artifacts(version, directory))
    if activate:
        model_version_promote(version=version.version)
        version.refresh_from_db()
    return version


def model_version_promote(*, version: int) -> ModelVersion:
    with transaction.atomic():
        chosen = ModelVersion.objects.select_for_update().filter(version=version).first()
        if chosen is None:
            raise RegistryError(f"no model version {version}")
        ModelVersion.objects.filter(active=True).exclude(pk=chosen.pk).update(active=False)
        chosen.active, chosen.activated_at = True, timezone.now()
        chosen.save(update_fields=["active", "activated_at"])
    return chosen


def model_version_rollback() -> ModelVersion:
    """Make the version that was active before the current one active again."""
    current = model_version_active()
    earlier = (
        ModelVersion.objects.filter(activated_at__isnull=False)
        .exclude(pk=current.pk if current else None)
        .order_by("-activated_at")
        .first()
    )
    if earlier is None:
        raise RegistryError("no earlier active version to roll back to")
    return model_version_promote(version=earlier.version)


def model_version_load(version: ModelVersion) -> TrainedModel:
    """The version's trained model, ready to score; refused when it was trained on other features than
    today's code computes (its scores would be meaningless): train a new version."""
    expected = {"address": list(ADDRESS_FEATURES), "tx": list(TX_FEATURES)}
    if version.feature_spec != expected:
        changed = sorted(set(version.feature_spec.get("address", [])) ^ set(ADDRESS_FEATURES))
        raise RegistryError(
            f"model v{version.version} was trained on other features than this code computes "
            f"({', '.join(changed) or 'their order'} differ): train a new version (manage.py train)"
        )
    return load(
        model_version_files(version),
        kind=version.kind,
        hidden=version.hidden,
        calibration=version.calibration,
        threshold=version.threshold,
    )


def model_version_active() -> ModelVersion | None:
    return ModelVersion.objects.filter(active=True).first()


def _artifacts(version: ModelVersion, directory: Path) -> list[ModelArtifact]:
    artifacts = []
    for path in sorted(path for path in directory.iterdir() if path.is_file()):
        data = path.read_bytes()
        artifacts.append(
            ModelArtifact(version=version, name=path.name, content=data, sha256=hashlib.sha256(data).hexdigest())
        )
    return artifacts


def model_version_files(version: ModelVersion) -> Path:
    """A local directory holding the version's artifacts: where training wrote them, when this machine has them
    as registered; else a copy made from the database under VAR_DIR/model-cache (once per machine). A version
    registered before artifacts were kept has only its directory."""
    digests = dict(version.artifacts.values_list("name", "sha256"))
    if not digests:
        return Path(version.directory)
    for directory in (Path(version.directory), _cache_of(version)):
        if _holds(directory, digests):
            return directory
    return _materialize(version, digests)


def _cache_of(version: ModelVersion) -> Path:
    return Path(settings.VAR_DIR) / "model-cache" / f"v{version.version}"


def _holds(directory: Path, digests: dict[str, str]) -> bool:
    return all(
        (directory / name).is_file() and hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest
        for name, digest in digests.items()
    )


def _materialize(version: ModelVersion, digests: dict[str, str]) -> Path:
    """Written to a temporary directory, then renamed into place: two workers copying at once both end with a
    whole copy, and a worker killed midway leaves none half-written."""
    cache = _cache_of(version)
    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache.parent, prefix=f".{cache.name}-"))
    for artifact in version.artifacts.all():
        (staging / artifact.name).write_bytes(bytes(artifact.content))
    if _holds(cache, digests):  # another worker's copy got there first: it may be loading from it, keep it
        shutil.rmtree(staging, ignore_errors=True)
        return cache
    if cache.exists():  # a wrong copy: moved aside in one rename, so no reader sees it half removed
        aside = Path(tempfile.mkdtemp(dir=cache.parent, prefix=f".{cache.name}-old-"))
        with contextlib.suppress(FileNotFoundError):  # another worker moved it first
            cache.rename(aside / cache.name)
        shutil.rmtree(aside, ignore_errors=True)
    try:
        staging.rename(cache)
    except OSError:  # another worker's rename came first
        shutil.rmtree(staging, ignore_errors=True)
    if not _holds(cache, digests):
        raise RegistryError(f"model v{version.version}: the local copy of its artifacts at {cache} is not theirs")
    return cache
