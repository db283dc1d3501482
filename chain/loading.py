"""Turn parsed blocks into the rows one graph write needs: resolve inputs, fees and address volumes.

Inputs name only the outpoint they spend. An outpoint is resolved, in order of
preference, from an earlier transaction in the same batch of blocks, from the graph's
outpoint index (earlier blocks), or from the prevout the source supplied (Core's
verbosity 3). What stays unknown is recorded as unresolved; the spend is
completed when the spent transaction's block is loaded (`completions`).

An unresolved input still names its spender when its own scripts do (`TxIn.derived`:
the key or script it reveals fixes the address it spends from; chain/scripts.py). Its
INPUT edge is written at once with the value unknown (null), so an address that only
spends is in the graph with its counterparties; the completion later sets that edge's
value instead of adding a second edge, and does not count the transaction again.
Clustering reads derived addresses like resolved ones: the key signs, so they are as
certain as the spent output's address (docs/clustering.md).

Two early mainnet blocks (91,842 and 91,880) repeat the coinbase transaction of
an earlier block byte for byte, which BIP30 later forbade. The graph keys
transactions by txid, so the repeat is named on its block (`repeated`) and not
written again: the first block keeps the transaction, and the address is not
credited twice (Core's UTXO set overwrote the first outputs with identical ones).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from chain.blocks import Block, Tx
from chain.clustering import TxClustering, analyse
from chain.clusters import groups_of, plan_clusters
from graph.chain import Membership, Prevout

Resolver = Callable[[list[tuple[str, int]]], dict[tuple[str, int], Prevout]]
PendingFinder = Callable[[list[str]], list[tuple[str, int, str, str | None]]]
MemberLookup = Callable[[list[str]], dict[str, Membership]]


@dataclass
class BlockLoad:
    """The rows of one write (a batch of blocks), and what a run reports about it."""

    payload: dict[str, Any]
    n_tx: int
    n_inputs: int
    unresolved: int
    completed: int
    edges: int


@dataclass
class _Volumes:
    script_type: str = ""
    received: int = 0
    sent: int = 0
    txids: set[str] = field(default_factory=set)


def batch_load(
    batch: list[tuple[Block, int]],
    *,
    resolve: Resolver,
    pending: PendingFinder,
    lookup: MemberLookup,
    min_change_confidence: float = 0.6,
) -> BlockLoad:
    """The rows for consecutive blocks written in one statement (whole blocks only, as for one block).

    Small blocks are batched to save round trips; each block keeps its own rows so heights and times
    stay exact, while clusters are planned once over the batch.
    """
    own: dict[tuple[str, int], Prevout] = {}
    for block, _ in batch:
        own.update(_own_outputs(block))
    coinbases = {(block.txs[0].txid, 0) for block, _ in batch if block.txs}
    spent = {(i.prev_txid, i.prev_n) for block, _ in batch for tx in block.txs for i in tx.inputs}
    found = resolve(sorted((spent - own.keys()) | coinbases))
    repeated = _repeated_coinbases(batch, found)
    txs = [tx for block, _ in batch for tx in block.txs if (block.hash, tx.txid) not in repeated]
    prevouts = {
        tx.txid: [
            own.get((i.prev_txid, i.prev_n)) or found.get((i.prev_txid, i.prev_n)) or i.prevout for i in tx.inputs
        ]
        for tx in txs
    }
    members = lookup(_addresses(txs, prevouts))
    pending_by_prev = defaultdict(list)
    for spend in pending([tx.txid for tx in txs]):
        pending_by_prev[spend[0]].append(spend)
    state = _BatchState(seen=set(members), min_change_confidence=min_change_confidence)
    rows = [_block_rows(block, height, prevouts, pending_by_prev, state, repeated) for block, height in batch]
    first, last = batch[0], batch[-1]
    clusters = plan_clusters(
        state.groups, members, state.volume_pairs(), time=first[0].time, height=last[1], last_time=last[0].time
    )
    payload = {
        "hashes": [block.hash for block, _ in batch],
        "heights": [height for _, height in batch],
        "blocks": rows,
        "clusters": clusters.clusters,
        "joins": clusters.joins,
        "merges": clusters.merges,
    }
    edges = state.outputs + 2 * state.inputs + state.completed
    return BlockLoad(payload, len(txs), state.inputs, state.unresolved, state.completed, edges)


@dataclass
class _BatchState:
    seen: set[str]  # addresses seen before the transaction at hand: in the graph, or earlier in the batch
    min_change_confidence: float
    groups: list = field(default_factory=list)
    totals: dict[str, _Volumes] = field(default_factory=lambda: defaultdict(_Volumes))
    inputs: int = 0
    outputs: int = 0
    unresolved: int = 0
    completed: int = 0

    def volume_pairs(self) -> dict[str, tuple[int, int]]:
        return {address: (v.received, v.sent) for address, v in self.totals.items()}


def _repeated_coinbases(
    batch: list[tuple[Block, int]], in_graph: dict[tuple[str, int], Prevout]
) -> set[tuple[str, str]]:
    """(block hash, txid) of each coinbase already confirmed in the graph or earlier in the batch (BIP30)."""
    seen = {txid for txid, _ in in_graph}
    repeated = set()
    for block, _ in batch:
        if block.txs and block.txs[0].txid in seen:
            repeated.add((block.hash, block.txs[0].txid))
        seen.update(tx.txid for tx in block.txs[:1])
    return repeated


def _block_rows(
    block: Block, height: int, prevouts, pending_by_prev, state: _BatchState, repeated: set[tuple[str, str]]
) -> dict[str, Any]:
    volumes: dict[str, _Volumes] = defaultdict(_Volumes)
    tx_rows = []
    skipped = [tx.txid for tx in block.txs if (block.hash, tx.txid) in repeated]
    for tx in block.txs:
        if tx.txid in skipped:
            continue
        spent = prevouts[tx.txid]
        unresolved = sum(prevout is None for prevout in spent)
        analysis = analyse(tx, _named(tx, spent), state.seen.__contains__)
        state.groups.extend(groups_of(tx.txid, analysis, state.min_change_confidence))
        row = _tx_row(tx, spent, unresolved, analysis)
        row["inputs"] = list(_input_rows(tx, spent, volumes))  # outputs are written from the out_* lists
        state.inputs += len(row["inputs"])
        state.outputs += _count_outputs(tx, volumes)
        state.unresolved += unresolved
        state.seen.update(out.address for out in tx.outputs if out.address)
        tx_rows.append(row)
    spends = [spend for tx in block.txs if tx.txid not in skipped for spend in pending_by_prev.get(tx.txid, [])]
    completions = _completions(block, spends, volumes)
    state.completed += len(completions)
    for address, v in volumes.items():
        total = state.totals[address]
        total.received += v.received
        total.sent += v.sent
    return {
        "block": {
            "hash": block.hash,
            "height": height,
            "prev_hash": block.prev_hash,
            "time": block.time,
            "n_tx": len(block.txs),
            "repeated": skipped or None,
        },
        "txs": tx_rows,
        "addresses": _address_rows(volumes, block.time, height),
        "completions": completions,
    }


def lone_tx_row(tx: Tx, *, resolve: Resolver) -> dict[str, Any]:
    """The row for a transaction outside any block: resolved inputs and fee, no clustering."""
    found = resolve(sorted({(i.prev_txid, i.prev_n) for i in tx.inputs}))
    prevouts = [found.get((i.prev_txid, i.prev_n)) or i.prevout for i in tx.inputs]
    row = _tx_row(tx, prevouts, sum(p is None for p in prevouts), TxClustering(None, (), False, None))
    row["inputs"] = list(_input_rows(tx, prevouts, defaultdict(_Volumes)))
    return row


def _own_outputs(block: Block) -> dict[tuple[str, int], Prevout]:
    """Outputs of this block's transactions, which later transactions in the block may spend."""
    return {
        (tx.txid, out.n): Prevout(out.address, out.value, out.script_type) for tx in block.txs for out in tx.outputs
    }


