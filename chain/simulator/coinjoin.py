"""CoinJoin rounds in the shapes of Whirlpool, Wasabi 1 and Wasabi 2 (docs/clustering.md describes each).

Participants register a coin and are mixed once enough have registered. Each
post-mix output goes to a fresh address of its participant, so the ground truth
still knows who owns it: an illicit actor's post-mix coins stay illicit.
"""

from dataclasses import dataclass, field

from chain.simulator.keys import Key
from chain.simulator.wallets import Actor, Coin, Wallet
from chain.simulator.world import World

WHIRLPOOL_DENOMINATIONS = (100_000, 1_000_000, 5_000_000, 50_000_000)
WHIRLPOOL_SIZE = 5  # Samourai's rounds: 5 inputs and 5 equal outputs
PREMIX_SURPLUS = 2_000  # what each premix output carries above the pool amount, for the mix's fee
WASABI1_DENOMINATION = 10_000_000  # about 0.1 BTC
WASABI1_MIN = 10
WASABI2_MIN = 50
# Wasabi 2's standard denominations: powers of 2 and 3 and 1-2-5 series, between 5,000 sats and 10 BTC.
WASABI2_DENOMINATIONS = sorted(
    {2**i for i in range(13, 31)}
    | {3**i for i in range(8, 20)}
    | {m * 10**e for e in range(3, 9) for m in (1, 2, 5)} - {1_000, 2_000}
)


@dataclass(eq=False)
class Coordinators:
    """The coordinators' fee wallets, and the coins waiting for a round."""

    whirlpool: Wallet
    wasabi: Wallet
    whirlpool_queue: dict[int, list[tuple[Wallet, Coin]]] = field(default_factory=dict)
    wasabi_queue: list[tuple[Wallet, Coin]] = field(default_factory=list)
    fee_keys: dict[str, Key] = field(default_factory=dict)

    @classmethod
    def create(cls) -> "Coordinators":
        return cls(
            whirlpool=Wallet(Actor("whirlpool-coordinator", "coinjoin"), "coordinator_fee", ("p2wpkh",), reuse=1.0),
            wasabi=Wallet(Actor("wasabi-coordinator", "coinjoin"), "coordinator_fee", ("p2wpkh",), reuse=1.0),
        )


def register_whirlpool(world: World, coordinators: Coordinators, wallet: Wallet) -> bool:
    """Tx0: the participant splits a coin into a premix output for the largest pool it can afford
    (plus the coordinator's fee and change), and queues that output for a round."""
    affordable = [d for d in WHIRLPOOL_DENOMINATIONS if wallet.balance > 2 * d]
    if not affordable:
        return False
    denomination = affordable[-1]
    premix = world.key(wallet, "premix")
    fee_key = _fee_key(world, coordinators, "whirlpool")
    pool_fee = denomination // 20
    if not world.pay(
        wallet, [(wallet, premix, denomination + PREMIX_SURPLUS), (coordinators.whirlpool, fee_key, pool_fee)]
    ):
        return False
    coin = next(coin for coin in wallet.coins if coin[2] is premix)
    coordinators.whirlpool_queue.setdefault(denomination, []).append((wallet, coin))
    return True


def register_wasabi(world: World, coordinators: Coordinators, wallet: Wallet) -> bool:
    coins = wallet.pick(WASABI1_DENOMINATION + 50_000, world.rng, most=3)
    if not coins:
        return False
    coordinators.wasabi_queue.extend((wallet, coin) for coin in coins)  # a coin spent meanwhile drops out
    return True


def run_rounds(world: World, coordinators: Coordinators, *, wasabi2: bool) -> None:
    """Mix every pool that has enough participants."""
    for denomination, queue in coordinators.whirlpool_queue.items():
        while len(queue) >= WHIRLPOOL_SIZE:
            _whirlpool_round(world, denomination, [queue.pop(0) for _ in range(WHIRLPOOL_SIZE)])
    queue = [(wallet, coin) for wallet, coin in coordinators.wasabi_queue if coin in wallet.coins]
    coordinators.wasabi_queue = []
    owners = {wallet for wallet, _ in queue}
    if wasabi2 and len(queue) >= WASABI2_MIN:
        _wasabi2_round(world, coordinators, queue)
    elif len(owners) >= WASABI1_MIN:
        _wasabi1_round(world, coordinators, queue)
    else:
        coordinators.wasabi_queue = queue


def _whirlpool_round(world: World, denomination: int, entries: list[tuple[Wallet, Coin]]) -> None:
    spends = [(wallet, [coin]) for wallet, coin in entries if coin in wallet.coins]
    if len(spends) < WHIRLPOOL_SIZE:
        return
    outputs = [(wallet, world.key(wallet, "postmix"), denomination) for wallet, _ in spends]
    world.rng.shuffle(outputs)
    world.commit(spends, outputs)


def _wasabi1_round(world: World, coordinators: Coordinators, entries: list[tuple[Wallet, Coin]]) -> None:
    """Each participant gets one ~0.1 BTC output and its change; one whose registered coins were partly
    spent meanwhile and no longer cover the denomination sits the round out."""
    by_owner: dict[Wallet, tuple[Wallet, list[Coin]]] = {}
    for wallet, coin in entries:
        by_owner.setdefault(wallet, (wallet, []))[1].append(coin)
    fee_each = world.fee_for(3, ["p2wpkh", "p2wpkh"])
    coordinator_share = WASABI1_DENOMINATION * 3 // 10_000  # 0.3 % of the denomination
    needed = WASABI1_DENOMINATION + fee_each + coordinator_share
    spends = [(wallet, coins) for wallet, coins in by_owner.values() if sum(coin[1] for coin in coins) > needed]
    if len(spends) < WASABI1_MIN:
        coordinators.wasabi_queue = entries
        return
    outputs = []
    for wallet, coins in spends:
        left = sum(coin[1] for coin in coins) - needed
        outputs.append((wallet, world.key(wallet, "postmix"), WASABI1_DENOMINATION))
        if left > 5_000:
            outputs.append((wallet, world.key(wallet, "change"), left))
    outputs.append((coordinators.wasabi, _fee_key(world, coordinators, "wasabi"), coordinator_share * len(spends)))
    world.rng.shuffle(outputs)
    world.commit(spends, outputs)


def _wasabi2_round(world: World, coordinators: Coordinators, entries: list[tuple[Wallet, Coin]]) -> None:
    """Every input is split into standard denominations, largest first; what is left under the smallest
    goes to fees, as Wasabi 2 does with its change below the dust threshold."""
    fee_each = world.fee_for(1, ["p2tr"] * 3)
    spends, outputs = [], []
    for wallet, coin in entries:
        spends.append((wallet, [coin]))
        amount = coin[1] - fee_each
        for _ in range(4):
            fitting = [d for d in WASABI2_DENOMINATIONS if d <= amount]
            if not fitting:
                break
            outputs.append((wallet, world.key(wallet, "postmix"), fitting[-1]))
            amount -= fitting[-1]
        if amount > 50_000:
            outputs.append((wallet, world.key(wallet, "change"), amount - 1_000))
    world.rng.shuffle(outputs)
    world.commit(spends, outputs)


def _fee_key(world: World, coordinators: Coordinators, name: str) -> Key:
    if name not in coordinators.fee_keys:
        wallet = coordinators.whirlpool if name == "whirlpool" else coordinators.wasabi
        coordinators.fee_keys[name] = world.key(wallet, "coordinator_fee", tag=True)
    return coordinators.fee_keys[name]
