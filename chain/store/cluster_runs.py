"""The clustering phase as a phase of the store's run row: `chainstore cluster` after `chainstore build`."""

import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from chain.errors import RunSpecError
from chain.models import ChainStoreRun
from chain.store.clusters import ClusterTally, store_cluster


def store_last_build(directory: str) -> ChainStoreRun | None:
    """The store's latest finished build: the row its clustering is recorded on (a load's row has no kind)."""
    return (
        ChainStoreRun.objects.filter(store_dir=directory, status=ChainStoreRun.Status.SUCCEEDED)
        .exclude(kind="")
        .order_by("-finished_at", "-id")
        .first()
    )


def build_marker(run: ChainStoreRun) -> dict:
    return {"build_run": run.id, "finished_at": run.finished_at.isoformat() if run.finished_at else None}


def chainstore_cluster(
    *,
    store_dir: str | None = None,
    engine: str = "scipy",
    threads: int = 2,
    master: str | None = None,
    on_step: Callable[[ClusterTally], None] = lambda tally: None,
) -> ChainStoreRun:
    """Cluster the store and record it on its latest successful build: phase `cluster` while it runs, then
    the links, clusters and seconds. A store no build finished is refused (RunSpecError)."""
    directory = str(Path(store_dir or settings.CHAIN_STORE_DIR).resolve())
    run = store_last_build(directory)
    if run is None:
        raise RunSpecError(f"no finished build of the store {directory}: run `chainstore build` first")
    run.phase = ChainStoreRun.Phase.CLUSTER
    run.save(update_fields=["phase"])
    started = time.monotonic()
    try:
        tally = store_cluster(
            Path(directory),
            min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE,
            engine=engine,
            memory_limit=settings.CHAIN_STORE_MEMORY_LIMIT,
            threads=threads,
            master=master,
            on_step=on_step,
            built_by=build_marker(run),
        )
    finally:
        run.phase = ChainStoreRun.Phase.DONE
        run.phase_seconds = {**run.phase_seconds, "cluster": round(time.monotonic() - started, 3)}
        run.save(update_fields=["phase", "phase_seconds"])
    run.cluster_links, run.clusters, run.clustered_addresses = tally.links, tally.clusters, tally.clustered
    run.save(update_fields=["cluster_links", "clusters", "clustered_addresses"])
    return run
