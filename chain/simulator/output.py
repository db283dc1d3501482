"""Where a world goes: blk files as Bitcoin Core writes them, the ground truth CSV, and a TagPack.

The TagPack holds only what an investigator could plausibly know (addresses
published by victims, authorities, spam traps and the services themselves),
with GraphSense's categories and confidence levels; the CSV holds everything.
"""

import hashlib
import os
import pickle
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from chain.networks import Network
from chain.simulator.keys import Key
from chain.simulator.wallets import Actor

ROOT = Path(__file__).resolve().parents[2]
BLK_FILE_BYTES = 128 * 2**20  # Bitcoin Core's MAX_BLOCKFILE_SIZE

PUBLISHED, SOMETIMES = "published", "sometimes"


def _known(how: str, **fields) -> tuple[str, dict]:
    return how, fields


# (actor category or typology, role) → how such an address becomes known, and what a TagPack says of it.
# Published ones are always in the pack: services' own wallets, spam-trap and sanctions addresses, a
# hacker's first address; others (victims' reports, deposits seen in investigations) at the tag share.
_KNOWN = {
    ("mining_pool", "coinbase"): _known(PUBLISHED, category="miner", confidence="ledger_immanent"),
    ("exchange", "hot_wallet"): _known(
        PUBLISHED, category="exchange", concepts=["hot_wallet"], confidence="service_data"
    ),
    ("exchange", "cold_wallet"): _known(
        PUBLISHED, category="exchange", concepts=["cold_wallet"], confidence="service_data"
    ),
    # No `deposit_wallet` concept: the taxonomy that tagpack-tool 25.8.1 ships (our default) predates it.
    ("exchange", "deposit"): _known(SOMETIMES, category="exchange", confidence="manual_transaction"),
    ("coinjoin", "coordinator_fee"): _known(PUBLISHED, category="coinjoin", confidence="heuristic"),
    ("ransomware", "ransom_address"): _known(SOMETIMES, abuse="ransomware", confidence="forensic_investigation"),
    ("darknet_market", "market_deposit"): _known(
        SOMETIMES, category="market", abuse="drugs", confidence="untrusted_transaction"
    ),
    ("scam", "scam_address"): _known(PUBLISHED, abuse="sextortion", confidence="trusted_provider"),
    ("peel_chain", "fraud_address"): _known(SOMETIMES, abuse="investment_fraud", confidence="forensic_investigation"),
    ("sanctioned", "sanctioned_hot"): _known(
        PUBLISHED, category="exchange", abuse="sanction", confidence="authority_data"
    ),
    ("exchange_hack", "hacker"): _known(PUBLISHED, abuse="service_hack", confidence="forensic"),
}


class BlkWriter:
    """blk00000.dat, blk00001.dat, …: magic + size framing, a new file past Core's size limit."""

    def __init__(self, directory: Path, network: Network) -> None:
        self.directory, self.magic = directory, network.magic
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("blk*.dat"):  # a bigger world written here before would outlast this one
            stale.unlink()
        self.files: list[Path] = []
        self._handle: IO[bytes] | None = None
        self._size = 0

    def write(self, raw: bytes) -> None:
        if self._handle is None or self._size + len(raw) + 8 > BLK_FILE_BYTES:
            self._next_file()
        assert self._handle is not None
        self._handle.write(self.magic + len(raw).to_bytes(4, "little") + raw)
        self._size += len(raw) + 8

    def _next_file(self) -> None:
        self.close()
        path = self.directory / f"blk{len(self.files):05d}.dat"
        self.files.append(path)
        self._handle, self._size = open(path, "wb"), 0  # noqa: SIM115 - closed in close(), files span calls

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class Output:
    """The world's sink: blocks to blk files here; addresses to a writer process (the second core,
    chain/simulator/truthwriter.py), which encodes them with bitcoinlib and writes the ground truth and
    the TagPack in the order they came."""

    def __init__(self, directory: Path, network: Network, *, seed: int, tag_share: float = 0.3) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.tag_share, self.tags = tag_share, 0
        self.blocks = BlkWriter(directory / "blocks", network)
        self._batch: list[tuple] = []
        # A fresh interpreter, not multiprocessing: a forked child can inherit a lock another thread
        # held (it hung under pytest), and a spawned one re-imports the caller's unguarded __main__.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self._writer = subprocess.Popen(
            [sys.executable, "-m", "chain.simulator.truthwriter"], stdin=subprocess.PIPE, env=env
        )
        # A thread feeds the pipe, so the simulation goes on while the writer works through a batch
        # (a pipe holds 64 KiB; writing to it directly made the two processes take turns).
        self._outbox: queue.Queue = queue.Queue(maxsize=8)  # bounded: the writer's backlog cannot grow
        self._pump = threading.Thread(target=self._feed, name="simulate-truth-feed", daemon=True)
        self._pump.start()
        self._send((directory.resolve(), network.name, seed))

    def block(self, raw: bytes) -> None:
        self.blocks.write(raw)

    def address(self, key: Key, actor: Actor, role: str, height: int) -> None:
        if len(self._batch) >= 5_000:  # before, not after: tag() amends the row just added
            self._flush()
        label = "illicit" if actor.illicit else "licit"
        self._batch.append((key.script, actor.id, actor.category, role, actor.typology, label, height, None))

    def tag(self, key: Key, actor: Actor, role: str) -> None:
        """Mark the address just recorded as known, when an investigator would plausibly know it."""
        how, known = _KNOWN.get((actor.typology or actor.category, role), (None, {}))
        if known and (how == PUBLISHED or _learnt(key.script, self.tag_share)):
            self._batch[-1] = (*self._batch[-1][:-1], {"label": actor.id.replace("-", " "), **known})
            self.tags += 1

    def close(self) -> None:
        self.blocks.close()
        self._flush()
        self._send(None)
        self._pump.join()
        if self._writer.wait() != 0:
            raise RuntimeError(f"the ground-truth writer failed (exit code {self._writer.returncode}); see above")

    def _flush(self) -> None:
        if self._batch:
            self._send(self._batch)
            self._batch = []

    def _send(self, message: object) -> None:
        while True:
            try:
                self._outbox.put(message, timeout=1)
                return
            except queue.Full:
                if not self._pump.is_alive():  # the writer died and the feed with it: do not wait forever
                    raise RuntimeError("the ground-truth writer stopped; see its error above") from None

    def _feed(self) -> None:
        stdin = self._writer.stdin
        try:
            while True:
                message = self._outbox.get()
                pickle.dump(message, stdin, protocol=pickle.HIGHEST_PROTOCOL)
                if message is None:
                    break
        finally:
            stdin.close()


def _learnt(script: bytes, chance: float) -> bool:
    """Decided by the address itself, so the simulation's random stream is not disturbed by it."""
    return int.from_bytes(hashlib.sha256(script).digest()[:8], "big") < chance * 2**64
