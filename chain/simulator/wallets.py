"""Who holds what: actors, their wallets and coins, and the bytes that spend a coin.

Signatures are placeholders of the right shape and size (DER ECDSA, 64-byte
Schnorr): nothing in ChainSleuth or bitcoinlib's parsing checks them, and
signing every input would cost more than making the rest of a transaction.
"""

import hashlib
import random
from dataclasses import dataclass, field

from chain.simulator.keys import Key, hash160

# (36-byte outpoint as on the wire, satoshis, the key it pays)
Coin = tuple[bytes, int, Key]

# Virtual bytes an input and an output of each kind add to a transaction (BIP141 weight / 4).
INPUT_VBYTES = {"p2pkh": 148, "p2sh-p2wpkh": 91, "p2wpkh": 68, "p2tr": 58}
OUTPUT_VBYTES = {"p2pkh": 34, "p2sh-p2wpkh": 32, "p2wpkh": 31, "p2tr": 43}
TX_OVERHEAD_VBYTES = 11


@dataclass(eq=False)
class Actor:
    """An owner: an individual, a business or a criminal operation. `typology` is empty for licit ones."""

    id: str
    category: str  # e.g. individual, exchange, ransomware; the ground truth's `actor` is the id
    typology: str = ""

    @property
    def illicit(self) -> bool:
        return bool(self.typology)


@dataclass(eq=False)
class Wallet:
    """Coins one actor holds for one purpose, and the address habits of its software.

    `kinds` weights the script types of new addresses (a wallet's software picks one and
    keeps to it); `reuse` is the chance it pays change back to an address it already has.
    """

    actor: Actor
    role: str
    kinds: tuple[str, ...]
    reuse: float = 0.0
    coins: list[Coin] = field(default_factory=list)
    balance: int = 0
    home: Key | None = None  # the address it reuses, once it has one

    def add(self, coin: Coin) -> None:
        self.coins.append(coin)
        self.balance += coin[1]

    def take(self, coins: list[Coin]) -> None:
        chosen = {id(coin) for coin in coins}
        self.coins = [coin for coin in self.coins if id(coin) not in chosen]
        self.balance -= sum(coin[1] for coin in coins)

    def pick(self, amount: int, rng: random.Random, *, most: int = 12) -> list[Coin] | None:
        """Coins covering `amount`: oldest first for most wallets (as Bitcoin Core's selection tends to),
        at most `most` of them; None when the wallet cannot pay."""
        if self.balance < amount:
            return None
        picked, total = [], 0
        start = rng.randrange(len(self.coins)) if len(self.coins) > most else 0
        for coin in self.coins[start:] + self.coins[:start]:
            picked.append(coin)
            total += coin[1]
            if total >= amount or len(picked) == most:
                break
        return picked if total >= amount else None


def spend_data(key: Key, outpoint: bytes) -> tuple[bytes, tuple[bytes, ...]]:
    """(script_sig, witness) that spend a coin of `key`, in the standard form for its kind."""
    if key.kind == "p2tr":
        return b"", (_schnorr_placeholder(outpoint),)
    signature = _der_placeholder(outpoint)
    if key.kind == "p2pkh":
        return _push(signature) + _push(key.public), ()
    if key.kind == "p2sh-p2wpkh":
        return _push(b"\x00\x14" + hash160(key.public)), (signature, key.public)
    return b"", (signature, key.public)


def _der_placeholder(seed: bytes) -> bytes:
    digest = hashlib.sha256(seed).digest()
    r = bytes([digest[0] & 0x7F | 0x01]) + digest[1:]  # positive and minimal, as strict DER (BIP66) wants
    s = bytes([digest[31] & 0x3F | 0x01]) + digest[:31]  # a low S, as Bitcoin Core requires (BIP146)
    body = b"\x02" + bytes([len(r)]) + r + b"\x02" + bytes([len(s)]) + s
    return b"\x30" + bytes([len(body)]) + body + b"\x01"  # SIGHASH_ALL


def _schnorr_placeholder(seed: bytes) -> bytes:
    digest = hashlib.sha256(seed).digest()
    return digest + digest[::-1]


def _push(data: bytes) -> bytes:
    return bytes([len(data)]) + data
