"""Put blocks in chain order by following `prev_block` links.

Blocks in blk*.dat files arrive in download order, not chain order, and
include stale blocks that lost a race. Heights before BIP34 exist only as a
block's distance from genesis. So: group the blocks into segments (each starts
at a block whose parent is not among them), keep each segment's longest
branch as its chain, and call the rest orphans.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


class Linked(Protocol):
    hash: str
    prev_hash: str


@dataclass
class Segment:
    parent_hash: str  # the parent of the first block, outside the segment
    blocks: list  # in chain order


@dataclass
class ChainPlan:
    segments: list[Segment] = field(default_factory=list)
    orphans: list = field(default_factory=list)
    duplicates: int = 0


def plan_chain(entries: Sequence[Linked]) -> ChainPlan:
    plan = ChainPlan()
    by_hash: dict[str, Linked] = {}
    for entry in entries:
        if entry.hash in by_hash:
            plan.duplicates += 1
        else:
            by_hash[entry.hash] = entry
    children: dict[str, list[Linked]] = defaultdict(list)
    for entry in by_hash.values():
        children[entry.prev_hash].append(entry)
    depth = _subtree_depths(by_hash, children)
    for root in (entry for entry in by_hash.values() if entry.prev_hash not in by_hash):
        chain = _longest_branch(root, children, depth)
        plan.segments.append(Segment(parent_hash=root.prev_hash, blocks=chain))
    on_chain = {entry.hash for segment in plan.segments for entry in segment.blocks}
    plan.orphans = [entry for entry in by_hash.values() if entry.hash not in on_chain]
    return plan


def _subtree_depths(by_hash: dict[str, Linked], children: dict[str, list[Linked]]) -> dict[str, int]:
    """Blocks below each block, longest branch; iterative so a million-block chain needs no recursion."""
    depth: dict[str, int] = {}
    for start in by_hash.values():
        stack = [start]
        while stack:
            entry = stack[-1]
            pending = [child for child in children[entry.hash] if child.hash not in depth]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            depth[entry.hash] = 1 + max((depth[child.hash] for child in children[entry.hash]), default=0)
    return depth


def _longest_branch(root: Linked, children: dict[str, list[Linked]], depth: dict[str, int]) -> list[Linked]:
    chain = [root]
    while children[chain[-1].hash]:
        chain.append(max(children[chain[-1].hash], key=lambda child: depth[child.hash]))
    return chain
