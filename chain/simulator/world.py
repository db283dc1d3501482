"""The chain being made: blocks, valid transactions between wallets, and the ground truth as it happens.

Everything random comes from one `random.Random(seed)` and runs in a fixed
order, so a seed gives the same bytes. Each new address is written to the
ground truth as it is made, and each block to disk as it closes: memory holds
only live wallets and coins, whatever the size of the world.
"""

import random
from dataclasses import dataclass, field
from typing import Protocol

from chain import scripts
from chain.networks import Network
from chain.serialization import build_tx, coinbase_script, hash256, merkle_hash, serialize_block
from chain.simulator.keys import Key, KeyFactory
from chain.simulator.wallets import INPUT_VBYTES, OUTPUT_VBYTES, TX_OVERHEAD_VBYTES, Actor, Coin, Wallet, spend_data

COIN = 100_000_000
DUST = 1_000
HALVING_INTERVAL = 150  # regtest's (Bitcoin Core chainparams)
START_TIME = 1_704_067_200  # 2024-01-01 00:00 UTC
BLOCK_SECONDS = 600
WITNESS_RESERVED = bytes(32)


class Sink(Protocol):
    def block(self, raw: bytes) -> None: ...
    def address(self, key: Key, actor: Actor, role: str, height: int) -> None: ...
    def tag(self, key: Key, actor: Actor, role: str) -> None: ...


@dataclass
class _Tx:
    raw: bytes
    txid: bytes
    wtxid: bytes


@dataclass
class Tally:
    txs: int = 0
    illicit_txs: int = 0
    blocks: int = 0
    addresses: int = 0
    by_typology: dict[str, int] = field(default_factory=dict)


