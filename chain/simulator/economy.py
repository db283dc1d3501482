"""The licit economy: mining pools, exchanges, merchants and payment processors, individuals, CoinJoins.

Behaviours follow what the forensic literature measures on the real chain:
exchanges give each customer a deposit address, sweep deposits into a reused
hot wallet, pay withdrawals in batches and keep most funds cold (Meiklejohn et
al. 2013; Chainalysis Reactor's exchange heuristics); individuals' wallets each
use one script type and mostly send change to a fresh address, some reuse
(Kappos et al. 2022); payment processors give each invoice its own address and
settle to merchants in batches.
"""

import random
from dataclasses import dataclass, field

from chain.simulator import coinjoin
from chain.simulator.keys import Key
from chain.simulator.wallets import Actor, Wallet
from chain.simulator.world import COIN, World

# Script types of new wallets (the 2024 mix of outputs, rounded: mostly segwit, taproot rising).
WALLET_MIX = {"p2wpkh": 0.5, "p2sh-p2wpkh": 0.15, "p2pkh": 0.2, "p2tr": 0.15}
BTC_USD = 40_000


def usd(rng: random.Random, low: float, high: float) -> int:
    """A price in dollars (log-uniform) in satoshis: fiat-round amounts are not round in bitcoin."""
    dollars = low * (high / low) ** rng.random()
    return int(round(dollars, 2) * COIN / BTC_USD)


@dataclass(eq=False)
class Exchange:
    actor: Actor
    hot: Wallet
    cold: Wallet
    deposits: Wallet
    deposit_keys: dict[Wallet, Key] = field(default_factory=dict)  # by customer (wallets hash by identity)
    withdrawals: list[tuple[Wallet, Key, int]] = field(default_factory=list)


@dataclass(eq=False)
class Merchant:
    wallet: Wallet
    processor: Wallet | None
    exchange: Exchange


