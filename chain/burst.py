"""A fresh burst of payments on top of the graph's chain: the demo's recipe for an anomaly alert.

The demo world's blocks are years old, older than the window in which an anomaly raises an
alert (ANOMALY_ALERT_HOURS), so the demo shows none by itself. `burst_load` writes what the
detector is built to catch, timed now: one address mines a coin and splits it into many
outputs, ordinary blocks follow (its quiet history, about two hours), then a single block
pays out from many of those outputs at once. The two parts are ingested as two runs, as
blocks arriving one after the other would be, so the detector learns the quiet history
before it judges the burst. Each call uses a new address, so each raises its own alert.
"""

import hashlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from chain import scripts
from chain.networks import Network
from chain.serialization import OutPoint, block_hash_of, coinbase_tx, serialize_block, serialize_tx, txid_of

SUBSIDY = 50 * 100_000_000
QUIET_BLOCKS = 8  # ordinary blocks between the split and the burst
SPACING = 600  # seconds between blocks


@dataclass(frozen=True)
class BurstPlan:
    """The blk files to ingest in order, and the address whose burst should raise the alert."""

    history: Path
    burst: Path
    script: bytes  # the bursting address's output script
    spends: int


def burst_files(
    *, directory: Path, network: Network, tip: tuple[str, int] | None, spends: int, now: float | None = None
) -> BurstPlan:
    """Write the history and the burst as blk files under `directory`, continuing the chain at `tip`."""
    stamp = secrets.token_hex(4)
    chain = _Chain(tip=tip or (network.genesis_hash, 0), time=int(now or time.time()) - (QUIET_BLOCKS + 3) * SPACING)
    actor = _script(f"burst-{stamp}")
    coin = chain.block([], miner=actor)
    split = serialize_tx([(OutPoint(coin, 0), b"\x51")], [(SUBSIDY // (spends + 1), actor)] * (spends + 1))
    chain.block([split], miner=_script(f"miner-{stamp}-split"))
    for index in range(QUIET_BLOCKS):
        chain.block([], miner=_script(f"miner-{stamp}-{index}"))
    history = chain.take()
    share, split_txid = SUBSIDY // (spends + 1), txid_of(split)
    payouts = [
        serialize_tx([(OutPoint(split_txid, n), b"\x51")], [(share - 1_000, _script(f"buyer-{stamp}-{n}"))])
        for n in range(spends)
    ]
    chain.block(payouts, miner=_script(f"miner-{stamp}-burst"), fees=1_000 * spends)
    directory.mkdir(parents=True, exist_ok=True)
    paths = directory / f"history-{stamp}.dat", directory / f"burst-{stamp}.dat"
    for path, blocks in zip(paths, (history, chain.take()), strict=True):
        path.write_bytes(b"".join(network.magic + len(raw).to_bytes(4, "little") + raw for raw in blocks))
    return BurstPlan(history=paths[0], burst=paths[1], script=actor, spends=spends)


class _Chain:
    """Blocks on top of a tip, one every SPACING seconds; each coinbase states its height (BIP34)."""

    def __init__(self, *, tip: tuple[str, int], time: int) -> None:
        (self.tip, self.height), self.time, self.blocks = tip, time, []

    def block(self, txs: list[bytes], *, miner: bytes, fees: int = 0) -> str:
        self.height += 1
        self.time += SPACING
        coinbase = coinbase_tx(self.height, [(SUBSIDY + fees, miner)])
        raw = serialize_block([coinbase, *txs], prev_hash=self.tip, time=self.time)
        self.blocks.append(raw)
        self.tip = block_hash_of(raw)
        return txid_of(coinbase)

    def take(self) -> list[bytes]:
        blocks, self.blocks = self.blocks, []
        return blocks


def _script(label: str) -> bytes:
    return scripts.p2pkh(hashlib.new("ripemd160", hashlib.sha256(label.encode()).digest()).digest())
