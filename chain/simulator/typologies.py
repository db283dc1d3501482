"""Illicit flows, each a generator that makes its transactions and yields how many blocks to wait.

Each follows the public description cited in docs/simulator.md. How well an
operation blends in is a parameter: a blending actor uses the population's
script types, fresh change and fiat-looking amounts; one that does not keeps to
legacy addresses, reuses them and moves round amounts in bursts.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass

from chain.simulator import coinjoin
from chain.simulator.economy import WALLET_MIX, Economy, usd
from chain.simulator.keys import Key
from chain.simulator.wallets import Actor, Wallet
from chain.simulator.world import COIN, World

Campaign = Iterator[int]


@dataclass
class Operation:
    """An illicit actor: its wallets share one actor id and blend in, or not, the same way."""

    world: World
    economy: Economy
    actor: Actor
    blends: bool

    @property
    def rng(self) -> random.Random:
        return self.world.rng

    def wallet(self, role: str) -> Wallet:
        if self.blends:
            kinds = (self.rng.choices(list(WALLET_MIX), list(WALLET_MIX.values()))[0],)
            return Wallet(self.actor, role, kinds, reuse=0.0)
        return Wallet(self.actor, role, ("p2pkh",), reuse=0.7)

    def amount(self, low_usd: float, high_usd: float) -> int:
        value = usd(self.rng, low_usd, high_usd)
        return value if self.blends else max(100_000, value // 100_000 * 100_000)

    def pause(self, most: int) -> int:
        return self.rng.randint(1, most) if self.blends else self.rng.randint(0, 1)

    def cash_out(self, wallet: Wallet) -> bool:
        """Everything in `wallet` to the operation's own deposit address at an exchange."""
        exchange = self.rng.choice(self.economy.exchanges)
        return self.world.sweep(wallet, exchange.deposits, self.economy.deposit_key(exchange, wallet))

    def peel(self, wallet: Wallet, hops: int, role: str = "peel") -> Iterator[int]:
        """A peel chain: each hop pays a small slice to an exchange and moves the rest to a fresh address."""
        for _ in range(hops):
            if wallet.balance < 2_000_000:
                return
            exchange = self.rng.choice(self.economy.exchanges)
            slice_ = int(wallet.balance * self.rng.uniform(0.03, 0.15))
            nxt = self.world.key(wallet, role)
            deposit = self.economy.deposit_key(exchange, wallet)
            self.world.pay(wallet, [(exchange.deposits, deposit, slice_)], change_to=nxt)
            yield self.pause(2)


def ransomware(op: Operation) -> Campaign:
    """Victims pay per-victim addresses; collection; peel chain; CoinJoin; exchange cash-out."""
    wallet = op.wallet("ransom_address")
    for _ in range(op.rng.randint(3, 12)):
        ransom = op.amount(2_000, 60_000)
        victim = op.economy.someone(with_at_least=ransom * 2, tries=20)
        if victim is not None:
            op.world.pay(victim, [(wallet, op.world.key(wallet, "ransom_address", tag=True), ransom)])
        yield op.pause(3)
    op.world.sweep(wallet, wallet, op.world.key(wallet, "collection"))
    yield op.pause(4)
    yield from op.peel(wallet, op.rng.randint(4, 10))
    if coinjoin.register_whirlpool(op.world, op.economy.coordinators, wallet):
        yield 6  # the round runs when five have registered; what is not mixed by then goes out as it is
    op.cash_out(wallet)


