"""Taking back the anomaly statistics of blocks a reorganisation orphaned.

Each scan that counts blocks first keeps the states it is about to change (entities, peers, folded
clusters) in a short undo stack in Redis, newest first. Rollbacks go newest block first
(chain/follow.py) and signal here synchronously (`chain_rolled_back`), so the block rolled back is in
the newest record: its states are put back exactly as they were before the block, which is what the
chain without it would hold. A record may cover several blocks (a batch); the others are counted again
from the graph, without the cluster histories the batch folded (the reclustering changed them anyway).
A block rolled back before its scan ran is marked, and its scan leaves it out. A block whose record is
no longer the newest (scans that ran out of order, or older than the stack) cannot be taken back
exactly; that is logged.
"""

import json
import logging
import time

from django.conf import settings

from graph import get_graph
from graph.activity import activity_of
from screening.shared_redis import redis_client

log = logging.getLogger(__name__)
UNDO_DEPTH = 12  # scans kept: reorganisations are a block or two deep, a batch is one record


def _stack_key() -> str:
    return f"cs:anomaly:{settings.GRAPH_NAME}:undo"


def _orphan_key(block: str) -> str:
    return f"cs:anomaly:{settings.GRAPH_NAME}:orphaned:{block}"


def _expiry() -> int:
    return settings.ANOMALY_HISTORY_DAYS * 86400


def undo_record(blocks: list[str], keys: list[str]) -> None:
    """Keep the states `keys` hold before a scan of `blocks` changes them (called under the scan lock)."""
    client = redis_client()
    values = client.mget(keys)
    entry = json.dumps({"blocks": blocks, "keys": keys, "values": [v.hex() if v else None for v in values]})
    pipe = client.pipeline()
    pipe.lpush(_stack_key(), entry)
    pipe.ltrim(_stack_key(), 0, UNDO_DEPTH - 1)
    pipe.expire(_stack_key(), _expiry())
    pipe.execute()


def orphaned(blocks: list[str]) -> set[str]:
    """Those of `blocks` rolled back before they were scanned."""
    if not blocks:
        return set()
    marks = redis_client().mget([_orphan_key(block) for block in blocks])
    return {block for block, mark in zip(blocks, marks, strict=True) if mark}


def anomalies_undo(*, block: str) -> str:
    """Take the statistics of `block` back; returns what was done ("undone", "marked" or "inexact")."""
    from screening.anomalies import _lock

    client = redis_client()
    with _lock():
        head = client.lindex(_stack_key(), 0)
        entry = json.loads(head) if head else None
        if entry is None or block not in entry["blocks"]:
            return _unscanned(client, block)
        client.lpop(_stack_key())
        _restore(client, entry)
        survivors = [b for b in entry["blocks"] if b != block]
        if survivors:
            _recount(survivors)
    return "undone"


def _unscanned(client, block: str) -> str:
    deeper = any(block in json.loads(raw)["blocks"] for raw in client.lrange(_stack_key(), 1, -1))
    if deeper:
        log.warning("the anomaly statistics of rolled-back block %s cannot be taken back exactly", block)
        return "inexact"
    client.set(_orphan_key(block), 1, ex=_expiry())
    return "marked"


def _restore(client, entry: dict) -> None:
    from screening.anomalies import _set_all

    kept = [(key, bytes.fromhex(value)) for key, value in zip(entry["keys"], entry["values"], strict=True) if value]
    absent = [key for key, value in zip(entry["keys"], entry["values"], strict=True) if not value]
    if kept:
        _set_all()(keys=[key for key, _ in kept], args=[_expiry(), *(value for _, value in kept)])
    if absent:
        client.delete(*absent)


def _recount(blocks: list[str]) -> None:
    """Count again the blocks of a batch that stay on the chain (their figures read from the graph)."""
    from screening.anomalies import _columns, _counted, _memberships

    store, now = get_graph(), time.time()
    counted = _columns(activity_of(store, blocks=blocks, txids=[]), now)
    membership, members = _memberships(store, sorted(set(counted["address"])))
    _counted(blocks, counted, [], membership, members, now)
