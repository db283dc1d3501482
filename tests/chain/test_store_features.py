"""Features from the chain store: the same rows as the graph's (graphml/features.py, the reference) on real blocks
and a simulated world, nothing from blocks after the one asked for, and the command that writes them."""

import csv
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chain.errors import RunSpecError
from chain.serialization import txid_of
from chain.simulator.run import WorldSpec, simulate
from chain.store.clusters import store_cluster
from chain.store.features import FeaturesOutOfMemory, features_dir, store_features
from graph import get_graph
from graph.ml import address_pages, transaction_pages
from graphml.feature_source import (
    AddressFeatures,
    GraphFeatureSource,
    StoreFeatureSource,
    definitions_agree,
    feature_source,
    store_features_read,
)
from graphml.features import ADDRESS_FEATURES, build
from investigations.tagging import tagpacks_import
from tests.chain.blockmaker import ChainMaker, to
from tests.chain.storetools import build as store_build
from tests.chain.test_store_clusters import ingest_block_by_block

pytestmark = pytest.mark.django_db
FRAME = 8  # blk*.dat framing: magic, then the block's size
COIN = 100_000_000


@pytest.fixture(autouse=True)
def small_partitions(settings):
    settings.CHAIN_STORE_PARTITION_BLOCKS = 10
    settings.CHAIN_STORE_BUCKETS = 4


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("features-world")
    simulate(WorldSpec(txs=1_500, seed=5, illicit_share=0.1), directory)
    return directory


def world_tags(world: Path) -> list[tuple[str, str]]:
    """Public tags of every class on some of the world's addresses: illicit and sanctioned ones on criminals',
    exchange and high-risk ones on others'."""
    with open(world / "truth.csv") as handle:
        rows = list(csv.DictReader(handle))
    illicit = [row["address"] for row in rows if row["label"] == "illicit"]
    licit = [row["address"] for row in rows if row["label"] == "licit"]
    return (
        [(a, "illicit") for a in illicit[::3]]
        + [(a, "sanctioned") for a in illicit[1::5]]
        + [(a, "exchange") for a in licit[::7]]
        + [(a, "high_risk") for a in licit[3::11]]
        + [(a, "other") for a in licit[5::13]]
    )


def clustered_store(kind: str, source, store_dir: Path, settings, network: str = "bitcoin") -> Path:
    run = store_build(kind, source, store_dir, network=network, workers=2)
    assert run.status == "succeeded", run.error
    store_cluster(store_dir, min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE)
    return store_dir


def graph_source(tags, settings) -> GraphFeatureSource:
    graph = get_graph()
    arrays = build(
        address_pages(graph),
        transaction_pages(graph),
        change_min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE,
        tags=tags,
    )
    return GraphFeatureSource(arrays)


def assert_same_features(ours: AddressFeatures, theirs: AddressFeatures) -> None:
    ours, theirs = ours.sorted(), theirs.sorted()
    assert ours.addresses == theirs.addresses
    for column, name in enumerate(ADDRESS_FEATURES):
        np.testing.assert_allclose(ours.matrix[:, column], theirs.matrix[:, column], rtol=2e-6, atol=1e-6, err_msg=name)


def test_the_stores_names_are_graphmls():
    assert definitions_agree()


