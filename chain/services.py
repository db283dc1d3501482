"""Ingest-run services: create a run, and execute it (from the command, a Celery task or a test)."""

import contextlib
import dataclasses
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

import redis
from django.conf import settings

from chain.blocks import Block, parse_tx
from chain.errors import ChainDataError, RunSpecError
from chain.follow import NodeSource, ingest_from_node
from chain.ingest import IngestOptions, Tally, ingest_entries
from chain.loading import lone_tx_row
from chain.models import IngestRun
from chain.networks import network_named
from chain.rpc import CoreRPC
from chain.signals import chain_written
from chain.sources import (
    Entry,
    Scan,
    blk_paths,
    decode_raw,
    is_lone_transaction,
    json_entry,
    json_paths,
    raw_entry,
    scan_blk_file,
)
from core.runner import job_execute
from graph import chain as chain_graph
from graph import get_graph
from graph.schema import ensure_schema

log = logging.getLogger(__name__)

_TALLY_FIELDS = [name for name in Tally.__dataclass_fields__ if name != "skipped"]


def ingest_run_create(
    *, kind: str, source: str, network: str = "bitcoin", skip_bad: bool = False, options: dict | None = None
) -> IngestRun:
    """`source` never carries credentials: for RPC runs it is the node URL without them."""
    network_named(network)  # refuse an unknown network before anything is queued
    if kind not in IngestRun.Kind.values:
        raise RunSpecError(f"unknown source kind {kind!r}")
    return IngestRun.objects.create(kind=kind, source=source, network=network, skip_bad=skip_bad, options=options or {})


def demo_world_load(
    *, txs: int, directory: Path, workers: int = 1, on_progress: Callable[[IngestRun], None] | None = None
) -> IngestRun | None:
    """Give a new installation something to investigate: simulate a world into `directory` (once) and ingest
    it. Never into a graph that already holds a chain of the user's own; a demo load that was cut short
    resumes (ingesting is idempotent). None when there was nothing to do."""
    from chain.simulator.run import WorldSpec, simulate  # the simulator is not needed by ordinary runs

    blocks = str(directory / "blocks")
    demo_runs = IngestRun.objects.filter(kind=IngestRun.Kind.BLK, source=blocks)
    if demo_runs.filter(status=IngestRun.Status.SUCCEEDED).exists():
        return None
    if chain_graph.chain_tip(get_graph()) is not None and not demo_runs.exists():
        return None
    spec = WorldSpec(txs=txs)
    if not _world_made(directory, spec):
        log.info("simulating a demo world of %s transactions into %s", f"{txs:,}", directory)
        simulate(spec, directory)
    run = ingest_run_create(kind=IngestRun.Kind.BLK, source=blocks, network="regtest")
    return ingest_run_execute(run_id=run.id, workers=workers, on_progress=on_progress)


def _world_made(directory: Path, spec) -> bool:
    """A finished world for this spec: world.json is written last."""
    try:
        summary = json.loads((directory / "world.json").read_text())
    except (OSError, ValueError):
        return False
    return summary.get("spec") == dataclasses.asdict(spec)


def ingest_rpc_run_create(*, url: str, network: str, options: dict, skip_bad: bool = False) -> IngestRun:
    """An RPC run stores the node URL without its user:password; the executor is handed the full URL."""
    bare = CoreRPC(url).where
    return ingest_run_create(kind=IngestRun.Kind.RPC, source=bare, network=network, skip_bad=skip_bad, options=options)


def ingest_run_execute(
    *,
    run_id: int,
    workers: int = 1,
    on_progress: Callable[[IngestRun], None] | None = None,
    rpc_url: str | None = None,
    keep_going: Callable[[], bool] = lambda: True,
) -> IngestRun:
    """Run a queued ingest to the end, through the job runner (core/runner.py): a run another live process
    holds is left alone; one whose process died is taken over and resumes, as ingesting is idempotent (the
    blocks it wrote are found present).

    `rpc_url` may carry the node's user:password (it is not stored); `keep_going` ends a follow run.
    """

    def body(run: IngestRun) -> None:
        tally = Tally()
        try:
            with _single_writer(run) as renew:
                _execute(run, tally, _ProgressSaver(run, tally, on_progress, renew), workers, rpc_url, keep_going)
        finally:
            _copy(tally, run)  # the figures so far are recorded whatever the outcome

    return job_execute(IngestRun, run_id, body)


