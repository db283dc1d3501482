"""Labeling benchmark: every model's F1 against the tabular baseline, training time by size, labeling throughput.

    .venv/bin/python -m bench.labeling                                   # 118,000 addresses, every model
    .venv/bin/python -m bench.labeling --addresses 118000 500000 1000000 # the default model at each size
    .venv/bin/python -m bench.labeling --txs 60000                       # a world of that many transactions

Runs on its own embedded FalkorDB (var/bench) and database (var/bench/db.sqlite3).
For each size: simulates a world (seed 1), ingests it, loads its tags, trains in a
process of its own (so its time and peak memory are the training's: graph read,
features and propagation included), then runs labeling jobs over every address in
another. At the first size the full-batch GNNs (GraphSAGE, GAT) train beside the
default model on the same split; at larger sizes the default model and the
gradient-boosting baseline (the in-run yardstick). Figures go to docs/benchmarks.md.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.runtime import ROOT, server_start  # first: it sets Django up

# isort: split

from django.conf import settings
from django.core.management import call_command

from bench.ingest import _fresh_graph, machine
from bench.report import write_section
from chain.ingest import IngestOptions, Tally, ingest_entries
from chain.networks import NETWORKS
from chain.simulator.run import WorldSpec, simulate
from chain.sources import scan_blk_file
from graph.tags import tags_write
from graphml.models import LabelingJob
from graphml.nets import FULL_BATCH
from graphml.services import labeling_job_create, labeling_job_execute
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
    args = parser.parse_args()
    txs = args.txs or [round(n / ADDRESSES_PER_TX) for n in (args.addresses or [118_000])]
    server, started_server = server_start()
    call_command("migrate", verbosity=0)
    try:
        runs = []
        for i, size in enumerate(txs):
            runs.append(_one_size(size, full_batch=tuple(args.full_batch) if i == 0 else ()))
            (Path(settings.VAR_DIR) / RUNS_FILE).write_text(json.dumps(runs, indent=1))
    finally:
        if started_server:
            server.stop()
    flags = " ".join(f"{n}" for n in (args.addresses or args.txs or [118_000]))
    others = "" if args.full_batch == list(FULL_BATCH) else f" --full-batch {' '.join(args.full_batch)}".rstrip()
    command = f"`.venv/bin/python -m bench.labeling {'--txs' if args.txs else '--addresses'} {flags}{others}`"
    text = "\n".join(_lines(runs, command))
    print(text)
    write_section("Labeling", text)


def _one_size(txs: int, *, full_batch: tuple[str, ...]) -> dict:
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
        models = (*DEFAULT_MODELS, *full_batch)
        trained = _train_in_a_fresh_process(store.graph_name, work, models)
        labeling_peak = _label_in_a_fresh_process(store.graph_name)
        cold, job = LabelingJob.objects.order_by("-created_at")[1], LabelingJob.objects.latest("created_at")
        explaining = None
        if trained["shipped"] in FULL_BATCH:  # GNNExplainer explains message-passing models only
            started = time.perf_counter()
            explained = labeling_job_execute(job_id=labeling_job_create(explain_top=100).id)
            explaining = explained.explained / max(time.perf_counter() - started - job.seconds, 1e-9)
    finally:
        store.delete_graph()
        shutil.rmtree(work, ignore_errors=True)
    return {
        "txs": txs,
        "addresses": job.addresses_total,
        **trained,
        "labeling": job.seconds,
        "cold": cold.seconds,
        "labeling_peak": labeling_peak,
        "explaining": explaining,
        "load": os.getloadavg()[0],
    }


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
        "| reasons (GNNExplainer) | "
        + (f"{first['explaining']:,.1f} addresses/s |" if first["explaining"] is not None else "— (sign shipped) |")
        + " |",
    ]
    return lines


_TRAIN = """
import json, sys, time
import django
django.setup()
from pathlib import Path
from graph import get_graph
from graphml.registry import model_version_register
from graphml.runs import train_run
from graphml.training import TrainSpec
from bench.labeling import _peak_mib
work, models = Path(sys.argv[1]), tuple(sys.argv[2].split(","))
started = time.perf_counter()
report = train_run(store=get_graph(), truth=work / "world" / "truth.csv", directory=work / "model",
                   spec=TrainSpec(models=models))
total = time.perf_counter() - started
model_version_register(report=report, directory=work / "model", activate=True)
figures = {name: {"val_pr_auc": r.val_pr_auc, "seconds": r.seconds, **r.test} for name, r in report.results.items()}
test = {"test_illicit": int(report.test_labels.sum()), "test_size": len(report.test_labels)}
print("RESULT" + json.dumps({"total_seconds": total, "shipped": report.shipped, "models": figures, **test,
      "training_peak": _peak_mib()}))
"""


def _train_in_a_fresh_process(graph_name: str, work: Path, models: tuple[str, ...]) -> dict:
    """`train_run` as `manage.py train` runs it, in a process of its own: its time and peak memory are the
    training's alone. The run's time without the full-batch GNNs is the default models' time."""
    env = {**os.environ, "GRAPH_NAME": graph_name}
    done = subprocess.run(
        [sys.executable, "-c", _TRAIN, str(work), ",".join(models)], env=env, cwd=ROOT, capture_output=True, text=True
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
import django
django.setup()
from django.core.management import call_command
from bench.labeling import _peak_mib
call_command("label", "--explain-top", "0")
call_command("label", "--explain-top", "0")
print("peak", _peak_mib())
"""


def _label_in_a_fresh_process(graph_name: str) -> float:
    """Two labeling jobs in a process of their own, as a worker runs them one after the other: the first
    pays for a cold start, the second is the steady state. Its own process, so the peak memory is the
    job's (this process still holds the training's); returns that peak in MiB."""
    env = {**os.environ, "GRAPH_NAME": graph_name}
    done = subprocess.run([sys.executable, "-c", _LABEL], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the labeling process failed:\n{done.stderr[-4000:]}")
    return float(done.stdout.split("peak")[-1])


def _tags_load(store, path: Path) -> None:
    """The world's TagPack, as `make run` loads the demo's: the tag exposure features read it."""
    schema_dir = Path(settings.TAGPACK_SCHEMA_DIR)
    pack = read_pack(path, "world", load_schema(schema_dir), load_taxonomy(schema_dir))
    tags_write(store, pack.rows, generation="bench")


if __name__ == "__main__":
    main()
