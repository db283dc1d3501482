"""Heights for every block a source holds, and the height-range partitions they fall in.

The incremental path takes a segment's height from the graph; the store has no graph, so a
segment is placed by its parent (the null hash: genesis at 0; the genesis block: 1), by the height
its source states (JSON files, a node), or by the first block's BIP34 coinbase height.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from chain.chainplan import Segment, plan_chain
from chain.errors import ChainOrderError
from chain.networks import NULL_HASH, Network
from chain.sources import Entry


@dataclass(frozen=True)
class Placed:
    entry: Entry
    height: int


@dataclass
class StorePlan:
    partitions: dict[int, list[Placed]]  # partition number → its blocks, in height order
    orphans: int
    duplicates: int

    @property
    def blocks(self) -> int:
        return sum(len(blocks) for blocks in self.partitions.values())


def store_plan(entries: Sequence[Entry], *, network: Network, partition_blocks: int) -> StorePlan:
    """Raises ChainOrderError for a segment that cannot be placed."""
    chain = plan_chain(entries)
    placed: dict[int, Placed] = {}
    orphans = len(chain.orphans)
    # Longest first: a segment that claims a height another holds is a stale branch whose parent the source
    # lacks; it is left out whole and counted as orphaned, as ingest keeps out a rival at a height it holds.
    for segment in sorted(chain.segments, key=lambda segment: len(segment.blocks), reverse=True):
        base = _segment_base(segment, network)
        heights = range(base, base + len(segment.blocks))
        if any(height in placed for height in heights):
            orphans += len(segment.blocks)
            continue
        placed.update((height, Placed(entry, height)) for height, entry in zip(heights, segment.blocks, strict=True))
    partitions: dict[int, list[Placed]] = {}
    for height in sorted(placed):
        partitions.setdefault(height // partition_blocks, []).append(placed[height])
    return StorePlan(partitions, orphans=orphans, duplicates=chain.duplicates)


def _segment_base(segment: Segment, network: Network) -> int:
    if segment.parent_hash == NULL_HASH:
        return 0
    if segment.parent_hash == network.genesis_hash:
        return 1
    first = segment.blocks[0]
    stated = getattr(first, "height", None)
    if stated is None:
        stated = first.load(network).stated_height  # one block parsed here, to read its BIP34 height
    if stated is None:
        raise ChainOrderError(
            _where(first),
            f"cannot place block {first.hash}: its parent {segment.parent_hash} is not in the source and it "
            "states no height (pre-BIP34); build the store from the blocks before it too",
        )
    return stated


def _where(entry: Entry) -> str:
    return getattr(entry, "where", None) or getattr(entry, "path", "?")
