"""Checking the whole audit log: every leaf against its event, every signed head against the leaves.

An edited event no longer hashes to its leaf; an edited leaf no longer gives the roots that were
signed; a deleted event leaves a gap in the leaf indexes or a signed head longer than the log; a
reordering changes the events' indexes, which are inside their hashes. Heads published elsewhere
(`--published`) are checked too, with a consistency proof from each to the latest head, so even a
forger holding the signing key cannot rewrite what was published. A tail cut off with its heads is
consistent in itself: the head kept apart in Redis (kept_head.py) names it without outside help.
"""

from dataclasses import dataclass, field

from investigations.audit import merkle, signing
from investigations.audit.kept_head import KeptHeadUnavailable, kept_head_read
from investigations.audit.log import canonical, head_dict
from investigations.models import AuditEvent, TreeHead


@dataclass
class Verification:
    events: int = 0
    heads: int = 0
    root: str = merkle.EMPTY_ROOT.hex()
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be checked: no failure, but said
    checked_published: int = 0
    kept_seq: int | None = None

    @property
    def intact(self) -> bool:
        return not self.problems


def audit_log_verify(*, published: list[dict] = ()) -> Verification:
    result = Verification()
    public = signing.public_key_bytes()
    heads = TreeHead.objects.order_by("size").iterator(chunk_size=10_000)
    head = next(heads, None)
    kept = _kept_head(result)
    kept_root, last = None, -1
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
        last = event.seq
        if kept is not None and kept["seq"] == last:
            kept_root = root
        while head is not None and head.size <= len(leaves):
            _check_head(head, root if head.size == len(leaves) else None, public, result)
            head = next(heads, None)
    for late in [head, *heads] if head is not None else []:
        result.heads += 1
        result.problems.append(
            f"a signed head covers {late.size} events but the log holds {len(leaves)}: events were deleted"
        )
    result.events, result.root = len(leaves), merkle.frontier_root(frontier).hex()
    if kept is not None:
        _check_kept(kept, kept_root, last, result)
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


def _kept_head(result: Verification) -> dict | None:
    """The head kept apart for this log, or None (with a note saying why) when there is none to check."""
    genesis = AuditEvent.objects.filter(seq=0).values_list("leaf_hash", flat=True).first()
    if genesis is None:
        return None  # an empty log, or one without its first event (a problem the loop names)
    try:
        kept = kept_head_read(genesis)
    except KeptHeadUnavailable as error:
        result.notes.append(
            f"the head kept apart could not be read ({error}): a cut-off tail shows only with --published"
        )
        return None
    if kept is None:
        result.notes.append("no head was kept apart for this log: a cut-off tail shows only with --published")
    return kept


def _check_kept(kept: dict, root: bytes | None, last: int, result: Verification) -> None:
    """The log's end (its last event's seq) against the head kept apart: a shorter log lost its tail,
    another root its history."""
    seq = kept["seq"]
    result.kept_seq = seq
    if seq > last:
        missing = f"event {seq} is" if seq == last + 1 else f"events {last + 1}..{seq} are"
        result.problems.append(f"the log ends at seq {last} but the head kept apart is seq {seq}: {missing} missing")
    elif root is None or root.hex() != kept["root"]:
        result.problems.append(
            f"the first {seq + 1} events no longer give the root kept apart at seq {seq}: history rewritten"
        )


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
