"""Our parse agrees with bitcoinlib's full parse on every output of the real blocks, and finds the true txids."""

import hashlib

import pytest
from bitcoinlib.blocks import Block as LibBlock
from bitcoinlib.encoding import hash160

from chain import scripts
from chain.blocks import parse_block
from chain.networks import NETWORKS
from chain.scripts import spent_script
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


BITCOINLIB_INPUT_TYPES = {  # bitcoinlib's names for what an input reveals → the type of the output it spent
    "sig_pubkey": {"p2pkh", "p2wpkh"},
    "p2sh_multisig": {"p2sh", "p2wsh"},
    "p2sh_p2wpkh": {"p2sh"},
    "p2sh_p2wsh": {"p2sh"},
}


# The P2SH-P2WSH spend whose txid bitcoinlib also gets wrong: it rebuilds the witness script as a 1-of-1
# multisig of the key it sees, but the witness script is P2PKH-shaped (76a914…88ac), and its SHA-256 is the
# program the scriptSig pushes (0020 4fa851…), whose HASH160 is 3FTkVNC6….
BITCOINLIBS_WRONG_SPEND = "966e8c2b5eb5e842bac97782412162f39e91fccb44a1bfde5ceb7c89e79a37eb"


def test_every_input_names_the_address_bitcoinlib_reads_from_its_scripts(fixtures):
    """Without the spent outputs: the address each input's own scriptSig or witness fixes, as bitcoinlib reads
    it; P2PK spends (a signature only) name none. Ours also reads redeem scripts bitcoinlib cannot (a P2SH
    around a P2PKH script, Lightning's P2WSH scripts)."""
    raw = (fixtures / "block-574200.blk").read_bytes()
    ours = parse_block(raw, where="block-574200", network=NETWORKS["bitcoin"])
    theirs = LibBlock.parse_bytes(raw, parse_transactions=True)
    agreed, ours_only, neither = 0, 0, 0
    for tx, lib_tx in zip(ours.txs[1:], theirs.transactions[1:], strict=True):
        for txin, lib_in in zip(tx.inputs, lib_tx.inputs, strict=True):
            if tx.txid == BITCOINLIBS_WRONG_SPEND:
                assert txin.derived == ("p2sh", "3FTkVNC6BeUKd4d3UUwkuvQK59hrtLpR2x")
            elif lib_in.address:
                assert txin.derived is not None, (tx.txid, lib_in.script_type)
                assert txin.derived[1] == lib_in.address
                assert txin.derived[0] in BITCOINLIB_INPUT_TYPES[lib_in.script_type]
                agreed += 1
            elif txin.derived:
                assert lib_in.script_type == "unknown"
                ours_only += 1
            else:
                assert lib_in.script_type == "signature", "only P2PK spends stay unnamed in this block"
                neither += 1
    assert (agreed, ours_only, neither) == (5015, 12, 26)


SIG = bytes.fromhex("3044" + "02201" + "1" * 63 + "0220" + "22" * 32) + b"\x01"  # DER-shaped, 71 bytes
KEY = bytes.fromhex("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")


@pytest.mark.parametrize(
    ("script_sig", "witness", "why"),
    [
        (b"", (SIG[:64],), "taproot key path: a Schnorr signature only, the output key is tweaked"),
        (b"", (SIG[:65],), "taproot key path with a sighash byte"),
        (b"", (SIG[:64], scripts.p2pk(KEY[1:]), b"\xc0" + KEY[1:]), "taproot script path: a control block last"),
        (b"", (SIG[:64], b"\x50annex"), "taproot with an annex"),
        (scripts._push(SIG), (), "a P2PK spend: a signature only"),
        (b"\x00" + scripts._push(SIG) + scripts._push(SIG), (), "a bare multisig spend: signatures only"),
        (b"\x51", (), "OP_1: nothing that names anyone"),
        (scripts._push(b"preimage") + scripts._push(b"\x01\x02"), (), "data that checks no signature"),
        (b"\x76\xa9", (), "not push-only"),
    ],
)
def test_inputs_that_do_not_fix_their_spent_script_stay_unresolved(script_sig, witness, why):
    assert spent_script(script_sig, witness) is None, why


def test_each_standard_spend_names_the_script_it_spent():
    multisig = scripts.bare_multisig(1, [KEY, KEY])
    program = b"\x00\x14" + hash160(KEY)
    cases = {
        "p2pkh": (scripts._push(SIG) + scripts._push(KEY), (), scripts.p2pkh(hash160(KEY))),
        "p2sh multisig": (b"\x00" + scripts._push(SIG) + b"\x4c" + bytes([len(multisig)]) + multisig, (),
                          scripts.p2sh(hash160(multisig))),
        "p2wpkh": (b"", (SIG, KEY), scripts.p2wpkh(hash160(KEY))),
        "p2sh-p2wpkh": (scripts._push(program), (SIG, KEY), scripts.p2sh(hash160(program))),
        "p2wsh multisig": (b"", (b"", SIG, multisig), scripts.p2wsh(hashlib.sha256(multisig).digest())),
    }  # fmt: skip
    for name, (script_sig, witness, expected) in cases.items():
        assert spent_script(script_sig, witness) == expected, name
