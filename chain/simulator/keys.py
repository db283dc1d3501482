"""Real secp256k1 key pairs and the standard addresses wallets use, made fast and repeatably.

Every key is a valid key pair from libsecp256k1 (coincurve); its address is
bitcoinlib's encoding of its output script (chain/addresses.py), made where the
ground truth is written (chain/simulator/output.py). Private keys follow from the
seed (HMAC of a counter): these are for synthetic worlds only, never for real funds.
"""

import hashlib
import hmac
from dataclasses import dataclass

from coincurve import PublicKey, PublicKeyXOnly

from chain import scripts

KINDS = ("p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr")


@dataclass(slots=True)
class Key:
    """One address a wallet controls: what pays it (script), what it is called, and what spends from it."""

    kind: str
    secret: bytes
    public: bytes  # compressed SEC encoding (for P2TR, of the untweaked internal key)
    script: bytes


def hash160(data: bytes) -> bytes:
    return hashlib.new("ripemd160", hashlib.sha256(data).digest()).digest()


def tagged_hash(tag: str, data: bytes) -> bytes:
    """BIP340's domain-separated hash."""
    tag_digest = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(tag_digest + tag_digest + data).digest()


class KeyFactory:
    """Keys in a fixed order from a seed: the same seed gives the same keys."""

    def __init__(self, seed: int) -> None:
        self._root = hashlib.sha256(f"chainsleuth-simulator:{seed}".encode()).digest()
        self._count = 0

    def new(self, kind: str) -> Key:
        self._count += 1
        # Below the group order for all but a ~2^-128 share of counters, which libsecp256k1 would refuse.
        secret = hmac.digest(self._root, self._count.to_bytes(8, "big"), "sha256")
        public = PublicKey.from_secret(secret).format()
        script = output_script(kind, secret, public)
        return Key(kind, secret, public, script)


def output_script(kind: str, secret: bytes, public: bytes) -> bytes:
    if kind == "p2pkh":
        return scripts.p2pkh(hash160(public))
    if kind == "p2wpkh":
        return scripts.p2wpkh(hash160(public))
    if kind == "p2sh-p2wpkh":
        return scripts.p2sh(hash160(scripts.p2wpkh(hash160(public))))
    if kind == "p2tr":
        return scripts.p2tr(taproot_output_key(public[1:]))
    raise ValueError(f"unknown key kind {kind!r} (one of {', '.join(KINDS)})")


def taproot_output_key(internal_key: bytes) -> bytes:
    """BIP341 key-path output key (no script tree): the x-only internal key tweaked by its own hash."""
    key = PublicKeyXOnly(internal_key)
    key.tweak_add(tagged_hash("TapTweak", internal_key))
    return key.format()
