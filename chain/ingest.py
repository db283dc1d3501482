"""The ingest pipeline: order the blocks, parse them (in parallel), load each into the graph whole.

Framework-free: the service in chain/services.py wraps it with an IngestRun row.
Each block is one graph statement (graph/chain.py), so a crash at any moment
leaves whole blocks only, and a re-run skips what is there: a restart after
`kill -9` ends with the same graph as an uninterrupted run.
"""

import functools
import logging
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

from chain.blocks import Block
from chain.chainplan import Segment, plan_chain
from chain.errors import ChainDataError, ChainOrderError
from chain.loading import batch_load
from chain.networks import NULL_HASH, Network
from chain.rpc import NodeError, NodeUnreachable
from chain.sources import Entry
from core.processes import die_with_parent
from graph import chain as chain_graph
from graph.store import GraphStore

log = logging.getLogger(__name__)


@dataclass
class Tally:
    blocks_total: int = 0
    blocks_done: int = 0
    blocks_present: int = 0
    blocks_orphaned: int = 0
    txs: int = 0
    inputs: int = 0
    unresolved_inputs: int = 0
    completed_inputs: int = 0
    edges: int = 0
    blocks_rolled_back: int = 0
    first_height: int | None = None
    last_height: int | None = None
    skipped: list[dict[str, str]] = field(default_factory=list)

    def skip(self, error: ChainDataError) -> None:
        self.skipped.append({"where": error.where, "error": error.message})

    def saw_height(self, height: int) -> None:
        self.first_height = height if self.first_height is None else min(self.first_height, height)
        self.last_height = height if self.last_height is None else max(self.last_height, height)


Progress = Callable[[Tally], None]
# After each write: the blocks now in the graph whole, and per block and address its figures (address,
# received, sent, n_tx, time), as written, and what clusters absorbed: (kind, ref, cluster) for each
# cluster merged into another and each address that joined one.
Written = Callable[[list[Block], list[dict], list[tuple[str, str, str]]], None]


@dataclass
class IngestOptions:
    skip_bad: bool = False
    workers: int = 1
    min_change_confidence: float = 0.6
    bip34_height: int = 0  # set from the network by ingest_entries
    batch_txs: int = 2_000  # small blocks are written together up to this many transactions...
    batch_blocks: int = 100  # ...or this many blocks
    on_block: Progress = lambda tally: None
    on_written: Written = lambda blocks, activity, absorbed: None
    on_loose: Callable[[list[str]], None] = lambda txids: None  # loose (mempool) transactions written


def ingest_entries(
    entries: Sequence[Entry], *, store: GraphStore, network: Network, tally: Tally, options: IngestOptions
) -> Tally:
    """Load `entries` in chain order; raises ChainDataError at a bad block unless `options.skip_bad`."""
    options.bip34_height = network.bip34_height
    plan = plan_chain(entries)
    tally.blocks_total += len(entries) - plan.duplicates
    tally.blocks_orphaned += len(plan.orphans)
    present = _present(store, [entry.hash for entry in entries])
    for segment in plan.segments:
        try:
            _ingest_segment(segment, present, store=store, network=network, tally=tally, options=options)
        except ChainOrderError as error:
            if not options.skip_bad:
                raise
            tally.skip(error)
    return tally


def _ingest_segment(segment: Segment, present: dict[str, int], *, store, network, tally, options) -> None:
    height = _height_after(segment.parent_hash, store, network)
    todo = [entry for entry in segment.blocks if entry.hash not in present]
    tally.blocks_present += len(segment.blocks) - len(todo)
    depth = {entry.hash: index for index, entry in enumerate(segment.blocks)}
    if height is None:  # a block of the segment already in the graph fixes the count
        height = next((present[e.hash] - 1 - depth[e.hash] for e in segment.blocks if e.hash in present), None)
    batch = _Batch(store, tally, options)
    for entry, parsed in _parsed_in_order(todo, network, options.workers):
        try:
            if isinstance(parsed, ChainDataError):
                raise parsed
            if height is None:
                height = _base_from_stated(parsed, depth[entry.hash])
            batch.add(parsed, height + 1 + depth[entry.hash])
        except ChainOrderError:
            raise
        except ChainDataError as error:
            batch.flush()  # the good blocks before a bad one go in first
            if not options.skip_bad:
                raise
            tally.skip(error)
        options.on_block(tally)
    batch.flush()
    options.on_block(tally)


def _height_after(parent_hash: str, store: GraphStore, network: Network) -> int | None:
    """The height just below a segment: its parent's, when the graph or the genesis rule knows it."""
    if parent_hash == NULL_HASH:
        return -1
    if parent_hash == network.genesis_hash:
        return 0
    return chain_graph.existing_blocks(store, [parent_hash]).get(parent_hash)


