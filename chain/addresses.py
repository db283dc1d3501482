"""Addresses for output scripts, encoded by bitcoinlib with the network's prefixes.

P2PK outputs get the P2PKH address of their key, as bitcoinlib and block
explorers show them; bare multisig, OP_RETURN and non-standard scripts get none.
"""

import re
from functools import cache

from bitcoinlib.encoding import hash160, pubkeyhash_to_addr_base58, pubkeyhash_to_addr_bech32
from bitcoinlib.networks import Network as LibNetwork

from chain.networks import Network
from chain.scripts import classify, spent_script

BECH32M = 0x2BC830A3  # BIP350: witness version 1 and up


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
        return script_type, pubkeyhash_to_addr_bech32(payload, prefix=hrp, witver=0)
    if script_type == "p2tr":
        return script_type, pubkeyhash_to_addr_bech32(payload, prefix=hrp, witver=1, checksum_xor=BECH32M)
    if script_type == "p2pk":
        return script_type, pubkeyhash_to_addr_base58(hash160(payload), prefix=p2pkh_prefix)
    return script_type, None


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