def _execute(run: IngestRun, tally: Tally, saver, workers: int, rpc_url: str | None, keep_going) -> None:
    store = get_graph()
    ensure_schema(store)  # without the txid and address keys every MERGE would scan the whole graph
    options = IngestOptions(
        skip_bad=run.skip_bad,
        workers=workers,
        min_change_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE,
        on_block=saver,
        on_written=_announce_blocks,
        on_loose=_announce_loose,
    )
    network = network_named(run.network)
    if run.kind == IngestRun.Kind.RPC:
        source = _node_source(run, rpc_url)

        def still_following() -> bool:
            saver.renew_lock()  # waiting for blocks is still holding the writer's place
            return keep_going()

        ingest_from_node(source, store=store, network=network, tally=tally, options=options, keep_going=still_following)
    elif run.kind == IngestRun.Kind.RAW and _is_lone_tx(run.source):
        _ingest_lone_tx(run, store, network, tally)
    else:
        scan = _scan(run)
        ingest_entries(scan.entries, store=store, network=network, tally=tally, options=options)
        _settle_scan_errors(run, scan, tally)


def _scan(run: IngestRun) -> Scan:
    return source_scan(kind=run.kind, source=run.source, network=network_named(run.network))


def source_scan(*, kind: str, source: str, network) -> Scan:
    """The entries of a file source (blk, JSON, raw block), in file order; the chain store reads them too."""
    if kind == IngestRun.Kind.BLK:
        scans = [scan_blk_file(path, network) for path in blk_paths(Path(source))]
        return Scan([e for s in scans for e in s.entries], [err for s in scans for err in s.errors])
    if kind == IngestRun.Kind.JSON:
        return _scan_json(json_paths(source))
    if kind == IngestRun.Kind.RAW:
        return Scan([_raw(source)], [])
    raise ChainDataError(source, f"{kind} runs are not executed here")


def _scan_json(paths: list[Path]) -> Scan:
    """Unreadable files are scan errors: with --skip-bad they are listed and the rest load."""
    entries, errors = [], []
    for path in paths:
        try:
            entries.append(json_entry(path))
        except ChainDataError as error:
            errors.append(error)
    return Scan(entries, errors)


def _node_source(run: IngestRun, rpc_url: str | None) -> NodeSource:
    options = run.options
    return NodeSource(
        url=rpc_url or run.source,
        cookie_file=options.get("cookie_file"),
        first=options.get("from"),
        last=options.get("to"),
        follow=bool(options.get("follow")),
        mempool=bool(options.get("mempool")),
        poll_seconds=float(options.get("poll_seconds", 5.0)),
    )


def _raw_data(source: str) -> tuple[bytes, str]:
    """The bytes of a raw run (a file, hex or binary, or a hex string) and what to call them in errors."""
    path = Path(source)
    data = path.read_bytes() if path.exists() else source.encode()
    where = str(path) if path.exists() else "raw input"
    return decode_raw(data, where=where), where


def _is_lone_tx(source: str) -> bool:
    data, where = _raw_data(source)
    return is_lone_transaction(data, where=where)


def _raw(source: str) -> Entry:
    data, where = _raw_data(source)
    return raw_entry(data, where=where)


def _ingest_lone_tx(run: IngestRun, store, network, tally: Tally) -> None:
    data, where = _raw_data(run.source)
    tx = parse_tx(data, where=where, network=network)
    row = lone_tx_row(tx, resolve=lambda outpoints: chain_graph.resolve_outpoints(store, outpoints))
    if chain_graph.write_unconfirmed(store, row):
        tally.txs, tally.inputs, tally.unresolved_inputs = 1, len(tx.inputs), row["unresolved"]
        _announce_loose([tx.txid])


def _announce_loose(txids: list[str]) -> None:
    _announce(blocks=[], txids=txids, activity=None, absorbed=[], newest_time=None)


