"""Clustering over the chain store: the same transactions' verdicts and the same partition as the incremental
ingest builds block by block, components in SQL equal to scipy's, CoinJoins and weak change guesses merge nothing."""

import random
from pathlib import Path

import duckdb
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chain.ingest import IngestOptions, Tally, ingest_entries
from chain.networks import network_named
from chain.services import source_scan
from chain.simulator.run import WorldSpec, simulate
from chain.store import cluster_sql as sql
from chain.store.clusters import ClusterOutOfMemory, labels_build, store_cluster
from graph import get_graph
from tests.chain.blockmaker import ChainMaker, to
from tests.chain.storetools import build

pytestmark = pytest.mark.django_db
COIN = 100_000_000


@pytest.fixture(autouse=True)
def small_partitions(settings):
    settings.CHAIN_STORE_PARTITION_BLOCKS = 10
    settings.CHAIN_STORE_BUCKETS = 4


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cluster-world")
    simulate(WorldSpec(txs=2_000, seed=7), directory)
    return directory / "blocks"


def ingest_block_by_block(kind: str, source: Path, network: str = "bitcoin") -> None:
    """The incremental ingest, one block per write: the meaning of `seen_before` the store reproduces."""
    scan = source_scan(kind=kind, source=str(source), network=network_named(network))
    options = IngestOptions(batch_blocks=1, batch_txs=1)
    ingest_entries(scan.entries, store=get_graph(), network=network_named(network), tally=Tally(), options=options)


def cluster_rows(store_dir: Path, query: str) -> list[tuple]:
    """`query` names the clustering tables as {tx_clustering}, {addresses}, {address_clusters}, {clusters}, and
    the store's transactions as {transactions}."""
    tables = {
        name: f"read_parquet('{store_dir / 'clusters' / name / 'data.parquet'}')"
        for name in ("tx_clustering", "addresses", "address_clusters", "clusters")
    }
    tables["transactions"] = f"read_parquet('{store_dir / 'tables' / 'transactions' / '*' / '*.parquet'}')"
    with duckdb.connect() as con:
        return con.execute(query.format(**tables)).fetchall()


def store_partition(store_dir: Path) -> dict[str, set[str]]:
    """Each store cluster: its name and its member addresses."""
    found = cluster_rows(
        store_dir, "SELECT c.cluster_id, a.address FROM {address_clusters} c JOIN {addresses} a USING (address_id)"
    )
    clusters: dict[str, set[str]] = {}
    for cluster, address in found:
        clusters.setdefault(cluster, set()).add(address)
    return clusters


def graph_partition(graph) -> dict[str, set[str]]:
    found = graph.read("MATCH (a:Address)-[:IN_CLUSTER]->(c:Cluster) RETURN c.cluster_id AS id, a.address AS address")
    clusters: dict[str, set[str]] = {}
    for row in found:
        clusters.setdefault(row["id"], set()).add(row["address"])
    return clusters


def store_verdicts(store_dir: Path) -> dict:
    found = cluster_rows(
        store_dir,
        "SELECT lower(hex(t.txid)), c.coinjoin, c.multi_input, c.change_n, c.change_heuristics, c.change_confidence "
        "FROM {tx_clustering} c JOIN {transactions} t USING (tx_id)",
    )
    return {row[0]: tuple(row[1:]) for row in found}


def graph_verdicts(graph) -> dict:
    found = graph.read(
        "MATCH (t:Transaction) WHERE t.height IS NOT NULL AND NOT t.coinbase RETURN t.txid AS txid, "
        "t.coinjoin AS coinjoin, t.multi_input AS mi, t.change_n AS n, t.change_heuristics AS why, "
        "t.change_confidence AS confidence"
    )
    return {r["txid"]: (r["coinjoin"], r["mi"], r["n"], r["why"], r["confidence"]) for r in found}


