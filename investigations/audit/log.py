"""Appending to the audit log and reading proofs from it.

Every case action calls `audit_event_append` inside its own transaction, so the action and its event
commit together or not at all. Each append adds a leaf and a signed tree head; appends are serialised
by the database (SQLite's IMMEDIATE transactions; on PostgreSQL a transaction-level advisory lock, so
two appends never read the same head and fork the chain). Once the append commits, its head is also
kept apart from the database (kept_head.py).
"""

import functools
import json
from datetime import datetime
from zlib import crc32

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.errors import NotFound
from investigations.audit import merkle, signing
from investigations.audit.kept_head import kept_head_keep
from investigations.models import AuditEvent, TreeHead

RETRIES = 5
# PostgreSQL's advisory lock id for appends: any fixed bigint no other code takes.
APPEND_LOCK = crc32(b"chainsleuth audit append")


class UnknownEvent(NotFound, ValueError):
    """No audit event with that sequence number in the latest signed head."""


def canonical(*, seq: int, at: datetime, actor: str, action: str, target: str, data: dict) -> bytes:
    """The bytes a leaf hashes: sorted-key compact JSON. The leaf index is inside, so moving an event moves
    nothing but breaks its hash."""
    event = {"seq": seq, "at": at.isoformat(), "actor": actor, "action": action, "target": target, "data": data}
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def audit_event_append(*, actor: str, action: str, target: str, data: dict | None = None) -> AuditEvent:
    for attempt in range(RETRIES):
        try:
            with transaction.atomic():
                return _append(actor, action, target, data or {})
        except IntegrityError:  # another writer took this leaf index first
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _append(actor: str, action: str, target: str, data: dict) -> AuditEvent:
    _serialise()
    head = TreeHead.objects.select_for_update().order_by("-size").first()
    seq = head.size if head else 0
    at = timezone.now()
    data = json.loads(json.dumps(data))  # what the JSON column will give back, so the leaf hashes the same
    leaf = merkle.leaf_hash(canonical(seq=seq, at=at, actor=actor, action=action, target=target, data=data))
    event = AuditEvent.objects.create(
        seq=seq, at=at, actor=actor, action=action, target=target, data=data, leaf_hash=leaf.hex()
    )
    frontier = merkle.frontier_append([bytes.fromhex(h) for h in head.frontier] if head else [], seq, leaf)
    root = merkle.frontier_root(frontier)
    key_id, signature = signing.sign(seq + 1, root, _ms(at))
    TreeHead.objects.create(
        size=seq + 1,
        root=root.hex(),
        at=at,
        key_id=key_id,
        signature=signature,
        frontier=[h.hex() for h in frontier],
    )
    genesis = leaf.hex() if seq == 0 else AuditEvent.objects.filter(seq=0).values_list("leaf_hash", flat=True).first()
    if genesis:  # without a first event the log is already visibly broken (verify names the gap)
        transaction.on_commit(functools.partial(kept_head_keep, genesis=genesis, seq=seq, root=root.hex()))
    return event


def _serialise() -> None:
    """Hold appends apart until this transaction ends. SQLite's IMMEDIATE transactions already do; on
    PostgreSQL, SELECT ... FOR UPDATE of the latest head lets a second writer read the same head once the
    first commits (and locks nothing while the log is empty)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK])


def tree_head_latest() -> dict | None:
    """The latest signed head, as published: size, root, time (ms) and signature."""
    head = TreeHead.objects.order_by("-size").first()
    return head_dict(head) if head else None


def head_dict(head: TreeHead) -> dict:
    return {
        "size": head.size,
        "root": head.root,
        "at_ms": _ms(head.at),
        "key_id": head.key_id,
        "signature": head.signature,
    }


def leaf_hashes(limit: int | None = None) -> list[bytes]:
    rows = AuditEvent.objects.order_by("seq").values_list("leaf_hash", flat=True)
    return [bytes.fromhex(h) for h in (rows[:limit] if limit is not None else rows).iterator(chunk_size=10_000)]


def inclusion_proof(seq: int) -> dict:
    """Proof that event `seq` is in the tree of the latest signed head."""
    return inclusion_proofs([seq])[0]


def inclusion_proofs(seqs: list[int]) -> list[dict]:
    """Proofs for many events against the same (latest) signed head, reading the leaves once."""
    head = TreeHead.objects.order_by("-size").first()
    for seq in seqs:
        if head is None or not 0 <= seq < head.size:
            raise UnknownEvent(f"no audit event #{seq}")
    if not seqs:
        return []
    leaves = leaf_hashes(head.size)
    head_data = head_dict(head)
    return [
        {"seq": seq, "leaf_hash": leaves[seq].hex(), "head": head_data, "proof": [h.hex() for h in proof]}
        for seq, proof in zip(seqs, merkle.inclusion_proofs(seqs, leaves), strict=True)
    ]


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)
