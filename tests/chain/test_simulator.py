"""The simulator's worlds: valid blocks the ordinary ingest reads, byte-identical per seed, every typology
labelled, a TagPack the GraphSense schema accepts."""

import csv
import hashlib
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from bitcoinlib.blocks import Block as LibBlock
from bitcoinlib.keys import Key as LibKey

from chain.addresses import script_address
from chain.networks import NETWORKS
from chain.serialization import hash256, merkle_hash, split_block
from chain.simulator.keys import KINDS, KeyFactory, taproot_output_key
from chain.simulator.run import WorldSpec, simulate
from chain.simulator.typologies import TYPOLOGIES
from chain.sources import scan_blk_file
from tests.conftest import REPO_ROOT

REGTEST = NETWORKS["regtest"]
SCHEMA = Path(os.environ.get("TAGPACK_REFERENCE", REPO_ROOT.parent / "shared" / "reference" / "tagpacks")) / "schema"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    """A 10,000-transaction world, as the issue's 'made in seconds' asks (its speed is in bench/simulate.py)."""
    directory = tmp_path_factory.mktemp("world")
    simulate(WorldSpec(txs=10_000, seed=7), directory)
    return directory


def blocks_of(world: Path) -> list[bytes]:
    return [
        entry.raw()
        for path in sorted((world / "blocks").glob("blk*.dat"))
        for entry in scan_blk_file(path, REGTEST).entries
    ]


def truth_of(world: Path) -> list[dict]:
    with open(world / "truth.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_blocks_link_from_genesis_with_valid_merkle_roots_and_witness_commitments(world):
    blocks = blocks_of(world)
    summary = json.loads((world / "world.json").read_text())
    assert len(blocks) == summary["tally"]["blocks"]
    previous = REGTEST.genesis_hash
    for raw in blocks:
        assert raw[4:36][::-1].hex() == previous, "each block names the one before"
        txs = split_block(raw, where="simulated block")
        assert merkle_hash([bytes.fromhex(tx.txid)[::-1] for tx in txs]) == raw[36:68]
        wtxids = [bytes(32)] + [hash256(tx.data) for tx in txs[1:]]
        commitment = hash256(merkle_hash(wtxids) + bytes(32))
        assert any(script == b"\x6a\x24\xaa\x21\xa9\xed" + commitment for _, script in txs[0].outputs), "BIP141"
        previous = hash256(raw[:80])[::-1].hex()


def test_bitcoinlib_parses_every_block_to_the_same_transactions(world):
    for raw in blocks_of(world)[::7]:
        theirs = LibBlock.parse_bytes(raw, parse_transactions=True)
        ours = split_block(raw, where="simulated block")
        assert [tx.txid for tx in theirs.transactions] == [tx.txid for tx in ours]
        assert [[o.value for o in tx.outputs] for tx in theirs.transactions] == [
            [value for value, _ in tx.outputs] for tx in ours
        ]


def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path):
    def digest(seed: int, name: str) -> dict[str, str]:
        directory = tmp_path / name
        simulate(WorldSpec(txs=1_500, seed=seed), directory)
        files = sorted(p for p in directory.rglob("*") if p.is_file())
        return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}

    first, again, other = digest(3, "a"), digest(3, "b"), digest(4, "c")
    assert first == again
    assert first.keys() == other.keys()
    assert all(first[name] != other[name] for name in first if name != "world.json")


def test_every_typology_appears_with_illicit_labels_beside_a_licit_majority(world):
    rows = truth_of(world)
    illicit = Counter(row["typology"] for row in rows if row["label"] == "illicit")
    assert set(illicit) == set(TYPOLOGIES), illicit
    assert all(row["typology"] == "" for row in rows if row["label"] == "licit")
    licit_categories = {row["category"] for row in rows if row["label"] == "licit"}
    assert {"individual", "exchange", "merchant", "payment_processor", "mining_pool", "coinjoin"} <= licit_categories
    share = sum(illicit.values()) / len(rows)
    assert 0.005 < share < 0.3, share
    summary = json.loads((world / "world.json").read_text())["tally"]
    assert set(summary["by_typology"]) == set(TYPOLOGIES)
    assert 0.03 <= summary["illicit_txs"] / summary["txs"] <= 0.1  # the default share is 5%


