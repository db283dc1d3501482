"""Bad chain data: a clear error naming the file and byte offset, and nothing stored before it lost."""

import pytest
from django.core.management import CommandError, call_command

from chain.models import IngestRun
from tests.chain.conftest import fingerprint

pytestmark = pytest.mark.django_db


def records(data: bytes) -> list[tuple[int, int]]:
    """(offset, size) of each magic + size framed record."""
    found, offset = [], 0
    while offset < len(data):
        size = int.from_bytes(data[offset + 4 : offset + 8], "little")
        found.append((offset, size))
        offset += 8 + size
    return found


@pytest.fixture
def heights_file(fixtures) -> bytes:
    return (fixtures / "blk-heights-1-255.dat").read_bytes()


def test_a_wrong_magic_names_the_record_and_keeps_the_blocks_before_it(ingest, chain_graph, heights_file, tmp_path):
    third, _ = records(heights_file)[2]
    bad = bytearray(heights_file)
    bad[third : third + 4] = bytes.fromhex("0b110907")
    path = tmp_path / "blk00000.dat"
    path.write_bytes(bad)
    run = ingest("blk", path)
    assert run.status == IngestRun.Status.FAILED
    assert run.failed_at == f"{path} byte {third}"
    assert run.error == "wrong magic 0b110907, expected bitcoin's f9beb4d9; this is a testnet file"
    assert chain_graph.read("MATCH (b:Block) RETURN collect(b.height) AS heights") == [{"heights": [1, 2]}]


def test_a_truncated_file_fails_at_the_cut_record(ingest, chain_graph, heights_file, tmp_path):
    last, _ = records(heights_file)[-1]
    path = tmp_path / "blk00000.dat"
    path.write_bytes(heights_file[: last + 100])
    run = ingest("blk", path)
    assert (run.status, run.failed_at, run.blocks_done) == (IngestRun.Status.FAILED, f"{path} byte {last}", 254)
    assert run.error.startswith("truncated file: the block needs")


def test_a_corrupt_transaction_fails_its_block_and_keeps_everything_before(ingest, chain_graph, heights_file, tmp_path):
    offset, size = records(heights_file)[169]  # height 170, with the first person-to-person payment
    bad = bytearray(heights_file)
    bad[offset + size] ^= 0xFF  # the last byte of the block: the payment's locktime
    path = tmp_path / "blk00000.dat"
    path.write_bytes(bad)
    run = ingest("blk", path)
    assert (run.status, run.failed_at) == (IngestRun.Status.FAILED, f"{path} byte {offset}")
    assert run.error == "merkle root does not match the transactions: the block is corrupt"
    assert chain_graph.read("MATCH (b:Block) RETURN max(b.height) AS top, count(b) AS n") == [{"top": 169, "n": 169}]

    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "blk00000.dat").write_bytes(heights_file[:offset])
    failed_state = fingerprint(chain_graph)
    chain_graph.drop_all()
    ingest("blk", tmp_path / "good")
    assert fingerprint(chain_graph) == failed_state, "the failed run left exactly the blocks before the bad one"


def test_skip_bad_goes_past_a_corrupt_block_and_lists_it(ingest, chain_graph, heights_file, tmp_path):
    offset, size = records(heights_file)[169]
    bad = bytearray(heights_file)
    bad[offset + size] ^= 0xFF
    path = tmp_path / "blk00000.dat"
    path.write_bytes(bad)
    run = ingest("blk", path, skip_bad=True)
    assert (run.status, run.blocks_done) == (IngestRun.Status.SUCCEEDED, 254)
    assert run.skipped == [
        {"where": f"{path} byte {offset}", "error": "merkle root does not match the transactions: the block is corrupt"}
    ]
    heights = chain_graph.read("MATCH (b:Block) RETURN max(b.height) AS top, count(b) AS n")
    assert heights == [{"top": 255, "n": 254}], "later blocks keep the heights the header chain gives them"


def test_a_file_from_another_network_says_which(ingest, chain_graph, tmp_path):
    from tests.chain.blockmaker import ChainMaker

    chain = ChainMaker()
    chain.block()
    run = ingest("blk", chain.write_blk(tmp_path / "blk00000.dat"), network="bitcoin")
    assert run.error == "wrong magic fabfb5da, expected bitcoin's f9beb4d9; this is a regtest file"
    assert run.failed_at == f"{tmp_path / 'blk00000.dat'} byte 0"


def test_the_command_reports_where_it_failed(db, chain_graph, heights_file, tmp_path):
    path = tmp_path / "blk00000.dat"
    path.write_bytes(heights_file[:1000])
    with pytest.raises(CommandError, match=rf"failed at {path} byte \d+: truncated file"):
        call_command("ingest", "blk", str(path), "--workers", "1")


def test_raw_input_that_is_no_block_is_refused_clearly(db, chain_graph):
    expected = r"failed at raw input: neither a block nor a transaction: truncated or corrupt at byte 0"
    with pytest.raises(CommandError, match=expected):
        call_command("ingest", "raw", "00ff")


def test_a_missing_path_is_named(db, chain_graph, tmp_path):
    with pytest.raises(CommandError, match=rf"failed at {tmp_path / 'nope'}: no such file"):
        call_command("ingest", "blk", str(tmp_path / "nope"))


def test_a_malformed_json_block_fails_the_run_instead_of_leaving_it_running(ingest, chain_graph, tmp_path):
    path = tmp_path / "getblock.json"
    path.write_text('{"result": {"hash": "00", "height": 5, "merkleroot": "00", "tx": [{"txid": "x", "hex": "zz"}]}}')
    run = ingest("json", path)
    assert run.status == IngestRun.Status.FAILED
    assert run.failed_at == f"{path} (height 5)"