def _base_from_stated(block: Block, depth: int) -> int:
    if block.stated_height is None:
        raise ChainOrderError(
            block.where,
            f"cannot place block {block.hash}: its parent {block.prev_hash} is not ingested and it states no "
            "height (pre-BIP34); ingest the blocks before it first",
        )
    return block.stated_height - 1 - depth


class _Batch:
    """Consecutive small blocks gathered into one write (fewer round trips, still whole blocks only)."""

    def __init__(self, store: GraphStore, tally: Tally, options: IngestOptions) -> None:
        self.store, self.tally, self.options = store, tally, options
        self.blocks: list[tuple[Block, int]] = []
        self.txs = 0

    def add(self, block: Block, height: int) -> None:
        # Before activation a version-2 coinbase may push any number; from it on, it must be the height.
        stated = block.stated_height
        if stated is not None and height >= self.options.bip34_height and stated != height:
            raise ChainDataError(block.where, f"block states height {stated} but its chain puts it at {height}")
        self.blocks.append((block, height))
        self.txs += len(block.txs)
        if self.txs >= self.options.batch_txs or len(self.blocks) >= self.options.batch_blocks:
            self.flush()

    def flush(self) -> None:
        blocks, self.blocks, self.txs = self.blocks, [], 0
        if blocks and not self._write(blocks):
            for block, height in blocks:  # one of them was there (a concurrent run, a rival): one at a time
                if not self._write([(block, height)]):
                    _count_unwritten(block, height, self.store, self.tally)

    def _write(self, blocks: list[tuple[Block, int]]) -> bool:
        store = self.store
        load = batch_load(
            blocks,
            resolve=lambda outpoints: chain_graph.resolve_outpoints(store, outpoints),
            pending=lambda txids: chain_graph.pending_spends(store, txids),
            lookup=lambda addresses: chain_graph.memberships(store, addresses),
            min_change_confidence=self.options.min_change_confidence,
        )
        if not chain_graph.write_blocks(store, load.payload):
            return False
        tally = self.tally
        tally.blocks_done += len(blocks)
        tally.txs += load.n_tx
        tally.inputs += load.n_inputs
        tally.unresolved_inputs += load.unresolved
        tally.completed_inputs += load.completed
        tally.edges += load.edges
        for _, height in blocks:
            tally.saw_height(height)
        payload = load.payload
        absorbed = [("cluster", merge["from"], merge["to"]) for merge in payload["merges"]]
        absorbed += [("address", join["address"], join["cluster"]) for join in payload["joins"]]
        activity = [row for block in payload["blocks"] for row in block["addresses"]]
        self.options.on_written([block for block, _ in blocks], activity, absorbed)
        return True


def _count_unwritten(block: Block, height: int, store: GraphStore, tally: Tally) -> None:
    """Not written: the block was there already (a concurrent run), or a rival holds its height."""
    if chain_graph.existing_blocks(store, [block.hash]):
        tally.blocks_present += 1
        return
    log.warning(
        "%s: block %s lost to the block already at height %s; kept out as stale", block.where, block.hash, height
    )
    tally.blocks_orphaned += 1


def _present(store: GraphStore, hashes: list[str], chunk: int = 10_000) -> dict[str, int]:
    present: dict[str, int] = {}
    for start in range(0, len(hashes), chunk):
        present.update(chain_graph.existing_blocks(store, hashes[start : start + chunk]))
    return present


def _parse(entry: Entry, network: Network) -> Block | ChainDataError:
    """Bad data comes back as a value (it may be skipped); a node that fails raises (never skipped)."""
    try:
        return entry.load(network)
    except (NodeUnreachable, NodeError):
        raise
    except ChainDataError as error:
        return error


def _parsed_in_order(entries: list[Entry], network: Network, workers: int) -> Iterator[tuple[Entry, object]]:
    """Parse in worker processes, at most a small window ahead of the writer, yielding in order."""
    if workers <= 1 or len(entries) < 2:
        for entry in entries:
            yield entry, _parse(entry, network)
        return
    window = workers * 4
    context = multiprocessing.get_context("fork")
    # A parser dies with the ingest: after kill -9 of the command none runs on as an orphan.
    die = functools.partial(die_with_parent, os.getpid(), signal.SIGKILL)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=die) as pool:
        queue: deque[tuple[Entry, Future]] = deque()
        pending = iter(entries)
        for entry in pending:
            queue.append((entry, pool.submit(_parse, entry, network)))
            if len(queue) >= window:
                done_entry, future = queue.popleft()
                yield done_entry, future.result()
        while queue:
            done_entry, future = queue.popleft()
            yield done_entry, future.result()
