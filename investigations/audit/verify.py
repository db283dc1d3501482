"""Checking the whole audit log: every leaf against its event, every signed head against the leaves.

An edited event no longer hashes to its leaf; an edited leaf no longer gives the roots that were
signed; a deleted event leaves a gap in the leaf indexes or a signed head longer than the log; a
reordering changes the events' indexes, which are inside their hashes. Heads published elsewhere
(`--published`) are checked too, with a consistency proof from each to the latest head, so even a
forger holding the signing key cannot rewrite what was published.
"""

from dataclasses import dataclass, field

from investigations.audit import merkle, signing
from investigations.audit.log import canonical, head_dict
from investigations.models import AuditEvent, TreeHead


@dataclass
class Verification:
    events: int = 0
    heads: int = 0
    root: str = merkle.EMPTY_ROOT.hex()
    problems: list[str] = field(default_factory=list)
    checked_published: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems


def audit_log_verify(*, published: list[dict] = ()) -> Verification:
    result = Verification()
    public = signing.public_key_bytes()
    heads = TreeHead.objects.order_by("size").iterator(chunk_size=10_000)
    head = next(heads, None)
    leaves, frontier = [], []
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=10_000):
        if event.seq != len(leaves):  # events come in index order, and indexes are unique: a gap
            result.problems.append(f"events #{len(leaves)} to #{event.seq - 1} are missing: deleted")
        leaf = merkle.leaf_hash(canonical(**_fields(event)))
        if leaf.hex() != event.leaf_hash:
            result.problems.append(f"event #{event.seq} was edited: its content no longer hashes to its leaf")
        frontier = merkle.frontier_append(frontier, len(leaves), leaf)
        leaves.append(leaf)
        root = merkle.frontier_root(frontier)
        while head is not None and head.size <= len(leaves):
            _check_head(head, root if head.size == len(leaves) else None, public, result)
            head = next(heads, None)
    for late in [head, *heads] if head is not None else []:
        result.heads += 1
        result.problems.append(
            f"a signed head covers {late.size} events but the log holds {len(leaves)}: events were deleted"
        )
    result.events, result.root = len(leaves), merkle.frontier_root(frontier).hex()
    for entry in published:
        _check_published(entry, leaves, public, result)
    return result


def _fields(event: AuditEvent) -> dict:
    return {
        "seq": event.seq,
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "target": event.target,
        "data": event.data,
    }


def _check_head(head: TreeHead, root: bytes | None, public: bytes, result: Verification) -> None:
    result.heads += 1
    entry = head_dict(head)
    if not signing.verify(public, head.size, bytes.fromhex(head.root), entry["at_ms"], head.signature):
        result.problems.append(f"the head of size {head.size} is not signed by this log's key")
    if root is None:
        result.problems.append(f"the head of size {head.size} has no matching position in the log")
    elif root.hex() != head.root:
        result.problems.append(f"the first {head.size} events no longer give the root signed at size {head.size}")


def _check_published(entry: dict, leaves: list[bytes], public: bytes, result: Verification) -> None:
    """The consistency proof a third party holding only the two heads would check."""
    size, root = int(entry["size"]), bytes.fromhex(entry["root"])
    result.checked_published += 1
    if not signing.verify(public, size, root, int(entry["at_ms"]), entry["signature"]):
        result.problems.append(f"published head of size {size}: the signature does not verify with this log's key")
        return
    if size > len(leaves):
        result.problems.append(f"published head of size {size}: the log holds only {len(leaves)} events")
        return
    proof = merkle.consistency_proof(size, leaves) if size else []
    if not merkle.verify_consistency(size, len(leaves), root, bytes.fromhex(result.root), proof):
        result.problems.append(f"published head of size {size}: the log is not an extension of it (history rewritten)")