def _announce_blocks(blocks: list[Block], activity: list[dict], absorbed: list[tuple[str, str, str]]) -> None:
    """Blocks carry their per-address figures along, so a listener need not read back what was just written."""
    columns = {name: [row[name] for row in activity] for name in ("address", "received", "sent", "n_tx", "time")}
    newest = max(block.time for block in blocks)
    _announce(
        blocks=[block.hash for block in blocks], txids=[], activity=columns, absorbed=absorbed, newest_time=newest
    )


def _announce(
    *, blocks: list[str], txids: list[str], activity: dict | None, absorbed: list, newest_time: int | None
) -> None:
    """Tell listeners what was written. A listener that fails is logged: the write stands, and ingesting
    never stops for what others do with it."""
    results = chain_written.send_robust(
        sender=None,
        blocks=blocks,
        txids=txids,
        activity=activity,
        absorbed=absorbed,
        newest_time=newest_time,
        written_at=time.time(),
    )
    for receiver, outcome in results:
        if isinstance(outcome, Exception):
            log.error("after a write, %s failed: %r", getattr(receiver, "__qualname__", receiver), outcome)


def _settle_scan_errors(run: IngestRun, scan: Scan, tally: Tally) -> None:
    """Records that could not be framed come last: the good blocks before them are loaded first."""
    if scan.errors and not run.skip_bad:
        raise scan.errors[0]
    for error in scan.errors:
        tally.skip(error)


class WriterBusy(ChainDataError):
    """Another ingest run holds the graph's writer lock."""


_WRITER_LOCK = "chainsleuth:ingest-writer"
_WRITER_TTL = 60  # seconds; renewed while the run makes progress, so a killed run frees it within a minute
# (15 s expired under load: one block's write on a busy 2-core machine can take longer, and the run then lost its lock)
_WRITER_WAIT = 120.0  # seconds a run waits for the one before it


@contextlib.contextmanager
def _single_writer(run: IngestRun):
    """One ingest run writes at a time: each block's cluster plan reads the graph its write then changes.

    The lock lives in Redis (the broker), expires if its holder dies, and is renewed as blocks are written.
    It names the run, so a run taken over from a killed worker takes over its lock at once as well.
    """
    client = redis.Redis.from_url(settings.REDIS_URL)
    lock = client.lock(_WRITER_LOCK, timeout=_WRITER_TTL, blocking_timeout=_WRITER_WAIT)
    try:
        _writer_lock_take(client, lock, f"ingest-run:{run.id}")
    except redis.RedisError as error:
        client.close()
        raise ChainDataError("broker", f"cannot take the writer lock: {error}") from error
    try:
        yield lambda: lock.reacquire()
    finally:
        with contextlib.suppress(redis.exceptions.LockError):
            lock.release()
        client.close()


def _writer_lock_take(client: redis.Redis, lock, token: str) -> None:
    """The lock is this run's already when an earlier attempt of it died holding it: the run's claim (a
    lease that ran out) proved that attempt dead."""
    if client.get(_WRITER_LOCK) == token.encode():
        lock.local.token = token.encode()
        with contextlib.suppress(redis.exceptions.LockNotOwnedError):
            lock.reacquire()
            return
    if not lock.acquire(token=token):
        raise WriterBusy(_WRITER_LOCK, f"another ingest run kept writing for over {_WRITER_WAIT:.0f}s; try again later")


class _ProgressSaver:
    """Saves the run's figures at most once a second (the UI sees progress without a write per block),
    and keeps the writer lock alive meanwhile."""

    def __init__(self, run: IngestRun, tally: Tally, on_progress, renew_lock) -> None:
        self.run, self.tally, self.on_progress, self.renew_lock, self.saved_at = (
            run,
            tally,
            on_progress,
            renew_lock,
            0.0,
        )

    def __call__(self, _tally: Tally) -> None:
        _copy(self.tally, self.run)
        if self.on_progress:
            self.on_progress(self.run)
        if time.monotonic() - self.saved_at >= 1.0:
            self.run.save(update_fields=[*_TALLY_FIELDS, "skipped"])
            self.renew_lock()
            self.saved_at = time.monotonic()


def _copy(tally: Tally, run: IngestRun) -> None:
    for name in _TALLY_FIELDS:
        setattr(run, name, getattr(tally, name))
    run.skipped = list(tally.skipped)