def test_the_store_gives_the_graphs_features_on_a_simulated_world(chain_graph, world, tmp_path, settings):
    store = clustered_store("blk", world / "blocks", tmp_path / "store", settings, network="regtest")
    ingest_block_by_block("blk", world / "blocks", network="regtest")
    tags = world_tags(world)
    graph = graph_source(tags, settings)
    top = int(graph.arrays.tx_height.max())
    from_store = StoreFeatureSource(store, tags=tags, change_min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE)
    for until in (top // 3, 2 * top // 3, None):
        found = from_store.features(until)
        assert_same_features(found, graph.features(until))
    at_top = found.matrix
    for name in (
        "log_cluster_size",
        "illicit_tag_received_share",
        "exchange_tag_sent_share",
        "high_risk_tag_sent_share",
    ):
        assert (at_top[:, ADDRESS_FEATURES.index(name)] > 0).sum() > 5, f"{name} is exercised"
    early = from_store.features(top // 3)
    assert len(early.addresses) < len(found.addresses), "addresses first seen later are not there"


@pytest.mark.parametrize(
    ("kind", "name", "untils"),
    [("raw", "block-574200.blk", (None,)), ("blk", "blk-heights-1-255.dat", (100, 170, None))],
)
def test_the_store_gives_the_graphs_features_on_real_blocks(
    chain_graph, fixtures, tmp_path, settings, kind, name, untils
):
    store = clustered_store(kind, fixtures / name, tmp_path / "store", settings)
    ingest_block_by_block(kind, fixtures / name)
    graph = graph_source([], settings)
    tags = [(address, "illicit") for address in graph.arrays.addresses[::17]]
    graph = graph_source(tags, settings)
    from_store = StoreFeatureSource(store, tags=tags, change_min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE)
    for until in untils:
        assert_same_features(from_store.features(until), graph.features(until))


def blk_prefix(blocks: Path, out: Path, count: int) -> Path:
    """The first `count` blocks of the world's blk files, in one blk file of their framing."""
    out.mkdir(parents=True)
    data = b"".join(path.read_bytes() for path in sorted(blocks.glob("blk*.dat")))
    at = 0
    for _ in range(count):
        at += FRAME + int.from_bytes(data[at + 4 : at + FRAME], "little")
    (out / "blk00000.dat").write_bytes(data[:at])
    return out


def test_a_feature_at_a_block_does_not_change_when_later_blocks_are_added(world, tmp_path, settings):
    tags = world_tags(world)
    full = clustered_store("blk", world / "blocks", tmp_path / "full", settings, network="regtest")
    early_blocks = blk_prefix(world / "blocks", tmp_path / "early-blocks", 40)
    early = clustered_store("blk", early_blocks, tmp_path / "early", settings, network="regtest")
    until = 30
    before = StoreFeatureSource(early, tags=tags).features(until).sorted()
    after = StoreFeatureSource(full, tags=tags).features(until).sorted()
    assert before.addresses == after.addresses
    np.testing.assert_allclose(before.matrix, after.matrix, rtol=1e-9, atol=1e-12)
    later = StoreFeatureSource(full, tags=tags).features(60).sorted()
    assert len(later.addresses) > len(after.addresses), "later blocks do reach the features of later blocks"


def test_the_features_command_writes_features_and_aggregates_as_of_the_block(
    chain_graph, world, tmp_path, capsys, settings
):
    """`chainstore features --until H` with the graph's tags (the world's pack imported): the graph's features,
    and at the tip the aggregates are the graph's Address and Cluster figures."""
    store = clustered_store("blk", world / "blocks", tmp_path / "store", settings, network="regtest")
    ingest_block_by_block("blk", world / "blocks", network="regtest")
    assert tagpacks_import(paths=[world / "tagpack.yaml"], actor="operator").refused == {}
    top = chain_graph.read("MATCH (b:Block) RETURN max(b.height) AS top")[0]["top"]
    call_command("chainstore", "features", "--store", str(store), "--until", str(top))
    output = capsys.readouterr().out
    confidence = settings.CLUSTER_CHANGE_MIN_CONFIDENCE
    from_graph = feature_source("graph", graph=chain_graph, change_min_confidence=confidence).features(top)
    assert_same_features(store_features_read(store, top), from_graph)
    from_store = feature_source("store", graph=chain_graph, store_dir=store, change_min_confidence=confidence)
    assert_same_features(from_store.features(None), from_graph)
    written = features_dir(store, top)
    stats = pq.read_table(written / "address_stats").to_pylist()
    graph_figures = chain_graph.read(
        "MATCH (a:Address) RETURN a.address AS address, a.received AS received, a.sent AS sent, a.n_tx AS n_tx"
    )
    assert {r["address"]: (r["received"], r["sent"], r["n_tx"]) for r in stats} == {
        r["address"]: (r["received"], r["sent"], r["n_tx"]) for r in graph_figures
    }
    clusters = pq.read_table(written / "cluster_stats").to_pylist()
    stored = chain_graph.read("MATCH (c:Cluster) WHERE c.size > 0 RETURN c.size AS size, c.received AS received")
    assert sorted((c["size"], c["received"]) for c in clusters if c["size"] > 1) == sorted(
        (r["size"], r["received"]) for r in stored
    )
    assert f"{len(stats):,} addresses" in output
    assert " 0 tagged" not in output, "the graph's tags were read"


def test_features_before_clustering_are_refused_naming_the_command(fixtures, tmp_path, chain_graph):
    run = store_build("raw", fixtures / "block-574200.blk", tmp_path / "store")
    assert run.status == "succeeded", run.error
    with pytest.raises(CommandError, match="run `chainstore cluster` first"):
        call_command(
            "chainstore", "features", "--store", str(tmp_path / "store"), "--until", "574200", "--tags", "none"
        )
    with pytest.raises(RunSpecError, match="until must be a block height"):
        store_features(tmp_path / "store", until=-1, min_confidence=0.6)
    with pytest.raises(ValueError, match="unknown feature source 'parquet': graph or store"):
        feature_source("parquet", graph=chain_graph)


def test_address_edges_split_each_payment_in_proportion_to_the_inputs_and_skip_coinjoins(tmp_path, settings):
    """Alice (50 BTC) and Bob (75) pay Carol 100 and Dave 24 (fee 1) at block 3: 40 % of each payment is
    Alice's. Carol pays Erin 99 and herself 0.5 back at 4. At 10 five miners mix into five equal outputs."""
    chain = ChainMaker()
    alice, bob = chain.block(miner="alice"), chain.block(miner="bob", fees=25 * COIN)
    pay = chain.spend((alice, 0), (bob, 0), outputs=[(100 * COIN, to("carol")), (24 * COIN, to("dave"))])
    chain.block(pay, fees=COIN)
    onward = chain.spend((txid_of(pay), 0), outputs=[(99 * COIN, to("erin")), (COIN // 2, to("carol"))])
    chain.block(onward, fees=COIN // 2)
    miners = [chain.block(miner=f"mixer{i}", fees=i + 1) for i in range(5)]
    mix = chain.spend(
        *[(txid, 0) for txid in miners], outputs=[(5_000_000, to(f"fresh{i}", "p2wpkh")) for i in range(5)]
    )
    chain.block(mix, fees=5 * 50 * COIN - 25_000_000)
    store = clustered_store("blk", chain.write_blk(tmp_path / "blk00000.dat"), tmp_path / "store", settings, "regtest")
    store_features(store, until=10, min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE)
    written = features_dir(store, 10)
    by_received = {
        50 * COIN: "alice",
        75 * COIN: "bob",
        100 * COIN + COIN // 2: "carol",
        24 * COIN: "dave",
        99 * COIN: "erin",
    }
    name = {
        row["address_id"]: by_received.get(row["received"], "other")
        for row in pq.read_table(written / "address_stats").to_pylist()
    }
    edges = pq.read_table(written / "address_edges").to_pylist()
    found = {
        (name[e["src"]], name[e["dst"]]): (e["n_tx"], round(e["value"] / COIN, 6), e["last_height"]) for e in edges
    }
    assert found == {
        ("alice", "carol"): (1, 40.0, 3),
        ("alice", "dave"): (1, 9.6, 3),
        ("bob", "carol"): (1, 60.0, 3),
        ("bob", "dave"): (1, 14.4, 3),
        ("carol", "erin"): (1, 99.0, 4),
    }, "no edge back to Carol herself, none out of the CoinJoin"


def test_features_past_their_memory_limit_name_the_step_and_keep_the_earlier_features(world, tmp_path, settings):
    store = clustered_store("blk", world / "blocks", tmp_path / "store", settings, network="regtest")
    before = StoreFeatureSource(store).features(40)
    with pytest.raises(FeaturesOutOfMemory, match=r"step '\w+' needed more than CHAIN_STORE_MEMORY_LIMIT=1MB"):
        store_features(store, until=40, min_confidence=0.6, memory_limit="1MB")
    kept = store_features_read(store, 40)
    assert kept.addresses == before.addresses
    assert np.array_equal(kept.matrix, before.matrix)
