"""Build a chain store from a source's entries: the parse phase on all cores, then the resolve phase.

Framework-free: chain/store/services.py wraps it with a ChainStoreRun row. A rerun with the same
source does only what is missing (partitions without a matching manifest, buckets and partitions
without their done-marker), so a run killed at any moment resumes to the same files.
"""

import contextlib
import fcntl
import functools
import multiprocessing
import os
import shutil
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from chain.errors import ChainDataError
from chain.networks import Network
from chain.sources import Entry
from chain.store import layout
from chain.store.parse import PartitionJob, partition_parse, plan_digest
from chain.store.plan import StorePlan, store_plan
from chain.store.resolve import bucket_join, connect, partition_finalize, resolve_prepare
from core.processes import die_with_parent


class StoreMismatch(ChainDataError):
    """The store directory was made for another network or another partition size or bucket count."""


class StoreBusy(ChainDataError):
    """Another build is writing this store now."""


@dataclass
class StoreTally:
    phase: str = "parse"
    partitions_total: int = 0
    partitions_parsed: int = 0  # by this run
    partitions_present: int = 0  # parsed before, left as they were
    blocks: int = 0  # the store's totals, this run's and earlier ones'
    txs: int = 0
    outputs: int = 0
    inputs: int = 0
    blocks_orphaned: int = 0
    buckets_total: int = 0
    buckets_done: int = 0
    partitions_resolved: int = 0
    inputs_resolved: int = 0
    inputs_unresolved: int = 0
    repeated_coinbases: int = 0
    first_height: int | None = None
    last_height: int | None = None
    phase_seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class StoreOptions:
    partition_blocks: int = 1_000
    buckets: int = 64
    workers: int = 1
    memory_limit: str = "1GB"
    resolve: bool = True  # False: parse only (the source had a record that could not be framed)
    on_progress: Callable[[StoreTally], None] = lambda tally: None


def store_build(
    entries: Sequence[Entry], *, root: Path, network: Network, options: StoreOptions, tally: StoreTally
) -> StoreTally:
    """Parse then resolve; raises ChainDataError at bad data, after every other partition is written."""
    store = layout.StoreLayout(root)
    with _store_lock(store):
        return _build(store, entries, network, options, tally)


@contextlib.contextmanager
def _store_lock(store: layout.StoreLayout):
    """One build per store at a time. The kernel drops the lock with its process, so a kill -9 frees it."""
    store.root.mkdir(parents=True, exist_ok=True)
    with open(store.root / ".lock", "a") as handle:  # "a": the file is not rewritten (a rerun changes no file)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreBusy(str(store.root), "another build is writing this store; try again when it ends") from None
        yield


def _build(store, entries, network: Network, options: StoreOptions, tally: StoreTally) -> StoreTally:
    _settings_check(store, network, options)
    plan = store_plan(entries, network=network, partition_blocks=options.partition_blocks)
    tally.partitions_total, tally.blocks_orphaned = len(plan.partitions), plan.orphans
    started = time.monotonic()
    manifests = _parse_phase(store, plan, network, options, tally)
    tally.phase_seconds["parse"] = round(time.monotonic() - started, 3)
    if options.resolve and len(manifests) == len(plan.partitions):
        started = time.monotonic()
        tally.phase = "resolve"
        _resolve_phase(store, manifests, options, tally)
        tally.phase_seconds["resolve"] = round(time.monotonic() - started, 3)
        tally.phase = "done"
    options.on_progress(tally)
    return tally


def _settings_check(store: layout.StoreLayout, network: Network, options: StoreOptions) -> None:
    """A store's partition size and buckets are fixed when it is made: its files depend on them."""
    wanted = {"network": network.name, "partition_blocks": options.partition_blocks, "buckets": options.buckets}
    if not 1 <= options.buckets <= 256:
        raise ValueError(f"buckets must be 1 to 256 (the txid's first byte), got {options.buckets}")
    found = layout.read_json(store.settings_file)
    if found is None:
        layout.write_json(store.settings_file, wanted)
    elif found != wanted:
        raise StoreMismatch(str(store.root), f"this store was made with {found}, not {wanted}")


def _parse_phase(store, plan: StorePlan, network: Network, options: StoreOptions, tally: StoreTally) -> dict:
    """Parse the partitions not done yet; returns the manifests of all that are done (the run's and earlier)."""
    _discard_leftovers(store, plan)
    manifests, todo = {}, []
    for part, placed in plan.partitions.items():
        manifest = layout.read_json(store.manifest(part))
        if manifest is not None and manifest.get("digest") == plan_digest(placed):
            manifests[part] = manifest
            tally.partitions_present += 1
            _count(tally, manifest)
        else:
            todo.append(PartitionJob(str(store.root), part, placed, network.name, options.buckets))
    options.on_progress(tally)

    def done(manifest: dict) -> None:
        manifests[manifest["part"]] = manifest
        tally.partitions_parsed += 1
        _count(tally, manifest)
        options.on_progress(tally)

    _run_jobs(todo, options.workers, done)
    return manifests


