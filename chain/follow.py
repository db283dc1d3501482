"""Ingest from a Bitcoin Core node: a height range, or follow the tip as blocks arrive.

Following can take the node's mempool too (chain/mempool.py): new transactions are written as loose ones
at each poll. Following survives node restarts (it waits and asks again) and reorganisations:
when the node's block at our tip height is not ours, it walks back to the fork,
rolls our orphaned blocks back (chain/reorg.py: volumes, clusters and, through screening, anomaly
statistics), and ingests the node's chain.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from chain.errors import ChainDataError
from chain.ingest import IngestOptions, Tally, ingest_entries
from chain.mempool import MempoolWatch, mempool_poll
from chain.networks import Network
from chain.reorg import block_rollback
from chain.rpc import CoreRPC, NodeUnreachable
from chain.sources import rpc_entries
from graph import chain as chain_graph
from graph.store import GraphStore

log = logging.getLogger(__name__)


@dataclass
class NodeSource:
    url: str  # may carry user:password; never stored
    cookie_file: str | None = None
    first: int | None = None  # default: the block after our tip (or genesis)
    last: int | None = None  # default: the node's tip
    follow: bool = False
    mempool: bool = False  # while following, write the mempool's transactions as they arrive
    poll_seconds: float = 5.0
    batch: int = 100  # blocks asked for at a time, so progress shows early on a long range


def ingest_from_node(
    source: NodeSource,
    *,
    store: GraphStore,
    network: Network,
    tally: Tally,
    options: IngestOptions,
    keep_going: Callable[[], bool] = lambda: True,
) -> Tally:
    rpc = CoreRPC(source.url, cookie_file=source.cookie_file)
    _check_network(rpc, network)
    next_height = source.first if source.first is not None else _after_tip(store)
    watch = MempoolWatch()
    while True:
        try:
            next_height = _catch_up(rpc, source, next_height, store, network, tally, options)
            if source.follow and source.mempool:
                mempool_poll(rpc, watch, store=store, network=network, tally=tally, on_loose=options.on_loose)
        except NodeUnreachable as error:
            if not source.follow:
                raise
            log.warning("%s; trying again in %.0fs", error, source.poll_seconds)
        if not source.follow or not keep_going():
            return tally
        time.sleep(source.poll_seconds)


def _catch_up(rpc, source, next_height, store, network, tally, options) -> int:
    next_height = _undo_reorg(rpc, store, next_height, tally, options.min_change_confidence)
    last = source.last if source.last is not None else rpc.tip_height()
    while next_height <= last:
        upto = min(last, next_height + source.batch - 1)
        ingest_entries(
            rpc_entries(rpc, source.url, source.cookie_file, next_height, upto),
            store=store,
            network=network,
            tally=tally,
            options=options,
        )
        next_height = upto + 1
    return next_height


def _undo_reorg(rpc: CoreRPC, store: GraphStore, next_height: int, tally: Tally, min_change_confidence: float) -> int:
    """Roll back our blocks the node no longer has, newest first (their clusters recomputed, chain/reorg.py);
    returns the height to ingest next."""
    height = next_height - 1
    while height >= 0:
        ours = chain_graph.block_at_height(store, height)
        if ours is None or ours == rpc.block_hash(height):
            break
        log.warning(
            "reorganisation: our block %s at height %s is not on the node's chain; rolling it back", ours, height
        )
        block_rollback(store, ours, min_change_confidence=min_change_confidence)
        tally.blocks_rolled_back += 1
        height -= 1
    return height + 1


def _after_tip(store: GraphStore) -> int:
    tip = chain_graph.chain_tip(store)
    return tip[1] + 1 if tip else 0


def _check_network(rpc: CoreRPC, network: Network) -> None:
    node_network = rpc.network_name()
    if node_network != network.name:
        raise ChainDataError(rpc.where, f"the node is on {node_network}, but this run is for {network.name}")
