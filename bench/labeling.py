"""Labeling benchmark: every model's F1 against the tabular baseline, training time, labeling throughput.

    .venv/bin/python -m bench.labeling               # a 60,000-transaction world (~110,000 addresses)
    .venv/bin/python -m bench.labeling --txs 300000

Runs on its own embedded FalkorDB (var/bench) and database (var/bench/db.sqlite3):
simulates a world, ingests it, trains GraphSAGE, GAT and the gradient-boosting
baseline on the same temporal split (the baseline is the in-run yardstick), then
runs a labeling job over every address. Figures go to docs/benchmarks.md.
"""

import argparse
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
from graphml.registry import model_version_register
from graphml.runs import train_run
from graphml.services import labeling_job_create, labeling_job_execute
from graphml.training import BASELINE
from tagpack import load_schema
from tagpack.reading import read_pack
from tagpack.taxonomy import load_taxonomy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--txs", type=int, default=60_000)
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
        report = train_run(store=store, truth=work / "world" / "truth.csv", directory=work / "model")
        training = time.perf_counter() - started
        model_version_register(report=report, directory=work / "model", activate=True)
        training_peak = _peak_mib()
        labeling_peak = _label_in_a_fresh_process(store.graph_name)
        cold, job = LabelingJob.objects.order_by("-created_at")[1], LabelingJob.objects.latest("created_at")
        labeling = job.seconds
        started = time.perf_counter()
        explained = labeling_job_execute(job_id=labeling_job_create(explain_top=100).id)
        explaining = time.perf_counter() - started - labeling
    finally:
        store.delete_graph()
        shutil.rmtree(work, ignore_errors=True)
        if started_server:
            server.stop()
    baseline_f1 = report.results[BASELINE].test["f1"]
    gain = report.results[report.shipped].test["f1"] - baseline_f1
    addresses = job.addresses_total
    lines = [
        f"Machine: {machine()}. Command: `.venv/bin/python -m bench.labeling --txs {args.txs}` "
        f"(simulated world, seed 1: {job.addresses_total:,} addresses; test period: "
        f"{int(report.test_labels.sum()):,} illicit of {len(report.test_labels):,}).",
        "",
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
    lines += [
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
        f"| shipped model's F1 over the baseline's | {gain:+.3f} | ≥ +0.03 |",
        f"| training, all models (graph read included) | {training:,.0f} s at {addresses:,} addresses "
        "| ≤ 300 s at 1,000,000 |",
        f"| labeling job (read, score, write, flag clusters), a worker's second job | "
        f"{addresses / labeling:,.0f} addresses/s ({labeling:,.1f} s) | ≥ 20,000 /s |",
        f"| the same, the first job of a fresh process | {addresses / cold.seconds:,.0f} addresses/s "
        f"({cold.seconds:,.1f} s) | |",
        f"| reasons (GNNExplainer) | {explained.explained / max(explaining, 1e-9):,.1f} addresses/s | |",
        f"| peak memory: simulate, ingest and train | {training_peak:,.0f} MiB | |",
        f"| peak memory: `manage.py label` in its own process | {labeling_peak:,.0f} MiB | |",
    ]
    print("\n".join(lines))
    write_section("Labeling", "\n".join(lines))


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
