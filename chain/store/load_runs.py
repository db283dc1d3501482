"""Load runs: a bulk load of the chain store, recorded as a ChainStoreRun in its `load` phase.

The row says what was loaded (`options`: engine, window, graph or output directory, cluster assignment)
and what it wrote (`nodes`, `relationships`, `phase_seconds["load"]`), like a build's row.
"""

from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from chain.errors import RunSpecError
from chain.models import ChainStoreRun
from chain.store.cluster_runs import store_last_build
from chain.store.clusters import BUILD_MARKER
from chain.store.layout import read_json
from chain.store.load import LoadResult, LoadWindow, load_falkordb, load_neo4j_csv
from core.runner import job_execute
from graph import get_graph
from graph.falkor import FalkorDBStore

ENGINES = ("falkordb", "neo4j-csv")


def chainstore_load_create(
    *,
    store_dir: str,
    engine: str,
    out_dir: str | None = None,
    first_height: int | None = None,
    last_height: int | None = None,
    clusters_dir: str | None = None,
) -> ChainStoreRun:
    """A load of `store_dir` into the configured graph (falkordb) or into neo4j-admin CSVs under `out_dir`."""
    if engine not in ENGINES:
        raise RunSpecError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
    if engine == "neo4j-csv" and not out_dir:
        raise RunSpecError("--engine neo4j-csv writes files: name the directory with --out")
    store = Path(store_dir).resolve()
    if not (store / "tables" / "_done").is_dir():
        raise RunSpecError(f"{store} holds no built chain store (run `manage.py chainstore build` first)")
    clusters = _clusters_choose(store, clusters_dir, whole=first_height is None and last_height is None)
    options = {"engine": engine, "from_height": first_height, "to_height": last_height}
    options |= {"out": str(Path(out_dir).resolve()) if out_dir else None, "clusters": clusters}
    if engine == "falkordb":
        options["graph"] = settings.GRAPH_NAME
    return ChainStoreRun.objects.create(
        kind="", source=str(store), store_dir=str(store), phase=ChainStoreRun.Phase.LOAD, options=options
    )


def _clusters_choose(store: Path, clusters_dir: str | None, *, whole: bool) -> str | None:
    """`--clusters` when given, else the store's own `<store>/clusters` when present and the load is the whole
    store (its clusters span every block: a window's would not be the window's). Clusters that say which
    build they describe must describe the store's latest one: stale clusters are refused, not loaded."""
    own = store / "clusters"
    if clusters_dir is None and not (whole and own.is_dir()):
        return None
    chosen = Path(clusters_dir).resolve() if clusters_dir else own
    marker = read_json(chosen / BUILD_MARKER)
    if marker is None and chosen != own:
        return str(chosen)  # an assignment from elsewhere (another engine, a test): the caller vouches for it
    latest = store_last_build(str(store))
    if marker is None or latest is None or marker.get("build_run") != latest.id:
        built = f"build run {latest.id}" if latest else "no recorded build"
        raise RunSpecError(
            f"the clusters in {chosen} do not describe the store's latest build ({built}; they were made for "
            f"{(marker or {}).get('build_run', 'an unknown build')}): run `manage.py chainstore cluster` again"
        )
    return str(chosen)


def chainstore_load_execute(
    *, run_id: int, on_progress: Callable[[str, int, int, float], None] = lambda *args: None
) -> ChainStoreRun:
    """Load to the end; a graph that holds nodes already fails the run (a bulk load writes only empty graphs)."""

    def body(run: ChainStoreRun) -> None:
        result = _load(run, on_progress)  # a graph that holds nodes: GraphNotEmpty, a Conflict (FAILED)
        run.nodes, run.relationships = result.nodes, result.relationships
        run.phase_seconds = {"load": round(result.seconds, 3)}
        run.phase = ChainStoreRun.Phase.DONE
        run.save(update_fields=["nodes", "relationships", "phase_seconds", "phase"])

    return job_execute(ChainStoreRun, run_id, body)


def _load(run: ChainStoreRun, on_progress) -> LoadResult:
    options = run.options
    window = LoadWindow(options.get("from_height"), options.get("to_height"))
    clusters = Path(options["clusters"]) if options.get("clusters") else None
    common = {
        "work_dir": Path(run.store_dir) / "tmp" / f"load-{run.id}",
        "window": window,
        "clusters_dir": clusters,
        "memory_limit": settings.CHAIN_STORE_MEMORY_LIMIT,
        "on_progress": on_progress,
    }
    if options["engine"] == "neo4j-csv":
        return load_neo4j_csv(Path(run.store_dir), Path(options["out"]), **common)
    graph = get_graph()
    if not isinstance(graph, FalkorDBStore):
        raise RunSpecError("--engine falkordb needs GRAPH_URL to name a FalkorDB server (Neo4j: --engine neo4j-csv)")
    return load_falkordb(Path(run.store_dir), graph, **common)