def _addresses(txs: list[Tx], prevouts: dict[str, list[Prevout | None]]) -> list[str]:
    found = {out.address for tx in txs for out in tx.outputs if out.address}
    found.update(p.address for tx in txs for p in _named(tx, prevouts[tx.txid]) if p is not None and p.address)
    return sorted(found)


def _named(tx: Tx, prevouts: list[Prevout | None]) -> list[Prevout | None]:
    """Each input's spent output, or what the input's own scripts say of it: its address and type, the value
    unknown (0 here; the heuristics read no input value, and neither may anything given this list)."""
    return [
        prevout or (Prevout(txin.derived[1], 0, txin.derived[0]) if txin.derived else None)
        for txin, prevout in zip(tx.inputs, prevouts, strict=True)
    ]


def _tx_row(tx: Tx, prevouts: list[Prevout | None], unresolved: int, analysis: TxClustering) -> dict[str, Any]:
    in_value = sum(prevout.value for prevout in prevouts if prevout is not None)
    change = analysis.change
    return {
        "txid": tx.txid,
        "coinbase": tx.coinbase,
        "n_in": len(tx.inputs),
        "n_out": len(tx.outputs),
        "value": tx.value,
        "in_value": in_value,
        "unresolved": unresolved,
        "fee": None if tx.coinbase or unresolved else in_value - tx.value,
        "size": tx.size,
        "out_value": [out.value for out in tx.outputs],
        "out_address": [out.address or "" for out in tx.outputs],
        "out_type": [out.script_type for out in tx.outputs],
        "coinjoin": analysis.coinjoin,
        "multi_input": analysis.multi_input,
        "change_n": change.n if change else None,
        "change_heuristics": list(change.heuristics) if change else None,
        "change_confidence": change.confidence if change else None,
    }


