"""Cypher for attribution tags: (:Tag) nodes, one per (pack, address, label, source).

A tag names its address by value (`t.address`, indexed), not by an edge: packs arrive before or
after the blocks that use their addresses, and an index lookup joins them either way. Each
import stamps its tags with a generation; once a pack's new generation is written, the tags
of older ones go, so a re-import replaces a pack without a moment where it is missing.
"""

from collections.abc import Iterator
from typing import Any

from graph.store import GraphStore

TAG_FIELDS = (
    "key", "address", "label", "category", "abuse", "concepts", "risk_class", "confidence",
    "confidence_score", "source", "actor", "context", "lastmod", "is_cluster_definer", "pack",
)  # fmt: skip

_WRITE = """
UNWIND $rows AS r
MERGE (t:Tag {key: r.key})
SET t.address = r.address, t.label = r.label, t.label_lower = toLower(r.label), t.category = r.category,
    t.abuse = r.abuse, t.concepts = r.concepts, t.risk_class = r.risk_class, t.confidence = r.confidence,
    t.confidence_score = r.confidence_score, t.source = r.source, t.actor = r.actor, t.context = r.context,
    t.lastmod = r.lastmod, t.is_cluster_definer = r.is_cluster_definer, t.pack = r.pack,
    t.generation = $generation
"""

_DELETE_STALE = """
MATCH (t:Tag {pack: $pack}) WHERE t.generation <> $generation
WITH t LIMIT 10000
DELETE t
RETURN count(*) AS deleted
"""

_DELETE_ONE = "MATCH (t:Tag {key: $key, pack: $pack}) DELETE t RETURN count(*) AS deleted"

_RETURN = """
RETURN t.key AS key, t.address AS address, t.label AS label, t.category AS category, t.abuse AS abuse,
       t.concepts AS concepts, t.risk_class AS risk_class, t.confidence AS confidence,
       t.confidence_score AS confidence_score, t.source AS source, t.actor AS actor, t.context AS context,
       t.lastmod AS lastmod, t.is_cluster_definer AS is_cluster_definer, t.pack AS pack
"""

_FOR_ADDRESSES = "UNWIND $addresses AS address MATCH (t:Tag {address: address})" + _RETURN

_OF_PACK = "MATCH (t:Tag {pack: $pack}) WHERE t.key > $after" + _RETURN + " ORDER BY key LIMIT $limit"

_SEARCH = (
    "MATCH (t:Tag) WHERE t.label_lower STARTS WITH $prefix"
    + _RETURN
    + " ORDER BY confidence_score DESC, label, address LIMIT $limit"
)

_IN_CLUSTER = (
    """
MATCH (:Cluster {cluster_id: $cluster})<-[:IN_CLUSTER]-(a:Address)
WITH a LIMIT $scan
MATCH (t:Tag {address: a.address})
"""
    + _RETURN
    + " ORDER BY confidence_score DESC, address LIMIT $limit"
)

_PAGE = "MATCH (t:Tag) WHERE id(t) >= $lo AND id(t) < $hi RETURN t.address AS address, t.risk_class AS risk_class"
_TOP_ID = "MATCH (t:Tag) RETURN max(id(t)) AS top"


def tags_write(store: GraphStore, rows: list[dict[str, Any]], *, generation: str, batch_size: int = 5_000) -> int:
    """rows: TAG_FIELDS each; merged by key, so writing a batch twice changes nothing."""
    written = 0
    for lo in range(0, len(rows), batch_size):
        batch = rows[lo : lo + batch_size]
        store.write(_WRITE, rows=batch, generation=generation)
        written += len(batch)
    return written


def tags_delete_stale(store: GraphStore, *, pack: str, generation: str) -> int:
    """Delete the pack's tags from other imports, in bounded statements; returns how many went."""
    deleted = 0
    while True:
        rows = store.write(_DELETE_STALE, pack=pack, generation=generation)
        count = rows[0]["deleted"] if rows else 0
        deleted += count
        if count == 0:
            return deleted


def tag_delete(store: GraphStore, *, key: str, pack: str) -> bool:
    rows = store.write(_DELETE_ONE, key=key, pack=pack)
    return bool(rows and rows[0]["deleted"])


def tags_for(store: GraphStore, addresses: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every tag on each of `addresses` (absent when none), strongest confidence first."""
    found: dict[str, list[dict[str, Any]]] = {}
    for row in store.read(_FOR_ADDRESSES, addresses=list(dict.fromkeys(addresses))):
        found.setdefault(row["address"], []).append(row)
    for tags in found.values():
        tags.sort(key=lambda tag: (-(tag["confidence_score"] or 0), tag["label"]))
    return found


def tags_of_pack(store: GraphStore, pack: str, *, page: int = 10_000) -> Iterator[dict[str, Any]]:
    """A pack's tags in key order, read a page at a time (export)."""
    after = ""
    while rows := store.read(_OF_PACK, pack=pack, after=after, limit=page):
        yield from rows
        after = rows[-1]["key"]


def tags_search(store: GraphStore, text: str, *, limit: int = 50) -> list[dict[str, Any]]:
    """Tags whose label starts with `text`, case-insensitively."""
    return store.read(_SEARCH, prefix=text.lower(), limit=limit)


def tags_in_cluster(store: GraphStore, cluster_id: str, *, limit: int = 100, scan: int = 5_000) -> list[dict]:
    """The tags on a cluster's members, among the first `scan` members: an exchange's cluster has millions,
    and every address view asks this. A big cluster's tags usually sit on many members, so a sample finds them."""
    return store.read(_IN_CLUSTER, cluster=cluster_id, limit=limit, scan=scan)


def tag_classes(store: GraphStore, *, page: int = 100_000) -> Iterator[tuple[str, str]]:
    """(address, risk class) of every tag, page by page over node ids (features)."""
    top = store.read(_TOP_ID)[0]["top"]
    if top is None:
        return
    for lo in range(0, top + 1, page):
        for row in store.read(_PAGE, lo=lo, hi=lo + page):
            yield row["address"], row["risk_class"]
