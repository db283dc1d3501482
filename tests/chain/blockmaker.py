"""Real, valid blocks made for tests: correct serialization, txids, merkle roots and prev links.

Heights are stated in the coinbase (BIP34), so these blocks can be loaded in any
order on regtest. Proof of work is not searched for; nothing here checks it.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from chain import scripts
from chain.networks import NETWORKS
from chain.serialization import (
    OutPoint,
    block_hash_of,
    coinbase_tx,
    serialize_block,
    serialize_tx,
    split_block,
    txid_of,
)

REGTEST = NETWORKS["regtest"]
# The secp256k1 generator point: a valid public key whose private key everyone knows (1).
PUBKEY = bytes.fromhex("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
SUBSIDY = 50 * 100_000_000


def key_hash(label: str) -> bytes:
    """A distinct 20-byte hash per label, so each label is its own P2PKH/P2WPKH address."""
    return hashlib.new("ripemd160", hashlib.sha256(label.encode()).digest()).digest()


def to(label: str, kind: str = "p2pkh") -> bytes:
    digest = key_hash(label)
    return {
        "p2pkh": lambda: scripts.p2pkh(digest),
        "p2sh": lambda: scripts.p2sh(digest),
        "p2wpkh": lambda: scripts.p2wpkh(digest),
        "p2wsh": lambda: scripts.p2wsh(hashlib.sha256(label.encode()).digest()),
        "p2tr": lambda: scripts.p2tr(PUBKEY[1:]),
        "p2pk": lambda: scripts.p2pk(PUBKEY),
        "multisig": lambda: scripts.bare_multisig(1, [PUBKEY]),
        "op_return": lambda: scripts.op_return(label.encode()),
        "nonstandard": lambda: bytes([scripts.OP_1]),
    }[kind]()


@dataclass
class ChainMaker:
    """Builds a regtest chain block by block; `spend` makes a transaction from earlier outputs."""

    blocks: list[bytes] = field(default_factory=list)
    tip: str = REGTEST.genesis_hash
    time: int = 1_600_000_000

    @property
    def height(self) -> int:
        return len(self.blocks)

    def block(self, *txs: bytes, miner: str = "miner", fees: int = 0, coinbase: bytes | None = None) -> str:
        """Append a block (coinbase paying `miner`, or the raw `coinbase` given, then `txs`); returns the
        coinbase txid."""
        coinbase = coinbase or coinbase_tx(self.height + 1, [(SUBSIDY + fees, to(miner))])
        self.time += 600
        raw = serialize_block([coinbase, *txs], prev_hash=self.tip, time=self.time)
        self.blocks.append(raw)
        self.tip = block_hash_of(raw)
        return txid_of(coinbase)

    def coinbase_of(self, index: int) -> bytes:
        """The raw coinbase of block `index` (0-based), to repeat it as mainnet did before BIP30."""
        return split_block(self.blocks[index], where=f"made block {index}")[0].data

    @staticmethod
    def spend(*outpoints: tuple[str, int], outputs: list[tuple[int, bytes]]) -> bytes:
        return serialize_tx([(OutPoint(txid, n), b"\x51") for txid, n in outpoints], outputs)

    def write_blk(self, path: Path, order: list[int] | None = None, magic: bytes = REGTEST.magic) -> Path:
        """Write the blocks (in `order`, by index) with Bitcoin Core's magic + size framing."""
        with open(path, "wb") as handle:
            for index in order if order is not None else range(len(self.blocks)):
                raw = self.blocks[index]
                handle.write(magic + len(raw).to_bytes(4, "little") + raw)
        return path