class Economy:
    """Everyone who is not a criminal, and what they do in a block."""

    def __init__(self, world: World, *, population: int) -> None:
        self.world, self.rng, self.population = world, world.rng, population
        self.individuals: list[Wallet] = []
        self.pools = [self._wallet(f"pool-{i}", "mining_pool", "coinbase", ("p2wpkh",), reuse=1.0) for i in range(3)]
        self.pool_keys = [world.key(pool, tag=True) for pool in self.pools]
        self.exchanges = [self._exchange(i) for i in range(4)]
        self.processors = [
            self._wallet(f"processor-{i}", "payment_processor", "invoice", ("p2wpkh",)) for i in range(2)
        ]
        self.merchants = [self._merchant(i) for i in range(12)]
        self.coordinators = coinjoin.Coordinators.create()
        for _ in range(min(20, population)):
            self.new_individual()

    # --- the cast --------------------------------------------------------------------------

    def _wallet(self, actor_id: str, category: str, role: str, kinds: tuple[str, ...], reuse: float = 0.0) -> Wallet:
        return Wallet(Actor(actor_id, category), role, kinds, reuse)

    def _exchange(self, i: int) -> Exchange:
        actor = Actor(f"exchange-{i}", "exchange")
        hot = Wallet(actor, "hot_wallet", ("p2wpkh",), reuse=0.95)
        cold = Wallet(actor, "cold_wallet", ("p2sh-p2wpkh",), reuse=0.9)
        hot.home = self.world.key(hot, tag=True)
        cold.home = self.world.key(cold, tag=True)
        return Exchange(actor, hot, cold, Wallet(actor, "deposit", ("p2wpkh",)))

    def _merchant(self, i: int) -> Merchant:
        wallet = self._wallet(f"merchant-{i}", "merchant", "invoice", ("p2wpkh",))
        processor = self.processors[i % 2] if i % 3 else None
        return Merchant(wallet, processor, self.exchanges[i % len(self.exchanges)])

    def new_individual(self) -> Wallet:
        kinds = (self.rng.choices(list(WALLET_MIX), list(WALLET_MIX.values()))[0],)
        reuse = 0.6 if self.rng.random() < 0.15 else 0.0
        wallet = self._wallet(f"individual-{len(self.individuals)}", "individual", "wallet", kinds, reuse)
        self.individuals.append(wallet)
        return wallet

    def someone(self, *, with_at_least: int = 0, tries: int = 6) -> Wallet | None:
        """A random individual holding at least `with_at_least` (a few tries, then None)."""
        for _ in range(tries):
            wallet = self.rng.choice(self.individuals)
            if wallet.balance >= max(with_at_least, 1):
                return wallet
        return None

    def customer(self) -> Wallet:
        """An existing individual, or a new one while the population is still growing."""
        if len(self.individuals) < self.population and self.rng.random() < 0.3:
            return self.new_individual()
        return self.rng.choice(self.individuals)

    def deposit_key(self, exchange: Exchange, customer: Wallet) -> Key:
        """The one deposit address an exchange gives each customer, reused for every deposit."""
        key = exchange.deposit_keys.get(customer)
        if key is None:
            key = exchange.deposit_keys[customer] = self.world.key(exchange.deposits, tag=True)
        return key

    # --- each block ------------------------------------------------------------------------

    def begin_block(self) -> None:
        """The businesses' routine, sized to what came in, so no queue or pile of coins grows without end."""
        height = self.world.height
        for i, pool in enumerate(self.pools):
            if pool.balance > 20 * COIN and (height + i) % 3 == 0:
                self._pool_payout(pool)
        for exchange in self.exchanges:
            self._sweep(exchange.deposits, exchange.hot, exchange.hot.home)
            self._pay_withdrawals(exchange)
            self._balance_cold(exchange)
        for processor in self.processors:
            if processor.home is None:
                processor.home = self.world.key(processor, "settlement")
            self._sweep(processor, processor, processor.home, keep=processor.home)
        if height % 4 == 0:
            for merchant in self.merchants:
                self._settle(merchant)
        coinjoin.run_rounds(self.world, self.coordinators, wasabi2=len(self.individuals) >= 300)

    def _sweep(self, source: Wallet, target: Wallet, key: Key, *, keep: Key | None = None) -> None:
        """Consolidate `source`'s coins into `key`, up to 200 inputs a transaction (`keep`: already swept)."""
        coins = [coin for coin in source.coins if coin[2] is not keep]
        for start in range(0, len(coins), 200):
            self.world.sweep(source, target, key, coins=coins[start : start + 200])

    def miner(self) -> tuple[Wallet, Key]:
        i = self.rng.randrange(len(self.pools))
        return self.pools[i], self.pool_keys[i]

    def activity(self) -> None:
        """One ordinary transaction, or a withdrawal request that a later batch pays."""
        roll = self.rng.random()
        if roll < 0.32:
            done = self._shop()
        elif roll < 0.56:
            done = self._pay_friend()
        elif roll < 0.74:
            done = self._deposit()
        elif roll < 0.80:
            done = self._consolidate()
        elif roll < 0.82:
            done = self._mix()
        else:
            done = False
        if not done:  # and while few hold coins (early on), people buy bitcoin at exchanges
            self._request_withdrawal()

    # --- what individuals do ---------------------------------------------------------------

    def _shop(self) -> bool:
        price = usd(self.rng, 5, 800)
        buyer = self.someone(with_at_least=price * 2)
        if buyer is None:
            return False
        merchant = self.rng.choice(self.merchants)
        receiver = merchant.processor or merchant.wallet
        return self.world.pay(buyer, [(receiver, self.world.key(receiver, "invoice"), price)])

    def _pay_friend(self) -> bool:
        payer = self.someone(with_at_least=200_000)
        if payer is None:
            return False
        friend = self.customer()
        if self.rng.random() < 0.3:  # a round amount in bitcoin, as people do between themselves
            amount = self.rng.choice((100_000, 500_000, 1_000_000, 2_000_000, 5_000_000))
        else:
            amount = int(payer.balance * self.rng.uniform(0.05, 0.6))
        if amount >= payer.balance:
            return False
        return self.world.pay(payer, [(friend, self.world.receiving_key(friend), amount)])

    def _deposit(self) -> bool:
        payer = self.someone(with_at_least=300_000)
        if payer is None:
            return False
        exchange = self.rng.choice(self.exchanges)
        amount = int(payer.balance * self.rng.uniform(0.2, 0.9))
        return self.world.pay(payer, [(exchange.deposits, self.deposit_key(exchange, payer), amount)])

    def _consolidate(self) -> bool:
        wallet = self.rng.choice(self.individuals)
        if len(wallet.coins) < 4:
            return False
        return self.world.sweep(wallet, wallet, self.world.key(wallet, "consolidation"), coins=wallet.coins[:20])

    def _mix(self) -> bool:
        wallet = self.someone(with_at_least=12_000_000)
        if wallet is None:
            return False
        if self.rng.random() < 0.5:
            return coinjoin.register_whirlpool(self.world, self.coordinators, wallet)
        return coinjoin.register_wasabi(self.world, self.coordinators, wallet)

    def _request_withdrawal(self) -> None:
        exchange = self.rng.choice(self.exchanges)
        if len(exchange.withdrawals) >= 2_000:
            return  # customers stop asking an exchange that does not pay
        # Bounded by what the exchange holds, as customers can only take out what their accounts hold.
        amount = min(usd(self.rng, 50, 20_000), (exchange.hot.balance + exchange.cold.balance) // 100)
        if amount > 10_000:
            customer = self.customer()
            exchange.withdrawals.append((customer, self.world.receiving_key(customer), amount))

    # --- what businesses do ----------------------------------------------------------------

    def _pool_payout(self, pool: Wallet) -> None:
        """Miners' shares: a batch to many individuals and to the exchanges where miners sell."""
        budget = pool.balance * 8 // 10
        payees = [self.customer() for _ in range(self.rng.randint(8, 30))]
        share = budget // (len(payees) + len(self.exchanges))
        if share < 100_000:
            return
        payments = [(p, self.world.receiving_key(p), share) for p in payees]
        payments += [(e.deposits, self.deposit_key(e, pool), share) for e in self.exchanges]
        self.world.pay(pool, payments, change_to=pool.home)

    def _pay_withdrawals(self, exchange: Exchange) -> None:
        """Batches of up to 100 requests while the hot wallet can pay; what it cannot pay waits."""
        waiting, exchange.withdrawals = exchange.withdrawals, []
        budget = exchange.hot.balance - 1_000_000
        batch: list[tuple[Wallet, Key, int]] = []
        for request in waiting:
            if request[2] > budget:
                exchange.withdrawals.append(request)
                continue
            batch.append(request)
            budget -= request[2]
            if len(batch) == 100:
                self._pay_batch(exchange, batch)
                batch = []
        if batch:
            self._pay_batch(exchange, batch)

    def _pay_batch(self, exchange: Exchange, batch: list[tuple[Wallet, Key, int]]) -> None:
        if not self.world.pay(exchange.hot, batch, change_to=exchange.hot.home):
            exchange.withdrawals.extend(batch)

    def _balance_cold(self, exchange: Exchange) -> None:
        """Keep about a fifth of the funds hot: excess goes cold, a shortfall is topped up from cold."""
        hot, cold = exchange.hot, exchange.cold
        total = hot.balance + cold.balance
        if hot.balance > total * 0.4 and hot.balance > 50 * COIN:
            self.world.pay(hot, [(cold, cold.home, hot.balance // 2)], change_to=hot.home)
        elif hot.balance < total * 0.1 and cold.balance > 10 * COIN:
            self.world.pay(cold, [(hot, hot.home, cold.balance // 4)], change_to=cold.home)

    def _settle(self, merchant: Merchant) -> None:
        """A processor pays the merchant's takings to its exchange account; a merchant alone sweeps there."""
        exchange = merchant.exchange
        key = self.deposit_key(exchange, merchant.wallet)
        if merchant.processor is None:
            self._sweep(merchant.wallet, exchange.deposits, key)
        elif merchant.processor.balance > 1_000_000:
            share = merchant.processor.balance // 3 // sum(m.processor is merchant.processor for m in self.merchants)
            self.world.pay(merchant.processor, [(exchange.deposits, key, share)], change_to=merchant.processor.home)
