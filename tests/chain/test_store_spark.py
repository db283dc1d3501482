"""Clustering the store on Spark (local[2]) gives exactly what DuckDB gives: the same verdict on every
transaction, the same partition under the same names, the same reasons and figures, in files of the same schema.

Address ids are numbers of each engine's own (ties in first appearance are broken by the address key, a hash
that differs between engines), so the tables are compared through the addresses they name."""

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from chain.simulator.run import WorldSpec, simulate
from chain.store import cluster_sql as sql
from chain.store.clusters import OUTPUT_TABLES, store_cluster
from chain.store.features import features_dir, store_features
from chain.store.spark import spark_cluster, spark_session
from tests.chain.blockmaker import ChainMaker, to
from tests.chain.storetools import build
from tests.chain.test_store_clusters import cluster_rows, store_partition, store_verdicts

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
COIN = 100_000_000
UNSIGNED = {"uint32": "int64"}  # block times: Spark has no unsigned types and writes them as int64, same values


@pytest.fixture(scope="module")
def spark():
    """One local[2] session for the module: starting Spark is most of these tests' time."""
    session, made = spark_session("local[2]")
    yield session
    if made:
        session.stop()


@pytest.fixture(autouse=True)
def small_partitions(settings):
    settings.CHAIN_STORE_PARTITION_BLOCKS = 10
    settings.CHAIN_STORE_BUCKETS = 4


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    directory = tmp_path_factory.mktemp("spark-world")
    simulate(WorldSpec(txs=1_500, seed=11), directory)
    return directory / "blocks"


def clustering(store_dir) -> dict:
    """Everything the clustering wrote, with address ids replaced by the addresses they name."""
    members = cluster_rows(
        store_dir,
        "SELECT a.address, c.cluster_id, c.txid, c.heuristic, c.confidence FROM {address_clusters} c "
        "JOIN {addresses} a USING (address_id)",
    )
    addresses = cluster_rows(
        store_dir, "SELECT address, script_type, first_tx_id, count(*) OVER () FROM {addresses} ORDER BY address"
    )
    return {
        "verdicts": store_verdicts(store_dir),
        "partition": store_partition(store_dir),
        "members": sorted(members),
        "addresses": addresses,
        "clusters": sorted(cluster_rows(store_dir, "SELECT * FROM {clusters}")),
        "schemas": {table: _schema(store_dir, table) for table in OUTPUT_TABLES},
    }


def _schema(store_dir, table: str) -> list[tuple[str, str]]:
    files = sorted((store_dir / "clusters" / table).glob("*.parquet"))
    return [(field.name, UNSIGNED.get(str(field.type), str(field.type))) for field in pq.read_schema(files[0])]


def both_engines(store_dir, settings) -> tuple[dict, dict]:
    confidence = settings.CLUSTER_CHANGE_MIN_CONFIDENCE
    duck = store_cluster(store_dir, min_confidence=confidence, engine="scipy")
    by_duckdb = clustering(store_dir)
    on_spark = store_cluster(store_dir, min_confidence=confidence, engine="spark")
    # (links are pairs of address ids, which each engine numbers its own way: their count is no result)
    assert (on_spark.clusters, on_spark.clustered) == (duck.clusters, duck.clustered)
    print(f"duckdb {duck.seconds}s, spark {on_spark.seconds}s: {on_spark.step_seconds}")
    return by_duckdb, clustering(store_dir)


def test_spark_clusters_a_simulated_world_exactly_as_duckdb_does(spark, world, tmp_path, settings):
    run = build("blk", world, tmp_path / "store", network="regtest", workers=2)
    assert run.status == "succeeded", run.error
    by_duckdb, by_spark = both_engines(tmp_path / "store", settings)
    assert len(by_duckdb["partition"]) > 10
    assert {why for _, _, _, why, _ in by_duckdb["members"]} > {"multi_input"}, "change links are among the reasons"
    for part in by_duckdb:
        assert by_spark[part] == by_duckdb[part], part


def test_addresses_sharing_a_spark_key_are_told_apart(spark, tmp_path, settings):
    """A key two addresses share (forced: two keys for all of them) sends Spark down the exact-keys path too."""
    chain = ChainMaker()
    alice, bob, dave, erin = (chain.block(miner=name) for name in ("alice", "bob", "dave", "erin"))
    alice_bob = chain.spend((alice, 0), (bob, 0), outputs=[(90 * COIN, to("carol"))])
    dave_erin = chain.spend((dave, 0), (erin, 0), outputs=[(60 * COIN, to("frank")), (39 * COIN, to("gina"))])
    chain.block(alice_bob, dave_erin, fees=11 * COIN)
    build("blk", chain.write_blk(tmp_path / "blk00000.dat"), tmp_path / "store", network="regtest")
    confidence = settings.CLUSTER_CHANGE_MIN_CONFIDENCE
    store_cluster(tmp_path / "store", min_confidence=confidence)
    by_duckdb = clustering(tmp_path / "store")
    colliding = {**sql.SPARK, "key": "xxhash64({}) % 2"}
    tally = spark_cluster(tmp_path / "store", min_confidence=confidence, dialect=colliding)
    assert tally.exact_keys
    by_spark = clustering(tmp_path / "store")
    assert sorted(map(len, by_spark["partition"].values())) == [2, 2], "alice with bob, dave with erin"
    for part in ("verdicts", "partition", "members", "clusters"):
        assert by_spark[part] == by_duckdb[part], part