def graph_figures(graph) -> dict:
    found = graph.read(
        "MATCH (c:Cluster) WHERE c.size > 0 RETURN c.cluster_id AS id, c.size AS size, c.received AS received, "
        "c.sent AS sent, c.first_seen AS first_seen, c.last_seen AS last_seen, c.last_height AS last_height"
    )
    return {
        r["id"]: (r["size"], r["received"], r["sent"], r["first_seen"], r["last_seen"], r["last_height"]) for r in found
    }


def unmerged_names(graph) -> set[str]:
    """Clusters no other cluster was merged into: their names follow the new-cluster rule alone."""
    found = graph.read("MATCH (c:Cluster) WHERE c.size > 0 AND NOT ()-[:MERGED_INTO]->(c) RETURN c.cluster_id AS id")
    return {row["id"] for row in found}


def assert_same_clusters(store_dir: Path, graph) -> None:
    """The same verdict on every transaction, the same partition with the same figures, and the same name for
    every cluster the new-cluster rule alone named."""
    assert store_verdicts(store_dir) == graph_verdicts(graph)
    ours, theirs = store_partition(store_dir), graph_partition(graph)
    assert sorted(map(sorted, ours.values())) == sorted(map(sorted, theirs.values())), "the same partition"
    named = unmerged_names(graph)
    assert {name: ours.get(name) for name in named} == {name: theirs[name] for name in named}
    figures = cluster_rows(
        store_dir, "SELECT cluster_id, size, received, sent, first_seen, last_seen, last_height FROM {clusters}"
    )
    expected = graph_figures(graph)
    assert {frozenset(ours[row[0]]): row[1:] for row in figures} == {
        frozenset(theirs[name]): values for name, values in expected.items()
    }
    founded = dict(cluster_rows(store_dir, "SELECT cluster_id, first_height FROM {clusters}"))
    heights = graph.read("MATCH (c:Cluster) WHERE c.size > 0 RETURN c.cluster_id AS id, c.first_height AS height")
    assert {name: founded.get(name) for name in named} == {
        row["id"]: row["height"] for row in heights if row["id"] in named
    }, "a cluster no merge renamed was founded in the block of its first link"


@pytest.mark.parametrize(
    ("kind", "name", "linked"),
    [("raw", "block-574200.blk", True), ("json", "core-rpc", False), ("blk", "blk-277647.dat", True)],
)
def test_store_clusters_equal_the_incremental_clusters_on_real_blocks(
    chain_graph, fixtures, tmp_path, settings, kind, name, linked
):
    run = build(kind, fixtures / name, tmp_path / "store")
    assert run.status == "succeeded", run.error
    store_cluster(tmp_path / "store", min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE)
    ingest_block_by_block(kind, fixtures / name)
    assert bool(graph_partition(chain_graph)) == linked
    assert_same_clusters(tmp_path / "store", chain_graph)


def test_store_clusters_equal_the_incremental_clusters_on_a_simulated_world(chain_graph, world, tmp_path, settings):
    run = build("blk", world, tmp_path / "store", network="regtest", workers=2)
    assert run.status == "succeeded", run.error
    store_cluster(tmp_path / "store", min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE, engine="scipy")
    by_scipy = cluster_rows(tmp_path / "store", "SELECT * FROM {address_clusters} ORDER BY address_id")
    tally = store_cluster(tmp_path / "store", min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE, engine="sql")
    assert cluster_rows(tmp_path / "store", "SELECT * FROM {address_clusters} ORDER BY address_id") == by_scipy
    ingest_block_by_block("blk", world, network="regtest")
    assert tally.clusters == len(graph_partition(chain_graph)) > 10
    assert_same_clusters(tmp_path / "store", chain_graph)


