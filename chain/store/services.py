"""Chain-store runs: create one, and execute it through the job runner (the command, a task or a test)."""

import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from chain.errors import ChainDataError
from chain.models import ChainStoreRun, IngestRun
from chain.networks import network_named
from chain.rpc import CoreRPC
from chain.services import source_scan
from chain.sources import Scan, rpc_entries
from chain.store.build import StoreOptions, StoreTally, store_build
from core.runner import job_execute

_TALLY_FIELDS = list(StoreTally.__dataclass_fields__)


def chainstore_run_create(
    *, kind: str, source: str, store_dir: str | None = None, network: str = "bitcoin", options: dict | None = None
) -> ChainStoreRun:
    """A store build of `source` into `store_dir`. For a node (`rpc`) `source` is its URL, stored without
    user:password (hand the full URL to the executor); `options` then names the heights (from, to) and
    the cookie file.

    The same build left unfinished (its process was killed) is returned instead of a new row: executing it
    takes it over once the dead owner's lease has run out (core/runner.py), so a resumed build is one run
    with two attempts, and no row reads "running" for ever. Store builds have no Celery task for that.
    """
    network_named(network)  # an unknown network is refused before anything runs
    if kind not in IngestRun.Kind.values:
        raise ValueError(f"unknown source kind {kind!r}")
    if kind == IngestRun.Kind.RPC:
        source = CoreRPC(source).where
    fields = {
        "kind": kind,
        "source": source,
        "network": network,
        "store_dir": str(Path(store_dir or settings.CHAIN_STORE_DIR).resolve()),
        "options": options or {},
    }
    unfinished = ChainStoreRun.objects.filter(status__in=[ChainStoreRun.Status.QUEUED, ChainStoreRun.Status.RUNNING])
    return unfinished.filter(**fields).order_by("-created_at").first() or ChainStoreRun.objects.create(**fields)


def chainstore_run_execute(
    *,
    run_id: int,
    workers: int = 1,
    on_progress: Callable[[ChainStoreRun], None] | None = None,
    rpc_url: str | None = None,
) -> ChainStoreRun:
    """Build to the end. Bad data stops the run FAILED with `failed_at` (file and byte offset); every partition
    written before stays, and a new run over the same store resumes from what is there. `rpc_url` may carry
    the node's user:password (never stored)."""

    def body(run: ChainStoreRun) -> None:
        tally = StoreTally()
        saver = _ProgressSaver(run, tally, on_progress)
        try:
            network = network_named(run.network)
            scan = _scan(run, network, rpc_url)
            options = StoreOptions(
                partition_blocks=settings.CHAIN_STORE_PARTITION_BLOCKS,
                buckets=settings.CHAIN_STORE_BUCKETS,
                workers=workers,
                memory_limit=settings.CHAIN_STORE_MEMORY_LIMIT,
                on_progress=saver,
                resolve=not scan.errors,
            )
            store_build(scan.entries, root=Path(run.store_dir), network=network, options=options, tally=tally)
            if scan.errors:  # a record that could not be framed (a truncated file): after the good blocks
                raise scan.errors[0]
        finally:
            _copy(tally, run)

    return job_execute(ChainStoreRun, run_id, body)


def _scan(run: ChainStoreRun, network, rpc_url: str | None) -> Scan:
    if run.kind != IngestRun.Kind.RPC:
        return source_scan(kind=run.kind, source=run.source, network=network)
    url, cookie = rpc_url or run.source, run.options.get("cookie_file")
    rpc = CoreRPC(url, cookie_file=cookie)
    if rpc.network_name() != network.name:
        raise ChainDataError(rpc.where, f"the node is on {rpc.network_name()}, but this run is for {network.name}")
    last = run.options.get("to")
    last = rpc.tip_height() if last is None else last
    return Scan(rpc_entries(rpc, url, cookie, run.options.get("from", 0), last), [])


class _ProgressSaver:
    """The run's figures saved at most once a second, and shown to the caller at every step."""

    def __init__(self, run: ChainStoreRun, tally: StoreTally, on_progress) -> None:
        self.run, self.tally, self.on_progress, self.saved_at = run, tally, on_progress, 0.0

    def __call__(self, _tally: StoreTally) -> None:
        _copy(self.tally, self.run)
        if self.on_progress:
            self.on_progress(self.run)
        if time.monotonic() - self.saved_at >= 1.0:
            self.run.save(update_fields=_TALLY_FIELDS)
            self.saved_at = time.monotonic()


def _copy(tally: StoreTally, run: ChainStoreRun) -> None:
    for name in _TALLY_FIELDS:
        setattr(run, name, getattr(tally, name))
