"""Our segwit address encoder (chain/addresses.py) against bitcoinlib's, which it replaces for speed."""

import random

import pytest
from bitcoinlib.encoding import pubkeyhash_to_addr_bech32

from chain.addresses import BECH32M, segwit_address


@pytest.mark.parametrize("hrp", ["bc", "tb", "bcrt"])
@pytest.mark.parametrize(("version", "length"), [(0, 20), (0, 32), (1, 32)])
def test_segwit_addresses_equal_bitcoinlibs_on_random_programs(hrp, version, length):
    rng = random.Random(f"{hrp}{version}{length}")
    for _ in range(300):
        program = rng.randbytes(length)
        expected = pubkeyhash_to_addr_bech32(
            program, prefix=hrp, witver=version, checksum_xor=1 if version == 0 else BECH32M
        )
        assert segwit_address(hrp, version, program) == expected


def test_the_bip173_and_bip350_examples_encode_as_published():
    key_hash = bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6")
    assert segwit_address("bc", 0, key_hash) == "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    taproot = bytes.fromhex("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
    assert segwit_address("bc", 1, taproot) == "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