def test_sql_components_equal_scipy_components_on_random_graphs():
    rng = random.Random(19)
    for _ in range(12):
        nodes = rng.randint(2, 400)
        edges = {(rng.randrange(nodes), rng.randrange(nodes)) for _ in range(rng.randint(1, nodes * 2))}
        if rng.random() < 0.3:  # long chains: the worst case for label propagation
            edges |= {(i, i + 1) for i in range(0, nodes - 1, rng.randint(1, 3))}
        labels = {}
        for engine in ("sql", "scipy"):
            with duckdb.connect() as con:
                con.execute("CREATE TABLE links (u BIGINT, v BIGINT)")
                con.executemany("INSERT INTO links VALUES (?, ?)", sorted(edges))
                labels_build(con, engine=engine)
                labels[engine] = dict(con.execute("SELECT address_id, root FROM labels").fetchall())
        assert labels["sql"] == labels["scipy"] == _union_find(edges)


def _union_find(edges) -> dict[int, int]:
    parent: dict[int, int] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for u, v in edges:
        if u != v:
            a, b = find(u), find(v)
            parent[max(a, b)] = min(a, b)
    return {x: find(x) for x in parent if any(x in edge and edge[0] != edge[1] for edge in edges)}


def test_a_coinjoin_merges_no_one_and_a_weak_change_guess_merges_nothing(chain_graph, tmp_path, settings):
    chain = ChainMaker()
    coinbases = [chain.block(miner=f"participant{i}") for i in range(5)]
    mix = chain.spend(
        *[(txid, 0) for txid in coinbases], outputs=[(5_000_000, to(f"fresh{i}", "p2wpkh")) for i in range(5)]
    )
    chain.block(mix, fees=5 * 50 * COIN - 25_000_000)
    paid = chain.block(miner="payer")
    # One input, two outputs to fresh addresses: only the round amount guesses the change (0.4 < 0.6).
    weak = chain.spend((paid, 0), outputs=[(3 * COIN, to("shop")), (47 * COIN - 12_345, to("payer-change"))])
    chain.block(weak, fees=12_345)
    source = chain.write_blk(tmp_path / "blk00000.dat")
    build("blk", source, tmp_path / "store", network="regtest")
    store_cluster(tmp_path / "store", min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE)
    verdicts = cluster_rows(
        tmp_path / "store", "SELECT coinjoin, change_heuristics, change_confidence FROM {tx_clustering}"
    )
    assert ("whirlpool", None, None) in verdicts
    assert (None, ["round_payment"], 0.4) in verdicts
    assert store_partition(tmp_path / "store") == {}
    ingest_block_by_block("blk", source, network="regtest")
    assert graph_partition(chain_graph) == {}


def test_the_cluster_command_records_its_phase_on_the_store_run(fixtures, tmp_path, capsys):
    run = build("raw", fixtures / "block-574200.blk", tmp_path / "store")
    with pytest.raises(CommandError, match="no finished build"):
        call_command("chainstore", "cluster", "--store", str(tmp_path / "elsewhere"))
    call_command("chainstore", "cluster", "--store", str(tmp_path / "store"), "--engine", "sql")
    output = capsys.readouterr().out
    run.refresh_from_db()
    assert (run.phase, run.clusters, run.clustered_addresses) == ("done", 535, 2080)
    assert run.cluster_links >= run.clustered_addresses - run.clusters, "a tree of links joins each cluster"
    assert run.phase_seconds["cluster"] > 0
    assert "components" in output
    assert f"{run.cluster_links:,} links, 535 clusters of 2,080 addresses" in output


def _mix(chain: ChainMaker, name: str, inputs: int, outputs: list[tuple[int, bytes]], owners: int | None = None):
    """A transaction spending `inputs` fresh coinbases (of `owners` distinct miners: all different by default)."""
    coinbases = [chain.block(miner=f"{name}{i % (owners or inputs)}") for i in range(inputs)]
    return chain.spend(*[(txid, 0) for txid in coinbases], outputs=outputs)


