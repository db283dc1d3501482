"""Addresses for output scripts, encoded by bitcoinlib with the network's prefixes.

P2PK outputs get the P2PKH address of their key, as bitcoinlib and block
explorers show them; bare multisig, OP_RETURN and non-standard scripts get none.
"""

import re
from functools import cache

from bitcoinlib.encoding import hash160, pubkeyhash_to_addr_base58
from bitcoinlib.networks import Network as LibNetwork

from chain.networks import Network
from chain.scripts import classify, spent_script

BECH32M = 0x2BC830A3  # BIP350: witness version 1 and up
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_BYTES = _CHARSET.encode().ljust(256, b"?")  # bytes.translate: 5-bit values to their characters
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _top_table() -> tuple[int, ...]:
    """What the five bits shifted out of the checksum add back: one look-up instead of five tests a character."""
    table = []
    for top in range(32):
        added = 0
        for i, generator in enumerate(_GENERATOR):
            if top >> i & 1:
                added ^= generator
        table.append(added)
    return tuple(table)


_TOP = _top_table()


@cache
def _prefixes(network_name: str) -> tuple[bytes, bytes, str]:
    """bitcoinlib 0.7.10 gives regtest mainnet's base58 prefixes; Bitcoin Core gives it testnet's."""
    lib = LibNetwork(network_name)
    base58 = LibNetwork("testnet") if network_name == "regtest" else lib
    return base58.prefix_address, base58.prefix_address_p2sh, lib.prefix_bech32


def script_address(script: bytes, network: Network) -> tuple[str, str | None]:
    """(script type, address or None) for one scriptPubKey."""
    script_type, payload = classify(script)
    p2pkh_prefix, p2sh_prefix, hrp = _prefixes(network.name)
    if script_type == "p2pkh":
        return script_type, pubkeyhash_to_addr_base58(payload, prefix=p2pkh_prefix)
    if script_type == "p2sh":
        return script_type, pubkeyhash_to_addr_base58(payload, prefix=p2sh_prefix)
    if script_type in ("p2wpkh", "p2wsh"):
        return script_type, segwit_address(hrp, 0, payload)
    if script_type == "p2tr":
        return script_type, segwit_address(hrp, 1, payload)
    if script_type == "p2pk":
        return script_type, pubkeyhash_to_addr_base58(hash160(payload), prefix=p2pkh_prefix)
    return script_type, None


def segwit_address(hrp: str, version: int, program: bytes) -> str:
    """BIP173/BIP350 encoding of a witness program, as bitcoinlib's `pubkeyhash_to_addr_bech32` gives it,
    about six times faster: parsing spends most of its time naming segwit addresses. tests/chain/
    test_addresses.py holds the two equal on random programs of every length and version."""
    bits = len(program) * 8
    pad = -bits % 5
    number = int.from_bytes(program, "big") << pad
    groups = (bits + pad) // 5
    data = [version] + [(number >> 5 * (groups - 1 - i)) & 31 for i in range(groups)]
    checksum = _polymod(_hrp_state(hrp), data + [0] * 6) ^ (1 if version == 0 else BECH32M)
    data += [(checksum >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + bytes(data).translate(_CHARSET_BYTES).decode("ascii")


@cache
def _hrp_state(hrp: str) -> int:
    """The checksum state after the human-readable part, the same for every address of a network."""
    return _polymod(1, [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp])


def _polymod(chk: int, values) -> int:
    top_of = _TOP
    for value in values:
        chk = ((chk & 0x1FFFFFF) << 5) ^ value ^ top_of[chk >> 25]
    return chk


_SHAPE = re.compile(r"[123mn][1-9A-HJ-NP-Za-km-z]{25,34}|(bc|tb|bcrt)1[02-9ac-hj-np-z]{6,87}")


def address_normalise(text: str) -> str | None:
    """`text` as the graph stores it (bech32 in lower case), or None when it has no Bitcoin address's
    shape. A shape check, not a checksum: fast enough for half a million tags in an import."""
    text = text.strip()
    candidate = text.lower() if text[:3].lower() in ("bc1", "tb1", "bcr") else text
    return candidate if _SHAPE.fullmatch(candidate) else None


def input_address(script_sig: bytes, witness: tuple[bytes, ...], network: Network) -> tuple[str, str] | None:
    """(script type, address) of the output an input spends, read from the input itself (chain/scripts.py
    says when that is certain); None when the input does not name it."""
    script = spent_script(script_sig, witness)
    if script is None:
        return None
    script_type, address = script_address(script, network)
    return (script_type, address) if address else None
