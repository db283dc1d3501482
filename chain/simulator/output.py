"""Where a world goes: blk files as Bitcoin Core writes them, the ground truth CSV, and a TagPack.

The TagPack holds only what an investigator could plausibly know (addresses
published by victims, authorities, spam traps and the services themselves),
with GraphSense's categories and confidence levels; the CSV holds everything.
"""

import csv
import datetime
import hashlib
import multiprocessing
import shutil
from pathlib import Path
from typing import IO

import yaml

from chain.addresses import script_address
from chain.networks import NETWORKS, Network
from chain.simulator.keys import Key
from chain.simulator.wallets import Actor

BLK_FILE_BYTES = 128 * 2**20  # Bitcoin Core's MAX_BLOCKFILE_SIZE
TRUTH_COLUMNS = ("address", "actor", "category", "role", "typology", "label", "first_block")

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
    ("exchange", "deposit"): _known(
        SOMETIMES, category="exchange", concepts=["deposit_wallet"], confidence="manual_transaction"
    ),
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
    """The world's sink: blocks to blk files here; addresses to a writer process (the second core), which
    encodes them with bitcoinlib and writes the ground truth and the TagPack in the order they came."""

    def __init__(self, directory: Path, network: Network, *, seed: int, tag_share: float = 0.3) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.tag_share, self.tags = tag_share, 0
        self.blocks = BlkWriter(directory / "blocks", network)
        self._batch: list[tuple] = []
        # fork, not spawn: a spawned child re-imports the caller's __main__, which in an unguarded
        # script would run the simulation again inside the writer.
        context = multiprocessing.get_context("fork")
        self._queue = context.Queue(maxsize=8)  # bounded: the writer's backlog cannot grow without limit
        self._writer = context.Process(
            target=_write_truth, args=(directory, network.name, seed, self._queue), name="simulate-truth"
        )
        self._writer.start()

    def block(self, raw: bytes, n_tx: int) -> None:
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
        self._queue.put(None)
        self._writer.join()
        if self._writer.exitcode != 0:
            raise RuntimeError(
                f"the ground-truth writer failed (exit code {self._writer.exitcode}); see its error above"
            )

    def _flush(self) -> None:
        if self._batch:
            self._queue.put(self._batch)
            self._batch = []


def _write_truth(directory: Path, network_name: str, seed: int, queue) -> None:
    """The writer process: truth.csv row by row; tags to a side file, then the TagPack around them."""
    network = NETWORKS[network_name]
    parts = directory / "tagpack.tags.tmp"
    tags = 0
    with open(directory / "truth.csv", "w", newline="") as truth_file, open(parts, "w") as tag_file:
        truth = csv.writer(truth_file)
        truth.writerow(TRUTH_COLUMNS)
        while (batch := queue.get()) is not None:
            for script, *row, tag in batch:
                address = script_address(script, network)[1]
                truth.writerow((address, *row))
                if tag is not None:
                    yaml.safe_dump([{"address": address, **tag}], tag_file, sort_keys=False)
                    tags += 1
    header = {
        "title": f"ChainSleuth simulated world, seed {seed}",
        "creator": "ChainSleuth simulator",
        "description": "What an investigator could know of a simulated world: published and observed "
        "addresses of its services and criminals. Synthetic data; the addresses are on regtest.",
        "source": f"chainsleuth-simulator://seed/{seed}",
        "currency": "BTC",
        "network": "BTC",
        "lastmod": datetime.date(2026, 1, 1),
    }
    with open(directory / "tagpack.yaml", "w") as handle, open(parts) as tag_lines:
        yaml.safe_dump(header, handle, sort_keys=False)
        handle.write("tags:\n" if tags else "tags: []\n")
        shutil.copyfileobj(tag_lines, handle)
    parts.unlink()


def _learnt(script: bytes, chance: float) -> bool:
    """Decided by the address itself, so the simulation's random stream is not disturbed by it."""
    return int.from_bytes(hashlib.sha256(script).digest()[:8], "big") < chance * 2**64
