"""Cypher for attribution tags: (:Tag) nodes, one per (pack, address, label, source).

A tag names its address by value (`t.address`, indexed), not by an edge: packs arrive before or
after the blocks that use their addresses, and an index lookup joins them either way. Each
import stamps its tags with a generation; once a pack's new generation is written, the tags
of older ones go, so a re-import replaces a pack without a moment where it is missing.

Visibility: a tag is `public` (imported packs, shared hand-made tags) or `team` (hand-made, private to
the team whose pack `team:<name>` holds it). Every reader takes `own_pack`, the reader's team pack, and
returns public tags plus that pack's; `own_pack=None` reads public tags only (exchange screening,
model features, which every team sees the results of). A tag written before visibility existed counts
as `team` in a team pack and `public` elsewhere, so an upgrade opens nothing up.
"""

from collections.abc import Iterator
from typing import Any, TypedDict

from graph.store import GraphStore


class Tag(TypedDict):
    """A tag as every reader returns it: the API sends it as it is and the contract suite reads it by key,
    so a TypedDict. Its keys, in order, are TAG_FIELDS (the export's columns)."""

    key: str
    address: str
    label: str
    category: str | None
    abuse: str | None
    concepts: list[str] | None
    risk_class: str | None
    confidence: str | None
    confidence_score: int | None
    source: str | None
    actor: str | None
    context: str | None
    lastmod: Any
    is_cluster_definer: bool | None
    pack: str
    visibility: str  # public or team


TAG_FIELDS = tuple(Tag.__annotations__)

_WRITE = """
UNWIND $rows AS r
MERGE (t:Tag {key: r.key})
SET t.address = r.address, t.label = r.label, t.label_lower = toLower(r.label), t.category = r.category,
    t.abuse = r.abuse, t.concepts = r.concepts, t.risk_class = r.risk_class, t.confidence = r.confidence,
    t.confidence_score = r.confidence_score, t.source = r.source, t.actor = r.actor, t.context = r.context,
    t.lastmod = r.lastmod, t.is_cluster_definer = r.is_cluster_definer, t.pack = r.pack,
    t.visibility = r.visibility, t.generation = $generation
"""

_DELETE_STALE = """
MATCH (t:Tag {pack: $pack}) WHERE t.generation <> $generation
WITH t LIMIT 10000
DELETE t
RETURN count(*) AS deleted
"""

PUBLIC, TEAM = "public", "team"
# The stored visibility, or for a tag written before there was one: team in a team pack, public elsewhere.
_VISIBILITY = "coalesce(t.visibility, CASE WHEN t.pack STARTS WITH 'team:' THEN 'team' ELSE 'public' END)"
_VISIBLE = f" ({_VISIBILITY} = 'public' OR t.pack = $own_pack) "

_SET_VISIBILITY = "MATCH (t:Tag {key: $key, pack: $pack}) SET t.visibility = $visibility RETURN count(*) AS changed"

_DELETE_ONE = "MATCH (t:Tag {key: $key, pack: $pack}) DELETE t RETURN count(*) AS deleted"

_RETURN = (
    """
RETURN t.key AS key, t.address AS address, t.label AS label, t.category AS category, t.abuse AS abuse,
       t.concepts AS concepts, t.risk_class AS risk_class, t.confidence AS confidence,
       t.confidence_score AS confidence_score, t.source AS source, t.actor AS actor, t.context AS context,
       t.lastmod AS lastmod, t.is_cluster_definer AS is_cluster_definer, t.pack AS pack,
       """
    + _VISIBILITY
    + """ AS visibility
"""
)

_FOR_ADDRESSES = "UNWIND $addresses AS address MATCH (t:Tag {address: address}) WHERE" + _VISIBLE + _RETURN

_OF_PACK = "MATCH (t:Tag {pack: $pack}) WHERE t.key > $after AND" + _VISIBLE + _RETURN + " ORDER BY key LIMIT $limit"

_SEARCH = (
    "MATCH (t:Tag) WHERE t.label_lower STARTS WITH $prefix AND"
    + _VISIBLE
    + _RETURN
    + " ORDER BY confidence_score DESC, label, address LIMIT $limit"
)

_IN_CLUSTER = (
    """
MATCH (:Cluster {cluster_id: $cluster})<-[:IN_CLUSTER]-(a:Address)
WITH a LIMIT $scan
MATCH (t:Tag {address: a.address}) WHERE"""
    + _VISIBLE
    + _RETURN
    + " ORDER BY confidence_score DESC, address LIMIT $limit"
)

_PAGE = (
    "MATCH (t:Tag) WHERE id(t) >= $lo AND id(t) < $hi AND"
    + _VISIBLE
    + "RETURN t.address AS address, t.risk_class AS risk_class"
)
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


def tag_visibility_set(store: GraphStore, *, key: str, pack: str, visibility: str) -> bool:
    """Share a team's tag (public) or take it back (team); False when the pack holds no such tag."""
    rows = store.write(_SET_VISIBILITY, key=key, pack=pack, visibility=visibility)
    return bool(rows and rows[0]["changed"])


def tag_delete(store: GraphStore, *, key: str, pack: str) -> bool:
    rows = store.write(_DELETE_ONE, key=key, pack=pack)
    return bool(rows and rows[0]["deleted"])


def tags_for(store: GraphStore, addresses: list[str], *, own_pack: str | None = None) -> dict[str, list[Tag]]:
    """Every tag visible to `own_pack`'s team on each of `addresses` (absent when none), strongest first."""
    found: dict[str, list[Tag]] = {}
    for row in store.read(_FOR_ADDRESSES, addresses=list(dict.fromkeys(addresses)), own_pack=own_pack or ""):
        found.setdefault(row["address"], []).append(row)
    for tags in found.values():
        tags.sort(key=lambda tag: (-(tag["confidence_score"] or 0), tag["label"]))
    return found


def tags_of_pack(store: GraphStore, pack: str, *, own_pack: str | None = None, page: int = 10_000) -> Iterator[Tag]:
    """A pack's tags visible to `own_pack`'s team, in key order, read a page at a time (export)."""
    after = ""
    while rows := store.read(_OF_PACK, pack=pack, after=after, limit=page, own_pack=own_pack or ""):
        yield from rows
        after = rows[-1]["key"]


def tags_search(store: GraphStore, text: str, *, own_pack: str | None = None, limit: int = 50) -> list[Tag]:
    """Tags visible to `own_pack`'s team whose label starts with `text`, case-insensitively."""
    return store.read(_SEARCH, prefix=text.lower(), limit=limit, own_pack=own_pack or "")


def tags_in_cluster(
    store: GraphStore, cluster_id: str, *, own_pack: str | None = None, limit: int = 100, scan: int = 5_000
) -> list[Tag]:
    """The tags visible to `own_pack`'s team on a cluster's members, among the first `scan` members: an
    exchange's cluster has millions, and every address view asks this. A big cluster's tags usually sit on
    many members, so a sample finds them."""
    return store.read(_IN_CLUSTER, cluster=cluster_id, limit=limit, scan=scan, own_pack=own_pack or "")


def tag_classes(store: GraphStore, *, page: int = 100_000) -> Iterator[tuple[str, str]]:
    """(address, risk class) of every public tag, page by page over node ids (features: the model's scores
    are seen by every team, so a team's private tag must not move them)."""
    top = store.read(_TOP_ID)[0]["top"]
    if top is None:
        return
    for lo in range(0, top + 1, page):
        for row in store.read(_PAGE, lo=lo, hi=lo + page, own_pack=""):
            yield row["address"], row["risk_class"]
