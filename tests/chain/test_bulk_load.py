"""Bulk first loads from the chain store: a graph bulk-loaded for blocks 1..N and then ingested block by block
for N+1..M is the graph a plain ingest of 1..M builds; the Neo4j CSVs follow neo4j-admin's format and carry
the schema the incremental Cypher writes."""

import threading
import time
import uuid
from io import StringIO

import duckdb
import pytest
from django.core.management import CommandError, call_command

from chain.ingest import IngestOptions, Tally, ingest_entries
from chain.models import ChainStoreRun
from chain.networks import network_named
from chain.services import source_scan
from chain.simulator.run import WorldSpec, simulate
from chain.store.export import EntitySet, StoreExport
from chain.store.load import LoadWindow, bulk_client, export_write, load_falkordb, load_neo4j_csv
from chain.store.prefetch import Prefetch
from graph import GraphConstraintError, bulk, get_graph
from graph.explore import address_detail
from graph.schema import ensure_schema
from tests.chain.bulktools import (
    cluster_partition,
    clusters_scaffold,
    csv_rows,
    graph_dump,
    ingest_into,
    split_blk,
)
from tests.chain.storetools import build

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_partitions(settings):
    settings.CHAIN_STORE_PARTITION_BLOCKS = 50
    settings.CHAIN_STORE_BUCKETS = 4


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bulk-world")
    simulate(WorldSpec(txs=1_500, seed=5), directory)
    return directory / "blocks"


@pytest.fixture
def graphs(settings):
    """Fresh graph names for this test; every graph made under them is removed afterwards."""
    names = []

    def name() -> str:
        names.append(f"bulk_{uuid.uuid4().hex}")
        return names[-1]

    yield name
    for graph_name in names:
        settings.GRAPH_NAME = graph_name
        get_graph().delete_graph()


def _bulk_then_incremental(settings, graphs, source, tmp_path, *, first: int, network: str):
    head, tail = split_blk(source, first, tmp_path / "split")
    reference = graph_dump(ingest_into(settings, graphs(), source, network=network))
    reference_clusters = cluster_partition(get_graph())
    head_graph = ingest_into(settings, graphs(), head, network=network)
    build("blk", head, tmp_path / "store", network=network)
    clusters = clusters_scaffold(head_graph, tmp_path / "store", tmp_path / "clusters")
    settings.GRAPH_NAME = graphs()
    loaded = load_falkordb(tmp_path / "store", get_graph(), work_dir=tmp_path / "work", clusters_dir=clusters)
    continued = ingest_into(settings, settings.GRAPH_NAME, tail, network=network)
    return reference, reference_clusters, continued, loaded


def test_the_first_255_blocks_bulk_loaded_then_ingested_equal_an_ingest_of_all(fixtures, settings, graphs, tmp_path):
    reference, clusters, continued, loaded = _bulk_then_incremental(
        settings, graphs, fixtures / "blk-heights-1-255.dat", tmp_path, first=200, network="bitcoin"
    )
    assert loaded.by_set["Block"] == 200
    assert len(reference["nodes"]) > 500
    assert sum(reference["relationships"].values()) > 500
    mine = graph_dump(continued)
    assert mine["nodes"] == reference["nodes"]
    assert mine["relationships"] == reference["relationships"]
    assert cluster_partition(continued) == clusters