def test_the_cluster_command_on_spark_clusters_real_blocks_exactly_as_duckdb_does(
    spark, fixtures, tmp_path, capsys, settings
):
    """`chainstore cluster --engine spark` on a real block: DuckDB's result, recorded on the run, loadable."""
    run = build("raw", fixtures / "block-574200.blk", tmp_path / "store")
    assert run.status == "succeeded", run.error
    store_cluster(tmp_path / "store", min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE)
    by_duckdb = clustering(tmp_path / "store")
    call_command(
        "chainstore", "cluster", "--store", str(tmp_path / "store"), "--engine", "spark", "--master", "local[2]"
    )
    output = capsys.readouterr().out
    by_spark = clustering(tmp_path / "store")
    assert len(by_duckdb["partition"]) == 535
    for part in by_duckdb:
        assert by_spark[part] == by_duckdb[part], part
    run.refresh_from_db()
    assert (run.phase, run.clusters, run.clustered_addresses) == ("done", 535, 2080)
    assert run.phase_seconds["cluster"] > 0
    assert "components" in output
    assert "535 clusters of 2,080 addresses" in output
    marker = (tmp_path / "store" / "clusters" / "_build.json").read_text()
    assert f'"build_run": {run.id}' in marker
    assert not (tmp_path / "store" / ".spark.tmp").exists(), "the scratch tables are gone"


def features_written(store_dir, until: int) -> dict[str, list[dict]]:
    """The four tables `chainstore features` writes, rows in their written order."""
    directory = features_dir(store_dir, until)
    return {
        table: pq.read_table(directory / table).to_pylist()
        for table in ("address_features", "address_stats", "address_edges", "cluster_stats")
    }


def test_spark_computes_the_features_and_aggregates_duckdb_computes(spark, world, tmp_path, settings):
    """The same rows in the same order: figures exact, features within float tolerance (sums in another order)."""
    run = build("blk", world, tmp_path / "store", network="regtest", workers=2)
    assert run.status == "succeeded", run.error
    store_cluster(tmp_path / "store", min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE)
    addresses = [row[0] for row in cluster_rows(tmp_path / "store", "SELECT address FROM {addresses} ORDER BY address")]
    tags = [(a, "illicit") for a in addresses[::9]] + [(a, "exchange") for a in addresses[4::13]]
    confidence, until = settings.CLUSTER_CHANGE_MIN_CONFIDENCE, 50
    duck = store_features(tmp_path / "store", until=until, min_confidence=confidence, tags=tags)
    by_duckdb = features_written(tmp_path / "store", until)
    on_spark = store_features(tmp_path / "store", until=until, min_confidence=confidence, tags=tags, engine="spark")
    by_spark = features_written(tmp_path / "store", until)
    print(f"features: duckdb {duck.seconds}s, spark {on_spark.seconds}s: {on_spark.step_seconds}")
    assert (on_spark.addresses, on_spark.clusters, on_spark.tagged) == (duck.addresses, duck.clusters, duck.tagged)
    assert duck.clusters > 10
    assert duck.tagged > 10
    assert by_spark["address_stats"] == by_duckdb["address_stats"]
    assert by_spark["cluster_stats"] == by_duckdb["cluster_stats"]
    assert len(by_duckdb["address_edges"]) > 100
    for ours, theirs in zip(by_spark["address_edges"], by_duckdb["address_edges"], strict=True):
        assert ours == pytest.approx(theirs, rel=1e-9)
    assert [r["address"] for r in by_spark["address_features"]] == [r["address"] for r in by_duckdb["address_features"]]
    for ours, theirs in zip(by_spark["address_features"], by_duckdb["address_features"], strict=True):
        address = theirs.pop("address")
        assert ours.pop("address") == address
        assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12), address
    marker = (features_dir(tmp_path / "store", until) / "_build.json").read_text()
    assert '"engine": "spark"' in marker
    assert not (tmp_path / "store" / ".spark-features.tmp").exists(), "the scratch tables are gone"
