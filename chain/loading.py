"""Turn a parsed block into the rows one graph write needs: resolve inputs, fees and address volumes.

Inputs name only the outpoint they spend. An outpoint is resolved, in order of
preference, from an earlier transaction in the same block, from the graph's
outpoint index (earlier blocks), or from the prevout the source supplied (Core's
verbosity 3). What stays unknown is recorded as unresolved; the spend is
completed when the spent transaction's block is loaded (`completions`).
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
PendingFinder = Callable[[list[str]], list[tuple[str, int, str]]]
MemberLookup = Callable[[list[str]], dict[str, Membership]]


@dataclass
class BlockLoad:
    """The rows of one block's write, and what a run reports about it."""

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


def block_load(
    block: Block,
    height: int,
    *,
    resolve: Resolver,
    pending: PendingFinder,
    lookup: MemberLookup,
    min_change_confidence: float = 0.6,
) -> BlockLoad:
    own = _own_outputs(block)
    wanted = sorted({(i.prev_txid, i.prev_n) for tx in block.txs for i in tx.inputs if i.prev_txid not in own})
    found = resolve(wanted)
    all_prevouts = [
        [own.get((i.prev_txid, i.prev_n)) or found.get((i.prev_txid, i.prev_n)) or i.prevout for i in tx.inputs]
        for tx in block.txs
    ]
    members = lookup(_addresses(block, all_prevouts))
    seen = set(members)  # addresses seen before this transaction: in the graph, or earlier in this block
    volumes: dict[str, _Volumes] = defaultdict(_Volumes)
    tx_rows, groups = [], []
    unresolved_total = inputs_total = outputs_total = 0
    for tx, prevouts in zip(block.txs, all_prevouts, strict=True):
        unresolved = sum(prevout is None for prevout in prevouts)
        unresolved_total += unresolved
        analysis = analyse(tx, prevouts, seen.__contains__)
        groups.extend(groups_of(tx.txid, analysis, min_change_confidence))
        row = _tx_row(tx, prevouts, unresolved, analysis)
        row["inputs"] = list(_input_rows(tx, prevouts, volumes))  # outputs are written from the out_* lists
        inputs_total += len(row["inputs"])
        outputs_total += _count_outputs(tx, volumes)
        tx_rows.append(row)
        seen.update(out.address for out in tx.outputs if out.address)
    completions = _completions(block, pending([tx.txid for tx in block.txs]), volumes)
    volume_pairs = {address: (v.received, v.sent) for address, v in volumes.items()}
    clusters = plan_clusters(groups, members, volume_pairs, time=block.time, height=height)
    payload = {
        "block": {
            "hash": block.hash,
            "height": height,
            "prev_hash": block.prev_hash,
            "time": block.time,
            "n_tx": len(block.txs),
        },
        "txs": tx_rows,
        "addresses": _address_rows(volumes, block.time, height),
        "completions": completions,
        "clusters": clusters.clusters,
        "joins": clusters.joins,
        "merges": clusters.merges,
    }
    edges = outputs_total + 2 * inputs_total + len(completions)
    return BlockLoad(payload, len(block.txs), inputs_total, unresolved_total, len(completions), edges)


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


def _addresses(block: Block, all_prevouts: list[list[Prevout | None]]) -> list[str]:
    found = {out.address for tx in block.txs for out in tx.outputs if out.address}
    found.update(p.address for prevouts in all_prevouts for p in prevouts if p is not None and p.address)
    return sorted(found)


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
        address = prevout.address if prevout else None
        if address:
            _count(volumes, address, prevout.script_type, tx.txid, sent=prevout.value)
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


def _completions(block: Block, pending: list[tuple[str, int, str]], volumes: dict[str, _Volumes]) -> list[dict]:
    """Spends of this block's outputs that were loaded before this block (out-of-order input)."""
    outputs = {tx.txid: tx.outputs for tx in block.txs}
    rows = []
    for prev_txid, prev_n, spender in pending:
        if prev_n >= len(outputs[prev_txid]):
            continue  # spends an output that does not exist: the spender is invalid, leave it unresolved
        out = outputs[prev_txid][prev_n]
        if out.address:
            _count(volumes, out.address, out.script_type, spender, sent=out.value)
        rows.append({"txid": spender, "outpoint": f"{prev_txid}:{prev_n}", "address": out.address, "value": out.value})
    return rows


def _count(volumes: dict[str, _Volumes], address: str, script_type: str, txid: str, *, received=0, sent=0) -> None:
    entry = volumes[address]
    entry.script_type = entry.script_type or script_type
    entry.received += received
    entry.sent += sent
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
