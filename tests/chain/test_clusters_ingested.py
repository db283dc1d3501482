"""Clusters as blocks arrive: created, grown by change, merged, and always adding up to their members."""

import pytest

from chain.models import IngestRun
from tests.chain.blockmaker import ChainMaker, to

pytestmark = pytest.mark.django_db
COIN = 100_000_000


def two_owners_meet(chain: ChainMaker) -> dict[str, str]:
    """Alice and Bob each pay a known shop and consolidate (with change), then one transaction spends from both."""
    coinbase = {
        name: chain.block(miner=name) for name in ("shop", "shop2", "alice1", "alice2", "alice3", "bob1", "bob2")
    }
    alice = chain.spend(
        (coinbase["alice1"], 0),
        (coinbase["alice2"], 0),
        (coinbase["alice3"], 0),
        outputs=[(30 * COIN, to("shop")), (119 * COIN + 12_345, to("alice-change"))],
    )
    bob = chain.spend(
        (coinbase["bob1"], 0),
        (coinbase["bob2"], 0),
        outputs=[(10 * COIN, to("shop2")), (89 * COIN + 54_321, to("bob-change"))],
    )
    chain.block(alice, bob, fees=2 * COIN)
    from chain.serialization import txid_of

    meeting = chain.spend((txid_of(alice), 1), (txid_of(bob), 1), outputs=[(208 * COIN, to("mixer", "p2wpkh"))])
    chain.block(meeting, fees=66_666)
    return {"alice": txid_of(alice), "bob": txid_of(bob), "meeting": txid_of(meeting)}


def test_clusters_grow_merge_and_add_up(ingest, chain_graph, tmp_path):
    chain = ChainMaker()
    txids = two_owners_meet(chain)
    before = list(range(len(chain.blocks) - 1))
    first = ingest("blk", chain.write_blk(tmp_path / "before.dat", order=before), network="regtest")
    assert chain_graph.read("MATCH (c:Cluster) RETURN count(c) AS n") == [{"n": 2}], "Alice's and Bob's"
    run = ingest("blk", chain.write_blk(tmp_path / "meeting.dat", order=[len(chain.blocks) - 1]), network="regtest")
    assert (first.status, run.status) == (IngestRun.Status.SUCCEEDED, IngestRun.Status.SUCCEEDED), run.error

    live = chain_graph.read(
        "MATCH (a:Address)-[:IN_CLUSTER]->(c:Cluster) RETURN c.cluster_id AS id, c.size AS size, count(a) AS members,"
        " c.received AS received, sum(a.received) AS members_received, c.sent AS sent, sum(a.sent) AS members_sent"
    )
    assert len(live) == 1, "the meeting transaction joined Alice's and Bob's clusters"
    cluster = live[0]
    assert cluster["size"] == cluster["members"] == 7
    assert (cluster["received"], cluster["sent"]) == (cluster["members_received"], cluster["members_sent"])

    merge = chain_graph.read(
        "MATCH (small:Cluster)-[m:MERGED_INTO]->(big:Cluster) RETURN small.size AS emptied, small.merged_into AS into,"
        " big.cluster_id AS big, m.txid AS txid, m.heuristic AS heuristic"
    )
    assert merge == [
        {
            "emptied": 0,
            "into": cluster["id"],
            "big": cluster["id"],
            "txid": txids["meeting"],
            "heuristic": "multi_input",
        }
    ]


def test_each_address_says_which_heuristic_put_it_in_its_cluster(ingest, chain_graph, tmp_path):
    chain = ChainMaker()
    txids = two_owners_meet(chain)
    ingest("blk", chain.write_blk(tmp_path / "blk00000.dat"), network="regtest")
    change = chain_graph.read(
        "MATCH (t:Transaction {txid: $txid}) RETURN t.change_n AS n, t.change_heuristics AS why, t.multi_input AS mi",
        txid=txids["alice"],
    )
    assert change == [{"n": 1, "why": ["fresh_change", "round_payment"], "mi": True}]
    reasons = chain_graph.read(
        "MATCH (:Transaction {txid: $txid})-[:OUTPUT {n: 1}]->(a:Address)-[r:IN_CLUSTER]->(:Cluster) "
        "RETURN r.heuristic AS heuristic, r.txid AS txid, r.confidence AS confidence",
        txid=txids["alice"],
    )
    assert reasons == [{"heuristic": "fresh_change+round_payment", "txid": txids["alice"], "confidence": 0.76}]


def test_a_coinjoin_links_no_one(ingest, chain_graph, tmp_path):
    chain = ChainMaker()
    coinbases = [chain.block(miner=f"participant{i}") for i in range(5)]
    mix = chain.spend(
        *[(txid, 0) for txid in coinbases], outputs=[(5_000_000, to(f"fresh{i}", "p2wpkh")) for i in range(5)]
    )
    chain.block(mix, fees=5 * 50 * COIN - 25_000_000)
    ingest("blk", chain.write_blk(tmp_path / "blk00000.dat"), network="regtest")
    assert chain_graph.read("MATCH (t:Transaction {n_in: 5}) RETURN t.coinjoin AS kind") == [{"kind": "whirlpool"}]
    assert chain_graph.read("MATCH (c:Cluster) RETURN count(c) AS n") == [{"n": 0}]


def clusters(store) -> dict[str, dict]:
    """Each live cluster: its members and its figures."""
    rows = store.read(
        "MATCH (a:Address)-[:IN_CLUSTER]->(c:Cluster) RETURN c.cluster_id AS id, c.size AS size, "
        "c.received AS received, c.sent AS sent, c.merged_into AS merged_into, collect(a.address) AS members"
    )
    return {row.pop("id"): {**row, "members": sorted(row["members"])} for row in rows}


def test_a_rollback_splits_a_merge_its_block_alone_made(ingest, chain_graph, tmp_path, settings):
    from chain.reorg import block_rollback
    from tests.investigations.test_exploration import addr

    chain = ChainMaker()
    txids = two_owners_meet(chain)
    ingest(
        "blk", chain.write_blk(tmp_path / "without.dat", order=list(range(len(chain.blocks) - 1))), network="regtest"
    )
    without = clusters(chain_graph)
    assert len(without) == 2
    ingest("blk", chain.write_blk(tmp_path / "meeting.dat", order=[len(chain.blocks) - 1]), network="regtest")
    assert len(clusters(chain_graph)) == 1, "the meeting transaction merged Alice and Bob"

    orphan = chain_graph.read("MATCH (b:Block) RETURN b.hash AS hash ORDER BY b.height DESC LIMIT 1")[0]["hash"]
    block_rollback(chain_graph, orphan, min_change_confidence=settings.CLUSTER_CHANGE_MIN_CONFIDENCE)

    after = clusters(chain_graph)
    assert after == without, "Alice's and Bob's clusters are back as they were before the orphaned block"
    alice = next(c for c in after.values() if addr("alice1") in c["members"])
    assert addr("alice-change") in alice["members"], "a link made by a remaining block stays"
    assert addr("bob1") not in alice["members"]
    assert chain_graph.read(
        "MATCH ()-[m:MERGED_INTO]->() WHERE m.txid = $t RETURN count(m) AS n", t=txids["meeting"]
    ) == [{"n": 0}]
    assert chain_graph.read("MATCH (c:Cluster) RETURN count(c) AS n") == [{"n": 2}], "no empty cluster is left"