def _discard_leftovers(store: layout.StoreLayout, plan: StorePlan) -> None:
    """Temporary directories of a killed attempt, and partitions the source no longer has."""
    if not store.staging.is_dir():
        return
    for path in store.staging.iterdir():
        stale = path.name.startswith(".") or path.name.removeprefix("part=") not in {str(p) for p in plan.partitions}
        if path.is_dir() and stale:
            shutil.rmtree(path)


def _count(tally: StoreTally, manifest: dict) -> None:
    tally.blocks += manifest["blocks"]
    tally.txs += manifest["txs"]
    tally.outputs += manifest["outputs"]
    tally.inputs += manifest["inputs"]
    low, high = manifest["first_height"], manifest["last_height"]
    tally.first_height = low if tally.first_height is None else min(tally.first_height, low)
    tally.last_height = high if tally.last_height is None else max(tally.last_height, high)


def _run_jobs(jobs: list[PartitionJob], workers: int, done: Callable[[dict], None]) -> None:
    """On all cores; at the first bad partition no new one starts, the running ones finish (and are kept),
    and the error of the lowest bad partition is raised."""
    if workers <= 1 or len(jobs) < 2:
        for job in jobs:
            done(partition_parse(job))
        return
    context = multiprocessing.get_context("fork")
    die = functools.partial(die_with_parent, os.getpid(), signal.SIGKILL)  # no parser outlives a kill -9
    failures: list[tuple[int, BaseException]] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=die) as pool:
        futures: dict[Future, int] = {pool.submit(_parse_in_worker, job): job.part for job in jobs}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                if future.cancelled():
                    continue
                error = future.exception() or _bad_data(future.result())
                if error is None:
                    done(future.result())
                else:
                    failures.append((futures[future], error))
            if failures:
                for future in pending:
                    future.cancel()
    if failures:
        raise min(failures, key=lambda failure: failure[0])[1]


def _parse_in_worker(job: PartitionJob) -> dict:
    """Bad data comes back as a value: a ChainDataError does not survive pickling (its arguments are two)."""
    try:
        return partition_parse(job)
    except ChainDataError as error:
        return {"bad_data": {"where": error.where, "message": error.message}}


def _bad_data(result: dict) -> ChainDataError | None:
    bad = result.get("bad_data")
    return ChainDataError(bad["where"], bad["message"]) if bad else None


def _resolve_phase(store, manifests: dict[int, dict], options: StoreOptions, tally: StoreTally) -> None:
    resolve_prepare(store, manifests)
    parts = sorted(manifests)
    tally.buckets_total = options.buckets
    con = connect(store, threads=max(1, options.workers), memory_limit=options.memory_limit)
    try:
        for bucket in range(options.buckets):
            record = bucket_join(con, store, bucket, parts)
            tally.buckets_done += 1
            tally.inputs_resolved += record["resolved"]
            tally.inputs_unresolved += record["inputs"] - record["resolved"]
            tally.repeated_coinbases += record["repeated"]
            options.on_progress(tally)
        for part in parts:
            partition_finalize(con, store, part, options.buckets)
            tally.partitions_resolved += 1
            options.on_progress(tally)
    finally:
        con.close()
    shutil.rmtree(store.temp, ignore_errors=True)


def store_status(root: Path) -> dict:
    """What a store directory holds, from its markers alone (cheap: no table is read)."""
    store = layout.StoreLayout(root)
    settings = layout.read_json(store.settings_file)
    if settings is None:
        raise ChainDataError(str(root), "not a chain store (no store.json)")
    manifests = [layout.read_json(path) for path in sorted(store.staging.glob("part=*/_manifest.json"))]
    manifests = [m for m in manifests if m]
    buckets = [layout.read_json(store.joined_done(b)) for b in range(settings["buckets"])]
    finals = list(store.tables.glob("_done/part=*.json"))
    resolved = sum(b["resolved"] for b in buckets if b)
    joined_inputs = sum(b["inputs"] for b in buckets if b)
    return {
        **settings,
        "partitions_parsed": len(manifests),
        "blocks": sum(m["blocks"] for m in manifests),
        "txs": sum(m["txs"] for m in manifests),
        "outputs": sum(m["outputs"] for m in manifests),
        "inputs": sum(m["inputs"] for m in manifests),
        "first_height": min((m["first_height"] for m in manifests), default=None),
        "last_height": max((m["last_height"] for m in manifests), default=None),
        "buckets_joined": sum(1 for b in buckets if b),
        "inputs_resolved": resolved,
        "inputs_unresolved": joined_inputs - resolved,
        "partitions_resolved": len(finals),
    }