def test_a_simulated_world_bulk_loaded_then_ingested_equals_an_ingest_of_all(world, settings, graphs, tmp_path):
    reference, clusters, continued, loaded = _bulk_then_incremental(
        settings, graphs, world, tmp_path, first=60, network="regtest"
    )
    assert loaded.relationships > 1000
    mine = graph_dump(continued)
    assert len(mine["nodes"]) == len(reference["nodes"])
    assert mine["nodes"] == reference["nodes"]
    assert mine["relationships"] == reference["relationships"]
    assert cluster_partition(continued) == clusters
    some = sorted(props["address"] for (labels, _), props in reference["nodes"].items() if labels == ("Address",))
    for address in some[:: max(1, len(some) // 10)]:
        settings.GRAPH_NAME = continued.graph_name
        ours = address_detail(continued, address)
        assert ours is not None
        assert ours.address == address


def test_a_bulk_load_refuses_a_graph_that_holds_nodes(fixtures, settings, graphs, tmp_path):
    store = ingest_into(settings, graphs(), fixtures / "blk-heights-1-255.dat", network="bitcoin")
    build("blk", fixtures / "blk-heights-1-255.dat", tmp_path / "store")
    with pytest.raises(bulk.GraphNotEmpty, match="already holds"):
        load_falkordb(tmp_path / "store", store, work_dir=tmp_path / "work")


def test_a_window_loads_what_an_ingest_starting_there_builds(world, settings, graphs, tmp_path):
    _, tail = split_blk(world, 40, tmp_path / "split")
    started_late = ingest_into(settings, graphs(), tail, network="regtest")
    reference, clusters = graph_dump(started_late), cluster_partition(started_late)
    build("blk", world, tmp_path / "store", network="regtest")
    assignment = clusters_scaffold(started_late, tmp_path / "store", tmp_path / "clusters")
    settings.GRAPH_NAME = graphs()
    store = get_graph()
    window = LoadWindow(first=41)
    load_falkordb(tmp_path / "store", store, work_dir=tmp_path / "work", window=window, clusters_dir=assignment)
    mine = graph_dump(store)
    assert min(props["height"] for (labels, _), props in mine["nodes"].items() if labels == ("Block",)) == 41
    assert mine["nodes"] == reference["nodes"]
    assert mine["relationships"] == reference["relationships"]
    assert cluster_partition(store) == clusters


def _schema_listing(store) -> tuple[list, list]:
    indexes = store.read("CALL db.indexes() YIELD label, properties RETURN label, properties ORDER BY label")
    constraints = store.read(
        "CALL db.constraints() YIELD label, properties, status RETURN label, properties, status ORDER BY label"
    )
    return indexes, constraints


def test_a_loaded_graph_has_every_key_and_index_in_force_and_refuses_a_second_node_with_a_loaded_key(
    world, settings, graphs, tmp_path
):
    settings.GRAPH_NAME = graphs()
    ensure_schema(bootstrapped := get_graph())
    build("blk", world, tmp_path / "store", network="regtest")
    settings.GRAPH_NAME = graphs()
    store = get_graph()
    load_falkordb(tmp_path / "store", store, work_dir=tmp_path / "work")
    assert _schema_listing(store) == _schema_listing(bootstrapped)
    assert {row["status"] for row in _schema_listing(store)[1]} == {"OPERATIONAL"}
    last = store.read("MATCH (a:Address) RETURN a.address AS address ORDER BY a.address DESC LIMIT 1")[0]["address"]
    with pytest.raises(GraphConstraintError):
        store.write("CREATE (:Address {address: $address})", address=last)
    found = store.read("MATCH (a:Address {address: $address}) RETURN count(a) AS n", address=last)
    assert found[0]["n"] == 1


def test_a_window_past_the_tip_loads_nothing_and_leaves_a_graph_ready_for_ingest(fixtures, settings, graphs, tmp_path):
    build("blk", fixtures / "blk-heights-1-255.dat", tmp_path / "store")
    settings.GRAPH_NAME = graphs()
    ensure_schema(bootstrapped := get_graph())
    settings.GRAPH_NAME = graphs()
    store = get_graph()
    loaded = load_falkordb(tmp_path / "store", store, work_dir=tmp_path / "work", window=LoadWindow(first=10_000))
    assert (loaded.nodes, loaded.relationships) == (0, 0)
    assert _schema_listing(store) == _schema_listing(bootstrapped)


def test_the_progress_totals_are_the_rows_each_set_sends(world, settings, graphs, tmp_path):
    build("blk", world, tmp_path / "store", network="regtest")
    settings.GRAPH_NAME = graphs()
    last_call: dict[str, tuple[int, int]] = {}
    window = LoadWindow(first=41)  # spends of earlier blocks: stub transactions, pending SPENT_BY edges
    loaded = load_falkordb(
        tmp_path / "store",
        get_graph(),
        work_dir=tmp_path / "work",
        window=window,
        on_progress=lambda name, sent, total, _seconds: last_call.__setitem__(name, (sent, total)),
    )
    assert loaded.by_set["Transaction (spent, outside)"] > 0
    for name, count in loaded.by_set.items():
        if count:
            assert last_call[name] == (count, count), name


def _schema_of_graph(store) -> dict:
    """label or type -> {property: neo4j type}, read from the values an incremental ingest wrote."""
    found: dict[str, dict[str, str]] = {}
    for row in store.read("MATCH (n) RETURN labels(n)[0] AS name, properties(n) AS props"):
        _types(found.setdefault(row["name"], {}), row["props"])
    for row in store.read("MATCH ()-[r]->() RETURN type(r) AS name, properties(r) AS props"):
        _types(found.setdefault(row["name"], {}), row["props"])
    return found


def _types(into: dict, props: dict) -> None:
    names = {bool: "boolean", int: "long", float: "double", str: "string"}
    for key, value in props.items():
        if isinstance(value, list):
            if value:
                into[key] = names[type(value[0])] + "[]"
        else:
            into[key] = names[type(value)]


def _schema_of_headers(out) -> dict:
    found: dict[str, dict[str, str]] = {}
    for header in sorted(out.glob("*.header.csv")):
        kind, name = header.name.split("-")[1], header.name.split("-", 2)[2].removesuffix(".header.csv")
        fields = header.read_text().strip().split(",")
        into = found.setdefault(name, {})
        for field in fields:
            prop, _, kind_of = field.partition(":")
            if prop and not kind_of.startswith("ID("):
                into[prop] = kind_of
            elif prop:
                into[prop] = "string"
        assert (":LABEL" in fields) == (kind == "node")
    return found


def test_the_neo4j_csvs_follow_neo4j_admins_format_and_the_incremental_schema(world, settings, graphs, tmp_path):
    ingested = ingest_into(settings, graphs(), world, network="regtest")
    build("blk", world, tmp_path / "store", network="regtest")
    clusters = clusters_scaffold(ingested, tmp_path / "store", tmp_path / "clusters")
    out = tmp_path / "neo4j"
    result = load_neo4j_csv(tmp_path / "store", out, work_dir=tmp_path / "work", clusters_dir=clusters)
    assert result.nodes > 0
    assert result.relationships > 0
    ids: dict[str, set] = {}
    for header in sorted(out.glob("*-node-*.header.csv")):
        label = header.read_text().split(",")[0].partition("ID(")[2].rstrip(")")
        keys = [row[0] for row in csv_rows(header.with_name(header.name.replace(".header", "")))]
        assert not ids.setdefault(label, set()) & set(keys), f"{label} ids repeat across files"
        assert len(keys) == len(set(keys)), f"{label} ids repeat"
        ids[label].update(keys)
    for header in sorted(out.glob("*-relationship-*.header.csv")):
        fields = header.read_text().strip().split(",")
        start, end = (fields[i].partition("(")[2].rstrip(")") for i in (0, 1))
        for row in csv_rows(header.with_name(header.name.replace(".header", ""))):
            assert row[0] in ids[start], (header.name, row)
            assert row[1] in ids[end], (header.name, row)
    written = _schema_of_graph(ingested)
    headers = _schema_of_headers(out)
    for name, props in written.items():
        if name in ("MERGED_INTO",):
            continue  # the history of merges is the incremental path's own: a bulk load has no merges
        for prop, kind in props.items():
            if name == "Cluster" and prop == "merged_into":
                continue
            assert headers[name].get(prop) == kind, (name, prop, kind, headers[name])
    args = (out / "import.args").read_text().split()
    assert all(arg.split("=")[0] in ("--nodes", "--relationships") for arg in args)


def test_the_command_loads_the_store_and_records_the_run(fixtures, settings, graphs, tmp_path):
    build("blk", fixtures / "blk-heights-1-255.dat", tmp_path / "store")
    settings.GRAPH_NAME = graphs()
    out = StringIO()
    call_command("chainstore", "load", "--store", str(tmp_path / "store"), "--to-height", "100", stdout=out)
    run = ChainStoreRun.objects.get(phase=ChainStoreRun.Phase.DONE, options__engine="falkordb")
    counted = get_graph().read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    edges = get_graph().read("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    assert (run.status, run.nodes, run.relationships) == (ChainStoreRun.Status.SUCCEEDED, counted, edges)
    assert get_graph().read("MATCH (b:Block) RETURN max(b.height) AS h")[0]["h"] == 100
    assert f"{run.nodes:,} nodes" in out.getvalue()
    with pytest.raises(CommandError, match="already holds"):
        call_command("chainstore", "load", "--store", str(tmp_path / "store"), stdout=StringIO())
    assert ChainStoreRun.objects.filter(status=ChainStoreRun.Status.FAILED, phase=ChainStoreRun.Phase.LOAD).count() == 1


def test_a_repeated_coinbase_loads_once_as_the_ingest_keeps_it(settings, graphs, tmp_path):
    from chain.networks import NETWORKS
    from tests.chain.blockmaker import ChainMaker, to

    testnet = NETWORKS["testnet"]  # before its BIP34 height, where mainnet's repeats happened too
    chain = ChainMaker(tip=testnet.genesis_hash)
    first = chain.block(miner="A")
    chain.block(coinbase=chain.coinbase_of(0))
    chain.block(chain.spend((first, 0), outputs=[(50 * 100_000_000 - 1000, to("B"))]), fees=1000)
    path = chain.write_blk(tmp_path / "blk00000.dat", magic=testnet.magic)
    reference = graph_dump(ingest_into(settings, graphs(), path, network="testnet"))
    build("blk", path, tmp_path / "store", network="testnet")
    settings.GRAPH_NAME = graphs()
    load_falkordb(tmp_path / "store", get_graph(), work_dir=tmp_path / "work")
    mine = graph_dump(get_graph())
    assert sum(labels == ("Transaction",) for labels, _ in mine["nodes"]) == 3  # two coinbases and the spend
    assert mine["nodes"] == reference["nodes"]
    assert mine["relationships"] == reference["relationships"]


def _ingest_block_by_block(settings, graph_name: str, source, *, network: str):
    """An incremental ingest writing one block at a time: the meaning the store's clustering reproduces
    (`seen_before`, the block an address joins its cluster in; docs/scale.md "Clustering over the store")."""
    settings.GRAPH_NAME = graph_name
    store = get_graph()
    ensure_schema(store)
    scan = source_scan(kind="blk", source=str(source), network=network_named(network))
    options = IngestOptions(batch_blocks=1, batch_txs=1, min_change_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE)
    ingest_entries(scan.entries, store=store, network=network_named(network), tally=Tally(), options=options)
    return store


def _cluster_reasons(store) -> dict[str, tuple]:
    """Why each clustered address is in its cluster: the IN_CLUSTER edge's txid, heuristic and confidence."""
    found = store.read(
        "MATCH (a:Address)-[r:IN_CLUSTER]->(:Cluster) RETURN a.address AS address, r.txid AS txid, "
        "r.heuristic AS heuristic, r.confidence AS confidence"
    )
    return {row["address"]: (row["txid"], row["heuristic"], row["confidence"]) for row in found}


# A cluster's name and first_height are not compared: a merge keeps the larger cluster's name and founding
# height, and which one was larger depends on the merges before (the bulk load has none for blocks 1..N).
COMPARED_CLUSTER_FIGURES = ("size", "received", "sent", "first_seen", "last_seen", "last_height")


def _cluster_figures(store) -> dict[frozenset, tuple]:
    """Each cluster's figures but its name and first_height, keyed by its members."""
    figures = ", ".join(f"c.{name} AS {name}" for name in COMPARED_CLUSTER_FIGURES)
    found = store.read(
        f"MATCH (a:Address)-[:IN_CLUSTER]->(c:Cluster) RETURN c.cluster_id AS id, {figures}, "
        "collect(a.address) AS members"
    )
    return {frozenset(r["members"]): tuple(r[name] for name in COMPARED_CLUSTER_FIGURES) for r in found}


def _chainstore(*args: str) -> str:
    out = StringIO()
    call_command("chainstore", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(("source", "first", "network"), [("world", 60, "regtest"), ("blk-heights", 200, "bitcoin")])
def test_build_cluster_load_then_ingest_equals_an_ingest_of_all(
    request, settings, graphs, tmp_path, source, first, network
):
    """The user's path: `chainstore build`, `chainstore cluster`, `chainstore load` for blocks 1..N, then the
    incremental ingest from N+1, is the graph a block-by-block ingest of every block builds: the same nodes,
    relationships and properties, the same partition, the same reason on every IN_CLUSTER edge and the same
    cluster figures (but names and first heights, see COMPARED_CLUSTER_FIGURES)."""
    if source == "world":
        blocks = request.getfixturevalue("world")
    else:
        blocks = request.getfixturevalue("fixtures") / "blk-heights-1-255.dat"
        if not blocks.exists():
            pytest.skip(f"{blocks} not found")
    reference = _ingest_block_by_block(settings, graphs(), blocks, network=network)
    head, tail = split_blk(blocks, first, tmp_path / "split")
    store = str(tmp_path / "store")
    _chainstore("build", "blk", str(head), "--store", store, "--network", network, "--workers", "1")
    _chainstore("cluster", "--store", store, "--threads", "1")
    settings.GRAPH_NAME = graphs()
    said = _chainstore("load", "--store", store)
    assert f"clusters: {(tmp_path / 'store' / 'clusters').resolve()}" in said
    load = ChainStoreRun.objects.get(phase=ChainStoreRun.Phase.DONE, options__engine="falkordb")
    assert load.options["clusters"] == str((tmp_path / "store" / "clusters").resolve())
    continued = _ingest_block_by_block(settings, settings.GRAPH_NAME, tail, network=network)
    expected, mine = graph_dump(reference), graph_dump(continued)
    assert len(expected["nodes"]) > 500
    assert mine["nodes"] == expected["nodes"]
    assert mine["relationships"] == expected["relationships"]
    assert cluster_partition(continued) == cluster_partition(reference)
    assert _cluster_reasons(continued) == _cluster_reasons(reference)
    assert _cluster_figures(continued) == _cluster_figures(reference)
    if source == "world":
        assert len(cluster_partition(reference)) > 10


def test_the_load_refuses_clusters_of_an_older_build(world, settings, graphs, tmp_path):
    """Clusters made before the store was built again may name addresses and links it no longer holds: the
    load says so rather than loading them, and loads once they are made again."""
    store = str(tmp_path / "store")
    _chainstore("build", "blk", str(world), "--store", store, "--network", "regtest", "--workers", "1")
    _chainstore("cluster", "--store", store, "--threads", "1")
    _chainstore("build", "blk", str(world), "--store", store, "--network", "regtest", "--workers", "1")
    settings.GRAPH_NAME = graphs()
    with pytest.raises(CommandError, match="do not describe the store's latest build"):
        _chainstore("load", "--store", store)
    assert get_graph().read("MATCH (n) RETURN count(n) AS n")[0]["n"] == 0
    _chainstore("cluster", "--store", store, "--threads", "1")
    _chainstore("load", "--store", store)
    assert get_graph().read("MATCH (c:Cluster) RETURN count(c) AS n")[0]["n"] > 10


def _with_a_failing_set(export, query: str):
    """The export's node sets, then one relationship set whose query is `query` (a corrupt or a slow one)."""
    nodes = export.node_sets()
    failing = EntitySet("relationship", "OUTPUT", (), query, ends=("Transaction", "Address"), count="SELECT 1")
    export.entity_sets = lambda: iter([*nodes, failing])
    return export


def _bulk_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith(("bulk-", "store-prefetch"))]


def test_a_load_that_fails_midway_stops_every_thread_it_started(world, settings, graphs, tmp_path):
    build("blk", world, tmp_path / "store", network="regtest")
    settings.GRAPH_NAME = graphs()
    graph = get_graph()
    export = StoreExport(tmp_path / "store", work_dir=tmp_path / "work")
    _with_a_failing_set(export, "SELECT error('partition 7 is corrupt') AS src, 0 AS dst")
    client = bulk_client(graph)
    writer = bulk.BulkWriter(client, graph.graph_name)
    try:
        with pytest.raises(duckdb.Error, match="partition 7 is corrupt"):
            export_write(export, graph, writer, started=time.monotonic())
    finally:
        writer.close()
        export.close()
        client.close()
    assert writer.nodes > 0  # it failed midway: the nodes had gone
    assert _bulk_threads() == []


def test_stopping_a_load_interrupts_the_query_the_reader_is_in(world, tmp_path):
    build("blk", world, tmp_path / "store", network="regtest")
    export = StoreExport(tmp_path / "store", work_dir=tmp_path / "work")
    _with_a_failing_set(export, "SELECT sum(range) AS src, 0 AS dst FROM range(1000000000000)")  # many minutes
    reader = Prefetch(export)
    try:
        for entity, _, batches in reader.sets():
            if entity.kind == "relationship":
                break
            for _ in batches:
                pass
        time.sleep(0.5)  # the reader is inside the long query now
        stopped = time.monotonic()
    finally:
        reader.close()
        export.close()
    assert time.monotonic() - stopped < 30
    assert _bulk_threads() == []