class World:
    def __init__(self, *, seed: int, network: Network, sink: Sink) -> None:
        self.rng = random.Random(seed)
        self.keys = KeyFactory(seed)
        self.sink = sink
        self.height = 1
        self.time = START_TIME
        self.tip = network.genesis_hash
        self.feerate = 5.0  # sat/vB, drifting block to block as mempools do
        self.tally = Tally()
        self._txs: list[_Tx] = []
        self._fees = 0

    # --- addresses -------------------------------------------------------------------------

    def key(self, wallet: Wallet, role: str | None = None, *, tag: bool = False) -> Key:
        """A new address of the wallet's kind, written to the ground truth; `tag`: one an investigator might learn."""
        key = self.keys.new(self._kind(wallet))
        self.sink.address(key, wallet.actor, role or wallet.role, self.height)
        self.tally.addresses += 1
        if tag:
            self.sink.tag(key, wallet.actor, role or wallet.role)
        return key

    def receiving_key(self, wallet: Wallet) -> Key:
        """Where a wallet asks to be paid: its usual address if it reuses, else a fresh one."""
        if wallet.home is not None and self.rng.random() < wallet.reuse:
            return wallet.home
        key = self.key(wallet)
        if wallet.home is None:
            wallet.home = key
        return key

    def _kind(self, wallet: Wallet) -> str:
        return wallet.kinds[0] if len(wallet.kinds) == 1 else self.rng.choice(wallet.kinds)

    # --- transactions ----------------------------------------------------------------------

    def pay(
        self,
        payer: Wallet,
        payments: list[tuple[Wallet, Key, int]],
        *,
        coins: list[Coin] | None = None,
        change_to: Key | None = None,
        fee_factor: float = 1.0,
    ) -> bool:
        """One transaction from `payer`'s coins to `payments`, change back to the payer. False if it cannot pay."""
        out_kinds = [key.kind for _, key, _ in payments]
        needed = sum(value for _, _, value in payments)
        coins = coins or payer.pick(needed + self._fee(3, out_kinds, fee_factor), self.rng)
        if not coins:
            return False
        fee = self._fee(len(coins), [*out_kinds, payer.kinds[0]], fee_factor, inputs=coins)
        change = sum(coin[1] for coin in coins) - needed - fee
        if change < 0:
            return False
        outputs = list(payments)
        if change > DUST:
            key = change_to or self._change_key(payer)
            outputs.insert(self.rng.randrange(len(outputs) + 1), (payer, key, change))
        self._commit(payer, coins, outputs, payer.actor)
        return True

    def sweep(self, source: Wallet, target: Wallet, key: Key, *, coins: list[Coin] | None = None) -> bool:
        """All (or the given) coins of `source` into one output: consolidation, sweeps, cash-outs."""
        coins = list(coins or source.coins)
        if not coins:
            return False
        value = sum(coin[1] for coin in coins) - self._fee(len(coins), [key.kind], 1.0, inputs=coins)
        if value <= DUST:
            return False
        self._commit(source, coins, [(target, key, value)], source.actor)
        return True

    def commit(self, spends: list[tuple[Wallet, list[Coin]]], outputs: list[tuple[Wallet, Key, int]]) -> None:
        """A transaction with inputs from several wallets (CoinJoins); values are the caller's to balance."""
        for wallet, coins in spends:
            wallet.take(coins)
        self._emit([coin for _, coins in spends for coin in coins], outputs, spends[0][0].actor)

    def fee_for(self, n_inputs: int, kinds: list[str]) -> int:
        return self._fee(n_inputs, kinds, 1.0)

    def _change_key(self, payer: Wallet) -> Key:
        if payer.home is not None and self.rng.random() < payer.reuse:
            return payer.home
        return self.key(payer, "change")

    def _fee(self, n_inputs: int, out_kinds: list[str], factor: float, *, inputs: list[Coin] | None = None) -> int:
        if inputs is not None:
            in_vbytes = sum(INPUT_VBYTES[coin[2].kind] for coin in inputs)
        else:
            in_vbytes = n_inputs * INPUT_VBYTES["p2wpkh"]
        vbytes = TX_OVERHEAD_VBYTES + in_vbytes + sum(OUTPUT_VBYTES[kind] for kind in out_kinds)
        return max(int(vbytes * self.feerate * factor), vbytes)  # at least 1 sat/vB, Core's relay floor

    def _commit(self, payer: Wallet, coins: list[Coin], outputs: list[tuple[Wallet, Key, int]], author: Actor) -> None:
        payer.take(coins)
        self._emit(coins, outputs, author)

    def _emit(self, coins: list[Coin], outputs: list[tuple[Wallet, Key, int]], author: Actor) -> None:
        inputs = [(coin[0], *spend_data(coin[2], coin[0])) for coin in coins]
        raw, txid = build_tx(inputs, [(value, key.script) for _, key, value in outputs], sequence=0xFFFFFFFD)
        fee = sum(coin[1] for coin in coins) - sum(value for _, _, value in outputs)
        if fee < 0 or any(value <= 0 for _, _, value in outputs):
            raise ValueError(f"a transaction by {author.id} would create value (fee {fee})")  # a simulator bug
        self._fees += fee
        for n, (wallet, key, value) in enumerate(outputs):
            wallet.add((txid + n.to_bytes(4, "little"), value, key))
        self._txs.append(_Tx(raw, txid, hash256(raw)))
        self.tally.txs += 1
        if author.illicit:
            self.tally.illicit_txs += 1
            self.tally.by_typology[author.typology] = self.tally.by_typology.get(author.typology, 0) + 1

    # --- blocks ----------------------------------------------------------------------------

    @property
    def block_size(self) -> int:
        return len(self._txs)

    def close_block(self, miner: Wallet, miner_key: Key) -> None:
        """The coinbase (subsidy + fees to the miner, BIP141 witness commitment), then the block to disk."""
        subsidy = 50 * COIN >> (self.height // HALVING_INTERVAL) if self.height // HALVING_INTERVAL < 64 else 0
        value = subsidy + self._fees
        coinbase = self._coinbase(value, miner_key)
        miner.add((coinbase.txid + bytes(4), value, miner_key))
        txs = [coinbase, *self._txs]
        self.time += max(1, int(self.rng.expovariate(1 / BLOCK_SECONDS)))
        raw = serialize_block([tx.raw for tx in txs], prev_hash=self.tip, time=self.time, txids=[tx.txid for tx in txs])
        self.tip = hash256(raw[:80])[::-1].hex()
        self.sink.block(raw)
        self.tally.txs += 1
        self.tally.blocks += 1
        self.height += 1
        self._txs, self._fees = [], 0
        self.feerate = min(200.0, max(1.0, self.feerate * self.rng.lognormvariate(0, 0.15)))

    def _coinbase(self, value: int, key: Key) -> _Tx:
        script_sig = coinbase_script(self.height)
        witness_root = merkle_hash([bytes(32), *(tx.wtxid for tx in self._txs)])
        commitment = scripts.op_return(b"\xaa\x21\xa9\xed" + hash256(witness_root + WITNESS_RESERVED))
        inputs = [(bytes(32) + b"\xff\xff\xff\xff", script_sig, (WITNESS_RESERVED,))]
        raw, txid = build_tx(inputs, [(value, key.script), (0, commitment)], sequence=0xFFFFFFFF)
        return _Tx(raw, txid, bytes(32))
