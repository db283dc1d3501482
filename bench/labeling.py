"""Labeling benchmark: every model's F1 against the tabular baseline, training time, labeling throughput.

    .venv/bin/python -m bench.labeling               # a 60,000-transaction world (~110,000 addresses)
    .venv/bin/python -m bench.labeling --txs 300000
    .venv/bin/python -m bench.labeling --jobs-only   # one quick GraphSAGE: labeling jobs and reasons only

Runs on its own embedded FalkorDB (var/bench) and database (var/bench/db.sqlite3):
simulates a world, ingests it, trains GraphSAGE, GAT and the gradient-boosting
baseline on the same temporal split (the baseline is the in-run yardstick), then
runs labeling jobs over every address in a process of their own: the first
writes every score, the second is the same job again (it writes only what
changed: nothing), the third explains every flagged address (Integrated
Gradients). Figures go to docs/benchmarks.md ("Labeling"; with --jobs-only,
"Labeling: jobs and reasons, N transactions").
"""

import argparse
import dataclasses
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
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
from graphml.registry import model_version_load, model_version_register
from graphml.runs import chain_arrays, train_run
from graphml.training import BASELINE, TrainSpec
from tagpack import load_schema
from tagpack.reading import read_pack
from tagpack.taxonomy import load_taxonomy

QUICK = TrainSpec(models=("graphsage",), epochs=30, patience=30)  # a model to label with, not to judge


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--txs", type=int, default=60_000)
    parser.add_argument("--jobs-only", action="store_true", help="train one quick GraphSAGE; time the jobs only")
    args = parser.parse_args()
    server, started_server = server_start()
    call_command("migrate", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="bench-labeling-"))
    store = _fresh_graph()
    settings.GRAPH_NAME = store.graph_name  # the labeling job reads the graph through get_graph()
    try:
        simulate(WorldSpec(txs=args.txs, seed=1), work / "world")
        entries = [
            e
            for p in sorted((work / "world" / "blocks").glob("*.dat"))
            for e in scan_blk_file(p, NETWORKS["regtest"]).entries
        ]
        ingest_entries(
            entries, store=store, network=NETWORKS["regtest"], tally=Tally(), options=IngestOptions(workers=2)
        )
        _tags_load(store, work / "world" / "tagpack.yaml")
        started = time.perf_counter()
        spec = QUICK if args.jobs_only else None
        report = train_run(store=store, truth=work / "world" / "truth.csv", directory=work / "model", spec=spec)
        training = time.perf_counter() - started
        if args.jobs_only:  # the jobs are timed with the GNN, whichever model validated better
            report = dataclasses.replace(report, shipped="graphsage")
        version = model_version_register(report=report, directory=work / "model", activate=True)
        training_peak = _peak_mib()
        jobs = _label_in_a_fresh_process(store.graph_name)
        checked = _fidelity(store, version)
    finally:
        store.delete_graph()
        shutil.rmtree(work, ignore_errors=True)
        if started_server:
            server.stop()
    first, again, explained = LabelingJob.objects.order_by("-created_at")[:3][::-1]
    addresses = first.addresses_total
    lines = [
        f"Machine: {machine()}; load average {float(jobs['load']):.1f} at the start of the jobs (`uptime`). Command: "
        f"`.venv/bin/python -m bench.labeling --txs {args.txs}{' --jobs-only' if args.jobs_only else ''}` "
        f"(simulated world, seed 1: {addresses:,} addresses; test period: "
        f"{int(report.test_labels.sum()):,} illicit of {len(report.test_labels):,}).",
        "",
    ]
    if not args.jobs_only:
        lines += _model_table(report, training)
    explaining = jobs["phases"][2]["reasons"]
    lines += [
        f"Labeling jobs in a process of their own, with {report.shipped} (phases from the job's log line):",
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
        f"| labeling job (read, score, write, flag clusters), first job of a new model: writes every score "
        f"| {addresses / first.seconds:,.0f} addresses/s ({first.seconds:,.1f} s: {_phases(jobs, 0)}) "
        "| ≥ 100,000 /s at 1,000,000 |",
        f"| the same job again (writes only changed scores: {again.addresses_total - jobs['written'][1]:,} "
        f"of {again.addresses_total:,} unchanged) | {addresses / again.seconds:,.0f} addresses/s "
        f"({again.seconds:,.1f} s: {_phases(jobs, 1)}) | |",
        f"| reasons (Integrated Gradients), every flagged address | {explained.explained:,} of "
        f"{explained.flagged:,} flagged explained, {explained.explained / max(explaining, 1e-9):,.0f} addresses/s "
        f"({explaining:,.1f} s, writing them included) | ≥ 100 /s, every flagged address |",
        f"| reasons' fidelity, {checked['targets']} flagged addresses: logit drop removing the top 3 features "
        f"/ 3 random | {checked['features_top']:.2f} / {checked['features_random']:.2f} | top > random |",
        f"| the same, removing the top 3 neighbours / 3 random | {checked['neighbours_top']:.2f} / "
        f"{checked['neighbours_random']:.2f} | top > random |",
        f"| peak memory: simulate, ingest and train | {training_peak:,.0f} MiB | |",
        f"| peak memory: the three jobs in their own process | {jobs['peak']:,.0f} MiB | ≤ 4 GB at 1,000,000 |",
    ]
    print("\n".join(lines))
    title = f"Labeling: jobs and reasons, {args.txs:,} transactions" if args.jobs_only else "Labeling"
    write_section(title, "\n".join(lines))


def _model_table(report, training: float) -> list[str]:
    baseline_f1 = report.results[BASELINE].test["f1"]
    gain = report.results[report.shipped].test["f1"] - baseline_f1
    lines = [
        "| model | validation PR-AUC | test F1 | precision | recall | test PR-AUC | F1 − baseline | training |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, result in report.results.items():
        t = result.test
        shipped = " (shipped)" if name == report.shipped else ""
        lines.append(
            f"| {name}{shipped} | {result.val_pr_auc:.3f} | {t['f1']:.3f} | {t['precision']:.3f} | {t['recall']:.3f} "
            f"| {t['pr_auc']:.3f} | {t['f1'] - baseline_f1:+.3f} | {result.seconds:,.0f} s |"
        )
    return [
        *lines,
        "",
        f"Shipped model's F1 over the baseline's: {gain:+.3f} (target ≥ +0.03). Training, all models (graph read "
        f"included): {training:,.0f} s (target ≤ 300 s at 1,000,000 addresses).",
        "",
    ]


def _phases(jobs: dict, job: int) -> str:
    return ", ".join(f"{name} {seconds:.1f}" for name, seconds in jobs["phases"][job].items() if name != "reasons")


def _fidelity(store, version, *, targets: int = 300) -> dict:
    """graphml.attribution.fidelity on the riskiest flagged addresses (up to `targets`), with the shipped GNN."""
    model = model_version_load(version)
    if model.network is None:
        names = ("features_top", "features_random", "neighbours_top", "neighbours_random")
        return {"targets": 0, **dict.fromkeys(names, float("nan"))}
    arrays = chain_arrays(store)
    graph = graph_until(arrays, None)
    risk = model.probabilities(graph)
    flagged = np.flatnonzero(risk >= version.threshold)
    riskiest = flagged[np.argsort(-risk[flagged], kind="stable")][:targets].tolist()
    return {"targets": len(riskiest), **fidelity(model.network, arrays, graph["address"].x.numpy(), riskiest)}


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