def test_every_coinjoin_kind_is_told_as_the_incremental_path_tells_it(chain_graph, tmp_path, settings):
    chain = ChainMaker()
    shapes = {
        "wasabi": _mix(chain, "w", 10, [(10_000_000, to(f"wasabi{i}")) for i in range(10)]),
        "wasabi2": _mix(chain, "ww", 50, [(2_000_000 + (i % 30) * 1_000, to(f"round{i}")) for i in range(50)]),
        "joinmarket": _mix(
            chain, "jm", 3, [(COIN, to(f"jm{i}")) for i in range(3)] + [(7 * COIN, to(f"jmc{i}")) for i in range(3)]
        ),
        "batch": _mix(chain, "exchange", 3, [(COIN, to(f"customer{i}")) for i in range(3)], owners=1),
    }
    for tx in shapes.values():
        chain.block(tx, fees=COIN)  # any fee: made blocks are not checked for it
    source = chain.write_blk(tmp_path / "blk00000.dat")
    build("blk", source, tmp_path / "store", network="regtest")
    store_cluster(tmp_path / "store", min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE)
    kinds = cluster_rows(tmp_path / "store", "SELECT coinjoin FROM {tx_clustering} WHERE coinjoin IS NOT NULL")
    assert sorted(kind for (kind,) in kinds) == ["joinmarket", "wasabi", "wasabi2"], "a one-owner batch is no join"
    assert store_partition(tmp_path / "store") == {}, "no CoinJoin links its inputs; the batch has one owner"
    ingest_block_by_block("blk", source, network="regtest")
    assert store_verdicts(tmp_path / "store") == graph_verdicts(chain_graph)


def test_every_clustered_address_carries_the_reason_its_incremental_edge_records(
    chain_graph, world, tmp_path, settings
):
    """The IN_CLUSTER edge's txid, heuristic and confidence: the first link of the block the address joined in."""
    run = build("blk", world, tmp_path / "store", network="regtest")
    assert run.status == "succeeded", run.error
    store_cluster(tmp_path / "store", min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE)
    ingest_block_by_block("blk", world, network="regtest")
    ours = {
        address: (txid, heuristic, confidence)
        for address, txid, heuristic, confidence in cluster_rows(
            tmp_path / "store",
            "SELECT a.address, c.txid, c.heuristic, c.confidence FROM {address_clusters} c "
            "JOIN {addresses} a USING (address_id)",
        )
    }
    found = chain_graph.read(
        "MATCH (a:Address)-[r:IN_CLUSTER]->(:Cluster) RETURN a.address AS address, r.txid AS txid, "
        "r.heuristic AS heuristic, r.confidence AS confidence"
    )
    theirs = {row["address"]: (row["txid"], row["heuristic"], row["confidence"]) for row in found}
    assert len(ours) > 10
    assert {heuristic for _, heuristic, _ in ours.values()} > {"multi_input"}, "change links are among the reasons"
    assert ours == theirs


