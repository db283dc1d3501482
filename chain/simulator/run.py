"""Make a world: the block loop that interleaves the licit economy with illicit campaigns."""

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from chain.networks import NETWORKS
from chain.simulator.economy import Economy
from chain.simulator.output import Output
from chain.simulator.typologies import TYPOLOGIES, Campaign, Operation
from chain.simulator.wallets import Actor
from chain.simulator.world import Tally, World
from core.errors import ChainSleuthError

NETWORK = NETWORKS["regtest"]
MIN_TXS, MAX_TXS = 1_000, 10_000_000
# How often each kind of operation starts, once each has started once: hacks are rare but large.
TYPOLOGY_WEIGHTS = {
    "ransomware": 3.0,
    "darknet_market": 2.0,
    "scam": 3.0,
    "peel_chain": 2.0,
    "sanctioned": 1.5,
    "exchange_hack": 0.3,
}


class WorldSpecError(ChainSleuthError, ValueError):
    """A world that cannot be simulated as asked; the message names the setting."""


@dataclass(frozen=True)
class WorldSpec:
    """What the user chooses: how big, which seed, how much crime and how well it hides."""

    txs: int = 10_000
    seed: int = 1
    illicit_share: float = 0.05  # of all transactions, made by illicit actors
    blend: float = 0.5  # chance an illicit operation behaves like ordinary wallets
    tag_share: float = 0.3  # of the addresses an investigator might learn (not the published ones), how many are

    def __post_init__(self) -> None:
        if not MIN_TXS <= self.txs <= MAX_TXS:
            raise WorldSpecError(f"txs must be between {MIN_TXS:,} and {MAX_TXS:,}, not {self.txs:,}")
        for name in ("illicit_share", "blend", "tag_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise WorldSpecError(f"{name} must be between 0 and 1, not {getattr(self, name)}")

    @property
    def txs_per_block(self) -> int:
        """Blocks fill up as the world grows: 20 transactions each for the smallest, 2,500 for the largest."""
        return max(20, min(2_500, self.txs // 400))

    @property
    def population(self) -> int:
        return max(100, min(200_000, self.txs // 8))


def simulate(spec: WorldSpec, directory: Path, *, progress: Callable[[int], None] = lambda txs: None) -> Tally:
    """Write the world's blocks, truth.csv, tagpack.yaml and world.json under `directory`."""
    output = Output(directory, NETWORK, seed=spec.seed, tag_share=spec.tag_share)
    world = World(seed=spec.seed, network=NETWORK, sink=output)
    economy = Economy(world, population=spec.population)
    campaigns = _Campaigns(world, economy, spec)
    try:
        while world.tally.txs < spec.txs:
            before = world.tally.txs
            _block(world, economy, campaigns, spec)
            progress(world.tally.txs - before)
    finally:
        output.close()
    summary = {"spec": asdict(spec), "network": NETWORK.name, "tally": asdict(world.tally), "tags": output.tags}
    summary["blk_files"] = [path.name for path in output.blocks.files]
    (directory / "world.json").write_text(json.dumps(summary, indent=2) + "\n")
    return world.tally


def _block(world: World, economy: Economy, campaigns: "_Campaigns", spec: WorldSpec) -> None:
    target = min(spec.txs_per_block, spec.txs - world.tally.txs - 1)
    economy.begin_block()
    campaigns.step()
    for _ in range(target * 4):  # early on, few can pay: the block stays small rather than spin
        if world.block_size >= target:
            break
        economy.activity()
    miner, key = economy.miner()
    world.close_block(miner, key)


class _Campaigns:
    """Starts illicit operations while crime is below its share, each typology in turn at first (so
    every one appears even in a small world), then at random; wakes each when its wait is over."""

    def __init__(self, world: World, economy: Economy, spec: WorldSpec) -> None:
        self.world, self.economy, self.spec = world, economy, spec
        self.running: list[tuple[int, Campaign]] = []
        self.started = 0

    def step(self) -> None:
        # Operations make a few dozen transactions each, so bigger blocks need more of them at once.
        room = 3 + self.spec.txs_per_block // 10 - len(self.running)
        for _ in range(min(room, 1 + self.spec.txs_per_block // 200)):
            if not self._below_share():
                break
            self._start()
        still = []
        for wake, campaign in self.running:
            if wake > self.world.height:
                still.append((wake, campaign))
                continue
            wait = next(campaign, None)
            if wait is not None:
                still.append((self.world.height + wait, campaign))
        self.running = still

    def _below_share(self) -> bool:
        tally = self.world.tally
        return tally.illicit_txs < self.spec.illicit_share * max(tally.txs, self.spec.txs_per_block * 5)

    def _start(self) -> None:
        names = list(TYPOLOGIES)
        if self.started < len(names):
            name = names[self.started]
        else:
            name = self.world.rng.choices(names, [TYPOLOGY_WEIGHTS[name] for name in names])[0]
        self.started += 1
        actor = Actor(f"{name.replace('_', '-')}-{self.started}", name, typology=name)
        operation = Operation(self.world, self.economy, actor, blends=self.world.rng.random() < self.spec.blend)
        self.running.append((self.world.height, TYPOLOGIES[name](operation)))
