"""Our parse agrees with bitcoinlib's full parse on every output of the real blocks, and finds the true txids."""

import pytest
from bitcoinlib.blocks import Block as LibBlock

from chain.blocks import parse_block
from chain.networks import NETWORKS
from chain.serialization import merkle_root
from chain.sources import scan_blk_file

BITCOINLIB_TYPES = {"nulldata": "op_return"}
NO_ADDRESS = {"multisig", "op_return", "nonstandard"}


def fixture_blocks(fixtures) -> list[bytes]:
    records = [
        entry.raw()
        for name in ("blk-277647.dat", "blk-heights-1-255.dat")
        for entry in scan_blk_file(fixtures / name, NETWORKS["bitcoin"]).entries
    ]
    return [(fixtures / "block-574200.blk").read_bytes(), *records]


def test_every_output_matches_bitcoinlibs_own_reading(fixtures):
    compared = 0
    for raw in fixture_blocks(fixtures):
        ours = parse_block(raw, where="fixture", network=NETWORKS["bitcoin"])
        theirs = LibBlock.parse_bytes(raw, parse_transactions=True)
        for tx, lib_tx in zip(ours.txs, theirs.transactions, strict=True):
            assert [(i.prev_txid, i.prev_n) for i in tx.inputs] == (
                [] if lib_tx.coinbase else [(i.prev_txid.hex(), i.output_n_int) for i in lib_tx.inputs]
            )
            for out, lib_out in zip(tx.outputs, lib_tx.outputs, strict=True):
                lib_type = BITCOINLIB_TYPES.get(lib_out.script_type, lib_out.script_type)
                lib_address = None if lib_type in NO_ADDRESS else lib_out.address or None
                assert (out.value, out.script_type, out.address) == (lib_out.value, lib_type, lib_address)
                compared += 1
    assert compared == 9186  # 8,150 + 774 + 262 outputs: all of them


@pytest.mark.parametrize("name", ["block-574200.blk"])
def test_our_txids_verify_the_merkle_root_where_bitcoinlibs_do_not(fixtures, name):
    raw = (fixtures / name).read_bytes()
    ours = parse_block(raw, where=name, network=NETWORKS["bitcoin"])
    theirs = LibBlock.parse_bytes(raw, parse_transactions=True)
    header_root = raw[36:68][::-1].hex()
    assert merkle_root([tx.txid for tx in ours.txs]) == header_root
    assert merkle_root([tx.txid for tx in theirs.transactions]) != header_root