def test_a_change_paid_back_to_the_only_input_ties_no_one_until_a_later_block_does(chain_graph, tmp_path, settings):
    """alice pays herself change (address_reuse) in one block, and joins bob by multi_input in a later one:
    her reason is the later multi_input. dave does both in one block: his is the change guess, met first."""
    from chain.serialization import txid_of

    chain = ChainMaker()
    chain.block(miner="shop")  # the shop is no fresh address: the change guesses agree on the payer's own
    alice, bob, dave, erin = (chain.block(miner=name) for name in ("alice", "bob", "dave", "erin"))
    back_to_alice = chain.spend((alice, 0), outputs=[(3 * COIN, to("shop")), (46 * COIN - 777, to("alice"))])
    chain.block(back_to_alice, fees=COIN + 777)
    alice_bob = chain.spend((txid_of(back_to_alice), 1), (bob, 0), outputs=[(90 * COIN, to("carol"))])
    chain.block(alice_bob, fees=6 * COIN - 777)
    back_to_dave = chain.spend((dave, 0), outputs=[(3 * COIN, to("shop")), (46 * COIN - 777, to("dave"))])
    dave_erin = chain.spend((txid_of(back_to_dave), 1), (erin, 0), outputs=[(90 * COIN, to("carol"))])
    chain.block(back_to_dave, dave_erin, fees=7 * COIN)
    source = chain.write_blk(tmp_path / "blk00000.dat")
    build("blk", source, tmp_path / "store", network="regtest")
    store_cluster(tmp_path / "store", min_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE)
    ingest_block_by_block("blk", source, network="regtest")
    found = chain_graph.read(
        "MATCH (a:Address)-[r:IN_CLUSTER]->(:Cluster) RETURN a.address AS address, r.txid AS txid, "
        "r.heuristic AS heuristic"
    )
    theirs = {row["address"]: (row["txid"], row["heuristic"]) for row in found}
    ours = dict(
        (address, (txid, heuristic))
        for address, txid, heuristic in cluster_rows(
            tmp_path / "store",
            "SELECT a.address, c.txid, c.heuristic FROM {address_clusters} c JOIN {addresses} a USING (address_id)",
        )
    )
    guessed = chain_graph.read(
        "MATCH (t:Transaction) WHERE t.txid IN $txids RETURN t.change_n AS n, t.change_heuristics AS why",
        txids=[txid_of(back_to_alice), txid_of(back_to_dave)],
    )
    assert [(row["n"], "address_reuse" in row["why"]) for row in guessed] == [(1, True), (1, True)]
    assert ours == theirs
    reasons = sorted(ours.values())
    assert (txid_of(alice_bob), "multi_input") in reasons
    assert any(txid == txid_of(back_to_dave) and "address_reuse" in why for txid, why in reasons)


def test_addresses_that_share_a_hash_are_still_told_apart(tmp_path, settings):
    """Address keys are 64-bit hashes; a key two addresses share (forced here: two keys for all of them) is
    found before any step relies on it, and exact keys give the same clusters, figures and verdicts."""
    chain = ChainMaker()
    alice, bob, dave, erin = (chain.block(miner=name) for name in ("alice", "bob", "dave", "erin"))
    alice_bob = chain.spend((alice, 0), (bob, 0), outputs=[(90 * COIN, to("carol"))])
    dave_erin = chain.spend((dave, 0), (erin, 0), outputs=[(60 * COIN, to("frank")), (39 * COIN, to("gina"))])
    chain.block(alice_bob, dave_erin, fees=11 * COIN)
    build("blk", chain.write_blk(tmp_path / "blk00000.dat"), tmp_path / "store", network="regtest")
    found = {}
    for name, dialect in (("hashed", sql.DUCKDB), ("colliding", {**sql.DUCKDB, "key": "hash({}) % 2"})):
        confidence = settings.CLUSTER_CHANGE_MIN_CONFIDENCE
        tally = store_cluster(tmp_path / "store", min_confidence=confidence, dialect=dialect)
        assert tally.exact_keys == (name == "colliding")
        found[name] = (store_partition(tmp_path / "store"), store_verdicts(tmp_path / "store"))
        found[name] += (sorted(cluster_rows(tmp_path / "store", "SELECT * FROM {clusters}")),)
    assert found["colliding"] == found["hashed"]
    assert sorted(map(len, found["hashed"][0].values())) == [2, 2], "alice with bob, dave with erin"


def test_clustering_past_its_memory_limit_names_the_step_and_keeps_the_earlier_clusters(world, tmp_path):
    build("blk", world, tmp_path / "store", network="regtest")
    store_cluster(tmp_path / "store", min_confidence=0.6)
    before = store_partition(tmp_path / "store")
    with pytest.raises(ClusterOutOfMemory, match=r"step '\w+' needed more than CHAIN_STORE_MEMORY_LIMIT=1MB"):
        store_cluster(tmp_path / "store", min_confidence=0.6, memory_limit="1MB")
    assert store_partition(tmp_path / "store") == before