def darknet_market(op: Operation) -> Campaign:
    """Buyers pay small sums to per-buyer deposit addresses; sweeps to a hot wallet; vendors paid in
    batches; vendors cash out at exchanges."""
    deposits, hot = op.wallet("market_deposit"), op.wallet("market_hot")
    hot.home = op.world.key(hot)
    vendors = [
        Wallet(Actor(f"{op.actor.id}-vendor-{i}", "vendor", op.actor.typology), "vendor", ("p2wpkh",), 0.3)
        for i in range(op.rng.randint(3, 8))
    ]
    buyer_keys: dict[Wallet, Key] = {}
    for _ in range(op.rng.randint(3, 8)):
        for _ in range(op.rng.randint(5, 20)):
            price = usd(op.rng, 20, 400)
            buyer = op.economy.someone(with_at_least=price * 2)
            if buyer is None:
                continue
            if buyer not in buyer_keys:
                buyer_keys[buyer] = op.world.key(deposits, tag=True)
            op.world.pay(buyer, [(deposits, buyer_keys[buyer], price)])
        yield 1
        op.world.sweep(deposits, hot, hot.home)
        yield op.pause(2)
        payouts = [(v, op.world.receiving_key(v), hot.balance * 8 // 10 // len(vendors)) for v in vendors]
        if payouts[0][2] > 50_000:
            op.world.pay(hot, payouts, change_to=hot.home)
        for vendor in vendors:
            if vendor.balance > 5_000_000 and op.rng.random() < 0.5:
                op.cash_out(vendor)
        yield op.pause(3)


def scam(op: Operation) -> Campaign:
    """Sextortion and other scam fan-in: many victims pay one of a few reused addresses (Paquet-Clouston
    et al. 2019); the takings are gathered and cashed out."""
    wallet = op.wallet("scam_address")
    addresses = [op.world.key(wallet, tag=True) for _ in range(op.rng.randint(1, 3))]
    for _ in range(op.rng.randint(5, 25)):
        amount = op.amount(300, 2_000)
        victim = op.economy.someone(with_at_least=amount * 2)
        if victim is not None:
            op.world.pay(victim, [(wallet, op.rng.choice(addresses), amount)])
        yield op.pause(2)
    op.world.sweep(wallet, wallet, op.world.key(wallet, "collection"))
    yield op.pause(3)
    op.cash_out(wallet)


def peel_chain(op: Operation) -> Campaign:
    """Investment-fraud proceeds (a few large payments) laundered down a long peel chain."""
    wallet = op.wallet("fraud_address")
    key = op.world.key(wallet, tag=True)
    for _ in range(op.rng.randint(2, 5)):
        amount = op.amount(5_000, 80_000)
        victim = op.economy.someone(with_at_least=amount * 2, tries=20)
        if victim is not None:
            op.world.pay(victim, [(wallet, key, amount)])
        yield op.pause(2)
    yield from op.peel(wallet, op.rng.randint(10, 30))
    op.cash_out(wallet)


def sanctioned(op: Operation) -> Campaign:
    """A sanctioned exchange and its counterparties: ordinary users deposit and withdraw there (OFAC's
    designations list such services' addresses)."""
    hot = op.wallet("sanctioned_hot")
    hot.reuse = 0.95
    hot.home = op.world.key(hot, tag=True)
    deposit_keys: dict[Wallet, Key] = {}
    for _ in range(op.rng.randint(4, 10)):
        for _ in range(op.rng.randint(3, 10)):
            amount = op.amount(100, 10_000)
            customer = op.economy.someone(with_at_least=amount * 2)
            if customer is None:
                continue
            if customer not in deposit_keys:
                deposit_keys[customer] = op.world.key(hot, "sanctioned_deposit")
            op.world.pay(customer, [(hot, deposit_keys[customer], amount)])
        yield 1
        payouts = []
        for _ in range(op.rng.randint(2, 8)):
            customer = op.economy.customer()
            payouts.append((customer, op.world.receiving_key(customer), op.amount(100, 5_000)))
        if sum(value for _, _, value in payouts) < hot.balance * 0.7:
            op.world.pay(hot, payouts, change_to=hot.home)
        yield op.pause(2)


def exchange_hack(op: Operation) -> Campaign:
    """A hot wallet drained in one transaction, fanned out to many addresses, dispersed over a few hops,
    partly mixed and partly cashed out at other exchanges."""
    victim = op.rng.choice(op.economy.exchanges)
    coins = sorted(victim.hot.coins, key=lambda coin: -coin[1])[:12]
    stolen = sum(coin[1] for coin in coins) * 9 // 10
    if stolen < 5 * COIN:
        return
    thief = op.wallet("hacker")
    op.world.pay(victim.hot, [(thief, op.world.key(thief, tag=True), stolen)], coins=coins, change_to=victim.hot.home)
    yield op.pause(2)
    spread = [op.wallet("dispersal") for _ in range(op.rng.randint(10, 30))]
    share = thief.balance // (len(spread) + 1)
    op.world.pay(thief, [(w, op.world.key(w), share) for w in spread])
    for wallet in spread:
        yield op.pause(2)
        for _ in range(op.rng.randint(1, 3)):
            op.world.sweep(wallet, wallet, op.world.key(wallet))
        if op.rng.random() < 0.3 and coinjoin.register_wasabi(op.world, op.economy.coordinators, wallet):
            continue
        op.cash_out(wallet)


TYPOLOGIES = {
    "ransomware": ransomware,
    "darknet_market": darknet_market,
    "scam": scam,
    "peel_chain": peel_chain,
    "sanctioned": sanctioned,
    "exchange_hack": exchange_hack,
}