def _input_rows(tx: Tx, prevouts: list[Prevout | None], volumes: dict[str, _Volumes]) -> Iterable[dict[str, Any]]:
    for txin, prevout in zip(tx.inputs, prevouts, strict=True):
        script_type, address = (prevout.script_type, prevout.address) if prevout else (txin.derived or (None, None))
        if address:
            _count(volumes, address, script_type, tx.txid, sent=prevout.value if prevout else 0)
        yield {
            "prev_txid": txin.prev_txid,
            "prev_n": txin.prev_n,
            "address": address,
            "value": prevout.value if prevout else None,
        }


def _count_outputs(tx: Tx, volumes: dict[str, _Volumes]) -> int:
    paid = [out for out in tx.outputs if out.address]
    for out in paid:
        _count(volumes, out.address, out.script_type, tx.txid, received=out.value)
    return len(paid)


def _completions(
    block: Block, pending: list[tuple[str, int, str, str | None]], volumes: dict[str, _Volumes]
) -> list[dict]:
    """Spends of this block's outputs that were loaded before this block (out-of-order input). A spend whose
    address was derived already counted its transaction for that address: only the value is new."""
    outputs = {tx.txid: tx.outputs for tx in block.txs}
    rows = []
    for prev_txid, prev_n, spender, derived in pending:
        if prev_n >= len(outputs[prev_txid]):
            continue  # spends an output that does not exist: the spender is invalid, leave it unresolved
        out = outputs[prev_txid][prev_n]
        if out.address:
            counted = derived == out.address
            _count(volumes, out.address, out.script_type, None if counted else spender, sent=out.value)
        rows.append({"txid": spender, "outpoint": f"{prev_txid}:{prev_n}", "address": out.address, "value": out.value})
    return rows


def _count(
    volumes: dict[str, _Volumes], address: str, script_type: str, txid: str | None, *, received=0, sent=0
) -> None:
    """Add to an address's figures; `txid` None when the transaction was already counted for it."""
    entry = volumes[address]
    entry.script_type = entry.script_type or script_type
    entry.received += received
    entry.sent += sent
    if txid is not None:
        entry.txids.add(txid)


def _address_rows(volumes: dict[str, _Volumes], time: int, height: int) -> list[dict[str, Any]]:
    return [
        {
            "address": address,
            "script_type": v.script_type,
            "received": v.received,
            "sent": v.sent,
            "n_tx": len(v.txids),
            "time": time,
            "height": height,
        }
        for address, v in volumes.items()
    ]
