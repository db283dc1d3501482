"""Following a node's mempool: at each poll, the transactions that entered it since the last are written as
loose (unconfirmed) transactions and announced, so anomaly detection judges a burst before it is mined.
Their block, when it comes, confirms them (graph/chain.py).

Only transactions still listed are remembered, so memory follows the mempool's size. A transaction that
cannot be read is logged and skipped: one bad entry never stops the following.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from chain.blocks import parse_tx
from chain.errors import ChainDataError
from chain.ingest import Tally
from chain.loading import lone_tx_row
from chain.networks import Network
from chain.rpc import CoreRPC
from graph import chain as chain_graph
from graph.store import GraphStore

log = logging.getLogger(__name__)
MAX_PER_POLL = 5_000  # a node's first listing can hold 100,000: taken in steps, so blocks are never held up


@dataclass
class MempoolWatch:
    seen: set[str] = field(default_factory=set)


def mempool_poll(
    rpc: CoreRPC,
    watch: MempoolWatch,
    *,
    store: GraphStore,
    network: Network,
    tally: Tally,
    on_loose: Callable[[list[str]], None],
) -> list[str]:
    """Write the transactions new to the mempool since the last poll; returns the txids written."""
    listed = rpc.mempool_txids()
    arrived = [txid for txid in listed if txid not in watch.seen][:MAX_PER_POLL]
    watch.seen = (watch.seen & set(listed)) | set(arrived)
    written = [txid for txid in arrived if _write(rpc, txid, store=store, network=network, tally=tally)]
    if written:
        on_loose(written)
    return written


def _write(rpc: CoreRPC, txid: str, *, store: GraphStore, network: Network, tally: Tally) -> bool:
    where = f"{rpc.where} mempool transaction {txid}"
    raw = rpc.raw_transaction(txid)
    if raw is None:  # mined or evicted between the listing and now
        return False
    try:
        tx = parse_tx(raw, where=where, network=network)
    except ChainDataError as error:
        log.warning("%s; skipped", error)
        return False
    row = lone_tx_row(tx, resolve=lambda outpoints: chain_graph.resolve_outpoints(store, outpoints))
    if not chain_graph.write_unconfirmed(store, row):
        return False  # its block is in already
    tally.txs += 1
    tally.inputs += len(tx.inputs)
    tally.unresolved_inputs += row["unresolved"]
    return True
