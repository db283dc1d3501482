"""Labeling benchmark: every model's F1 against the tabular baseline, training time by size, labeling throughput.

    .venv/bin/python -m bench.labeling                                   # 118,000 addresses, every model
    .venv/bin/python -m bench.labeling --addresses 118000 500000 1000000 # the default model at each size
    .venv/bin/python -m bench.labeling --txs 60000                       # a world of that many transactions
    .venv/bin/python -m bench.labeling --jobs-only                       # the default model: jobs and reasons only

Runs on its own embedded FalkorDB (var/bench) and database (var/bench/db.sqlite3).
For each size: simulates a world (seed 1), ingests it, loads its tags, trains in a
process of its own (so its time and peak memory are the training's: graph read,
features and propagation included), then runs labeling jobs over every address in
another: the first writes every score, the second is the same job again (it writes
only what changed: nothing), the third explains every flagged address (Integrated
Gradients, for sign over its propagated rows). At the first size the full-batch GNNs
(GraphSAGE, GAT) train beside the default model on the same split; at larger sizes
the default model and the gradient-boosting baseline (the in-run yardstick). Figures
go to docs/benchmarks.md ("Labeling"; with --jobs-only, which ships the default model
whatever validated better, "Labeling: jobs and reasons, N transactions").
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.runtime import ROOT, server_start  # first: it sets Django up

# isort: split

import numpy as np
from django.conf import settings
from django.core.management import call_command

from bench.ingest import _fresh_graph, machine
from bench.report import write_section
from chain.ingest import IngestOptions, Tally, ingest_entries
from chain.networks import NETWORKS
from chain.simulator.run import WorldSpec, simulate
from chain.sources import scan_blk_file
from graph.tags import tags_write
from graphml.attribution import fidelity
from graphml.dataset import graph_until
from graphml.models import LabelingJob
from graphml.nets import FULL_BATCH, PropagatedScorer
from graphml.registry import model_version_load
from graphml.runs import chain_arrays
from graphml.sign_reasons import sign_fidelity
from graphml.training import BASELINE, DEFAULT_MODELS
from tagpack import load_schema
from tagpack.reading import read_pack
from tagpack.taxonomy import load_taxonomy

ADDRESSES_PER_TX = 117_780 / 60_000  # the simulator's default world, seed 1
RUNS_FILE = "labeling-runs.json"  # under VAR_DIR: the figures so far, should a later size fail


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--addresses", type=int, nargs="+", help="world sizes, in addresses (default 118,000)")
    sizes.add_argument("--txs", type=int, nargs="+", help="world sizes, in transactions")
    parser.add_argument(
        "--full-batch",
        nargs="*",
        choices=FULL_BATCH,
        default=list(FULL_BATCH),
        help="the full-batch GNNs trained beside the default at the first size (none: `--full-batch`)",
    )
    parser.add_argument("--jobs-only", action="store_true", help="the default model only, shipped: time the jobs")
    args = parser.parse_args()
    txs = args.txs or [round(n / ADDRESSES_PER_TX) for n in (args.addresses or [118_000])]
    if args.jobs_only:
        txs = txs[:1]
    server, started_server = server_start()
    call_command("migrate", verbosity=0)
    try:
        runs = []
        for i, size in enumerate(txs):
            full_batch = tuple(args.full_batch) if i == 0 and not args.jobs_only else ()
            runs.append(_one_size(size, full_batch=full_batch, ship=DEFAULT_MODELS[0] if args.jobs_only else ""))
            (Path(settings.VAR_DIR) / RUNS_FILE).write_text(json.dumps(runs, indent=1))
    finally:
        if started_server:
            server.stop()
    flags = " ".join(f"{n}" for n in (args.addresses or args.txs or [118_000]))
    others = "" if args.full_batch == list(FULL_BATCH) else f" --full-batch {' '.join(args.full_batch)}".rstrip()
    command = f"`.venv/bin/python -m bench.labeling {'--txs' if args.txs else '--addresses'} {flags}{others}`"
    if args.jobs_only:
        command = f".venv/bin/python -m bench.labeling {'--txs' if args.txs else '--addresses'} {flags} --jobs-only"
        text = "\n".join([f"Machine: {machine()}. Command: `{command}`.", "", *_jobs_lines(runs[0])])
        print(text)
        write_section(f"Labeling: jobs and reasons, {txs[0]:,} transactions", text)
        return
    text = "\n".join(_lines(runs, command))
    print(text)
    write_section("Labeling", text)


def _one_size(txs: int, *, full_batch: tuple[str, ...], ship: str = "") -> dict:
    """Simulate, ingest, train in a fresh process, label in another; the figures of one world."""
    work = Path(tempfile.mkdtemp(prefix="bench-labeling-"))
    store = _fresh_graph()
    settings.GRAPH_NAME = store.graph_name  # the labeling job reads the graph through get_graph()
    try:
        simulate(WorldSpec(txs=txs, seed=1), work / "world")
        entries = [
            e
            for p in sorted((work / "world" / "blocks").glob("*.dat"))
            for e in scan_blk_file(p, NETWORKS["regtest"]).entries
        ]
        ingest_entries(
            entries, store=store, network=NETWORKS["regtest"], tally=Tally(), options=IngestOptions(workers=2)
        )
        del entries
        _tags_load(store, work / "world" / "tagpack.yaml")
        trained = _train_in_a_fresh_process(store.graph_name, work, (*DEFAULT_MODELS, *full_batch), ship)
        jobs = _label_in_a_fresh_process(store.graph_name)
        checked = _fidelity(store)
    finally:
        store.delete_graph()
        shutil.rmtree(work, ignore_errors=True)
    first, again, explained = LabelingJob.objects.order_by("-created_at")[:3][::-1]
    return {
        "txs": txs,
        "addresses": first.addresses_total,
        **trained,
        "labeling": again.seconds,
        "cold": first.seconds,
        "labeling_peak": jobs["peak"],
        "jobs": {
            **jobs,
            "seconds": [first.seconds, again.seconds],
            "explained": explained.explained,
            "flagged": explained.flagged,
        },
        "fidelity": checked,
        "load": os.getloadavg()[0],
    }


def _jobs_lines(run: dict) -> list[str]:
    """The labeling jobs' table of one size: the first job, the same again, every flagged address explained."""
    jobs, checked, addresses = run["jobs"], run["fidelity"], run["addresses"]
    first, again = jobs["seconds"]
    explaining = jobs["phases"][2]["reasons"]
    return [
        f"Labeling jobs in a process of their own at {addresses:,} addresses, with {run['shipped']} (phases from "
        f"the job's log line; load average {float(jobs['load']):.1f} at the start of the jobs, `uptime`):",
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
        f"| labeling job (read, score, write, flag clusters), first job of a new model: writes every score "
        f"| {addresses / first:,.0f} addresses/s ({first:,.1f} s: {_phases(jobs, 0)}) "
        "| ≥ 100,000 /s at 1,000,000 |",
        f"| the same job again (writes only changed scores: {addresses - jobs['written'][1]:,} "
        f"of {addresses:,} unchanged) | {addresses / again:,.0f} addresses/s "
        f"({again:,.1f} s: {_phases(jobs, 1)}) | |",
        f"| reasons ({'Integrated Gradients' if run['shipped'] != BASELINE else 'occlusion'}), every flagged "
        f"address | {jobs['explained']:,} of {jobs['flagged']:,} flagged explained, "
        f"{jobs['explained'] / max(explaining, 1e-9):,.0f} addresses/s ({explaining:,.1f} s, writing them "
        "included) | ≥ 100 /s, every flagged address |",
        f"| reasons' fidelity, {checked['targets']} flagged addresses: logit drop removing the top 3 features "
        f"/ 3 random | {checked['features_top']:.2f} / {checked['features_random']:.2f} | top > random |",
        "| the same, removing the top 3 neighbours / 3 random | "
        + (
            f"{checked['neighbours_top']:.2f} / {checked['neighbours_random']:.2f}"
            if checked["neighbours_top"] == checked["neighbours_top"]  # not NaN
            else "— (not built for sign: docs/labeling.md)"
        )
        + " | top > random |",
        f"| peak memory: training, in its own process | {run['training_peak']:,.0f} MiB | |",
        f"| peak memory: the three jobs in their own process | {jobs['peak']:,.0f} MiB | ≤ 4 GB at 1,000,000 |",
    ]