def test_addresses_use_the_wallet_mix_and_are_never_given_twice(world):
    rows = truth_of(world)
    assert len({row["address"] for row in rows}) == len(rows)
    prefixes = Counter(row["address"][:6] if row["address"].startswith("bcrt1") else row["address"][0] for row in rows)
    assert {"bcrt1q", "bcrt1p", "2"} <= set(prefixes), prefixes
    assert prefixes["m"] + prefixes["n"] > 0, prefixes


def test_the_tagpack_is_valid_and_names_only_what_an_investigator_could_know(world):
    if not SCHEMA.is_dir():
        pytest.skip(f"the GraphSense TagPack schema is not at {SCHEMA} (set TAGPACK_REFERENCE)")
    from tagpack import load_schema, validate_file

    assert validate_file(world / "tagpack.yaml", load_schema(SCHEMA)) == []
    import yaml

    tags = yaml.safe_load((world / "tagpack.yaml").read_text())["tags"]
    truth = {row["address"]: row for row in truth_of(world)}
    assert {tag.get("abuse") for tag in tags} >= {"ransomware", "sextortion", "sanction"}
    assert len(tags) < len(truth) / 5, "a pack names a small known part, not the ground truth"
    for tag in tags:
        owner = truth[tag["address"]]
        assert (owner["label"] == "illicit") == ("abuse" in tag), (tag, owner)


def test_keys_are_real_key_pairs_with_bitcoinlibs_addresses():
    factory = KeyFactory(seed=11)
    for kind in KINDS:
        key = factory.new(kind)
        address = script_address(key.script, REGTEST)[1]
        theirs = LibKey(key.secret.hex(), network="testnet" if kind == "p2pkh" else "regtest")
        assert theirs.public_hex == key.public.hex()
        if kind == "p2pkh":
            assert address == theirs.address(encoding="base58")  # regtest's base58 prefixes are testnet's
        if kind == "p2wpkh":
            assert address == theirs.address(encoding="bech32")


def test_taproot_output_keys_follow_bip341s_test_vector():
    internal = bytes.fromhex("d6889cb081036e0faefa3a35157ad71086b123b2b144b649798b494c300a961d")
    assert taproot_output_key(internal).hex() == "53a1f6e454df1aa2776a2814a721372d6258050de330b3c6d10ee8f4e0dda343"


@pytest.mark.django_db
def test_a_world_ingests_whole_with_every_input_resolved_and_every_address_owned(world, ingest, chain_graph):
    run = ingest("blk", world / "blocks", network="regtest")
    assert run.status == run.Status.SUCCEEDED, run.error
    summary = json.loads((world / "world.json").read_text())["tally"]
    counts = chain_graph.read("MATCH (t:Transaction) RETURN count(t) AS n, sum(t.unresolved) AS unresolved")[0]
    assert counts == {"n": summary["txs"], "unresolved": 0}
    in_graph = {row["a"] for row in chain_graph.read("MATCH (a:Address) RETURN a.address AS a")}
    owned = {row["address"] for row in truth_of(world)}
    assert in_graph <= owned, "every address on chain has an owner in the ground truth"
    assert len(in_graph) >= 0.95 * len(owned), "nearly every address made is used"
    mixes = chain_graph.read("MATCH (t:Transaction) WHERE t.coinjoin IS NOT NULL RETURN DISTINCT t.coinjoin AS kind")
    assert {row["kind"] for row in mixes} >= {"whirlpool", "wasabi"}


def test_sizes_outside_the_range_are_refused():
    with pytest.raises(ValueError, match="between 1,000 and 10,000,000"):
        WorldSpec(txs=999)
    with pytest.raises(ValueError, match="blend must be between 0 and 1"):
        WorldSpec(blend=1.5)