def _phases(jobs: dict, job: int) -> str:
    return ", ".join(f"{name} {seconds:.1f}" for name, seconds in jobs["phases"][job].items() if name != "reasons")


def _fidelity(store, *, targets: int = 300) -> dict:
    """The reasons' fidelity on the riskiest flagged addresses (up to `targets`) with the shipped network:
    graphml.attribution.fidelity for a GNN, sign_reasons.sign_fidelity (features only) for sign."""
    version = LabelingJob.objects.latest("created_at").model_version
    model = model_version_load(version)
    nan = dict.fromkeys(("features_top", "features_random", "neighbours_top", "neighbours_random"), float("nan"))
    if model.network is None:
        return {"targets": 0, **nan}
    arrays = chain_arrays(store)
    graph = graph_until(arrays, None)
    risk = model.probabilities(graph)
    flagged = np.flatnonzero(risk >= version.threshold)
    riskiest = flagged[np.argsort(-risk[flagged], kind="stable")][:targets].tolist()
    if isinstance(model.network, PropagatedScorer):
        return {"targets": len(riskiest), **nan, **sign_fidelity(model.network, graph, riskiest)}
    return {"targets": len(riskiest), **fidelity(model.network, arrays, graph["address"].x.numpy(), riskiest)}


def _lines(runs: list[dict], command: str) -> list[str]:
    first, last = runs[0], runs[-1]
    loads = ", ".join(f"{r['load']:.1f}" for r in runs)
    sizes = ", ".join(f"{r['addresses']:,} addresses" for r in runs)
    lines = [
        f"Machine: {machine()}, shared (load average {loads} after each size). "
        f"Command: {command} (simulated worlds, seed 1: {sizes}).",
        "",
        f"Every model on the same split at {first['addresses']:,} addresses (test period: "
        f"{first['test_illicit']:,} illicit of {first['test_size']:,}); training time excludes the graph read "
        "and per-period features, which all models share:",
        "",
        "| model | validation PR-AUC | test F1 | precision | recall | test PR-AUC | F1 − baseline | training |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    baseline_f1 = first["models"][BASELINE]["f1"]
    for name, m in first["models"].items():
        shipped = " (shipped)" if name == first["shipped"] else ""
        lines.append(
            f"| {name}{shipped} | {m['val_pr_auc']:.3f} | {m['f1']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} "
            f"| {m['pr_auc']:.3f} | {m['f1'] - baseline_f1:+.3f} | {m['seconds']:,.1f} s |"
        )
    lines += [
        "",
        f"The default (`manage.py train`: {', '.join(DEFAULT_MODELS)} and the baseline) by size; its time is the "
        "whole run in a fresh process: graph read, features per period, propagation, training, report:",
        "",
        "| addresses | default run | of which sign | sign F1 (baseline) | peak memory | labeling job "
        "| job, fresh process | labeling peak |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in runs:
        sign = r["models"][DEFAULT_MODELS[0]]
        lines.append(
            f"| {r['addresses']:,} | {r['default_seconds']:,.0f} s | {sign['seconds']:,.0f} s "
            f"| {sign['f1']:.3f} ({r['models'][BASELINE]['f1']:.3f}) | {r['training_peak']:,.0f} MiB "
            f"| {r['addresses'] / r['labeling']:,.0f} /s ({r['labeling']:,.1f} s) "
            f"| {r['addresses'] / r['cold']:,.0f} /s | {r['labeling_peak']:,.0f} MiB |"
        )
    growth = (last["default_seconds"] / first["default_seconds"]) / (last["addresses"] / first["addresses"])
    shipped_gain = first["models"][first["shipped"]]["f1"] - baseline_f1
    lines += [
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
        f"| shipped model's F1 over the baseline's, {first['addresses']:,} addresses | {shipped_gain:+.3f} "
        f"({first['shipped']}) | ≥ +0.03 |",
        f"| training the default models, features included, {last['addresses']:,} addresses | "
        f"{last['default_seconds']:,.0f} s | ≤ 300 s at 1,000,000 |",
        f"| training time growth {first['addresses']:,} → {last['addresses']:,}, ÷ linear | "
        + (f"{growth:.2f} ×" if len(runs) > 1 else "— (one size run)")
        + " | ≤ 1.2 × |",
        f"| training, every model, {first['addresses']:,} addresses | {first['total_seconds']:,.0f} s | |",
        f"| peak memory, training, {last['addresses']:,} addresses | {last['training_peak']:,.0f} MiB | ≤ 4,096 MiB |",
    ]
    return [*lines, "", *_jobs_lines(last)]


_TRAIN = """
import dataclasses, json, sys, time
import django
django.setup()
from pathlib import Path
from graph import get_graph
from graphml.registry import model_version_register
from graphml.runs import train_run
from graphml.training import TrainSpec
from bench.labeling import _peak_mib
work, models, ship = Path(sys.argv[1]), tuple(sys.argv[2].split(",")), sys.argv[3]
started = time.perf_counter()
report = train_run(store=get_graph(), truth=work / "world" / "truth.csv", directory=work / "model",
                   spec=TrainSpec(models=models))
total = time.perf_counter() - started
if ship:
    report = dataclasses.replace(report, shipped=ship)
model_version_register(report=report, directory=work / "model", activate=True)
figures = {name: {"val_pr_auc": r.val_pr_auc, "seconds": r.seconds, **r.test} for name, r in report.results.items()}
test = {"test_illicit": int(report.test_labels.sum()), "test_size": len(report.test_labels)}
print("RESULT" + json.dumps({"total_seconds": total, "shipped": report.shipped, "models": figures, **test,
      "training_peak": _peak_mib()}))
"""


def _train_in_a_fresh_process(graph_name: str, work: Path, models: tuple[str, ...], ship: str = "") -> dict:
    """`train_run` as `manage.py train` runs it, in a process of its own: its time and peak memory are the
    training's alone; `ship` (a kind) is registered as shipped whatever validated better. The run's time
    without the full-batch GNNs is the default models' time."""
    env = {**os.environ, "GRAPH_NAME": graph_name}
    done = subprocess.run(
        [sys.executable, "-c", _TRAIN, str(work), ",".join(models), ship],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the training process failed:\n{done.stderr[-4000:]}")
    trained = json.loads(done.stdout.split("RESULT")[-1])
    extra = sum(m["seconds"] for name, m in trained["models"].items() if name in FULL_BATCH)
    return {**trained, "default_seconds": trained["total_seconds"] - extra}


def _peak_mib() -> float:
    """This process's peak resident memory (VmHWM)."""
    peak = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM"))
    return int(peak.split()[1]) / 1024


_LABEL = """
import logging, os, sys
import django
django.setup()
from django.core.management import call_command
from bench.labeling import _peak_mib
logging.getLogger("graphml.services").addHandler(logging.StreamHandler(sys.stdout))
logging.getLogger("graphml.services").setLevel(logging.INFO)
print("load", os.getloadavg()[0])
call_command("label", "--explain-top", "0")
call_command("label", "--explain-top", "0")
call_command("label")
print("peak", _peak_mib())
"""
_PHASES = re.compile(r"(\d+) scores written of \d+; (.*)$", re.M)


def _label_in_a_fresh_process(graph_name: str) -> dict:
    """Three labeling jobs in a process of their own, as a worker runs them one after the other: the first
    writes every score of a new model, the second is the same job again, the third explains every flagged
    address. Its own process, so the peak memory is the jobs' (this process still holds the training's).
    Returns the peak (MiB), each job's phases (seconds) and scores written, and the load average."""
    env = {**os.environ, "GRAPH_NAME": graph_name}
    done = subprocess.run([sys.executable, "-c", _LABEL], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the labeling process failed:\n{done.stderr[-4000:]}")
    phases = [{name: float(seconds) for name, seconds in _pairs(line)} for _, line in _PHASES.findall(done.stdout)]
    return {
        "peak": float(done.stdout.split("peak")[-1]),
        "load": done.stdout.split("load ")[1].split()[0],
        "written": [int(n) for n, _ in _PHASES.findall(done.stdout)],
        "phases": phases,
    }


def _pairs(phases: str) -> list[tuple[str, str]]:
    """ "read 1.20 s, score 0.30 s" → [("read", "1.20"), ("score", "0.30")]."""
    return [part.removesuffix(" s").rsplit(" ", 1) for part in phases.split(", ")]


def _tags_load(store, path: Path) -> None:
    """The world's TagPack, as `make run` loads the demo's: the tag exposure features read it."""
    schema_dir = Path(settings.TAGPACK_SCHEMA_DIR)
    pack = read_pack(path, "world", load_schema(schema_dir), load_taxonomy(schema_dir))
    tags_write(store, pack.rows, generation="bench")


if __name__ == "__main__":
    main()
