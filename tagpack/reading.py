"""A TagPack file as rows for the graph: header fields merged into each tag, Bitcoin address tags only.

The whole pack is checked against the schema before any row is made, so a broken pack is
refused as a whole with every problem named (tagpack/validation.py). Tags for other
currencies and transaction tags are counted, not kept: ChainSleuth's graph is Bitcoin addresses.

Two things the public packs lack are filled in rather than refused (docs/tags.md): a pack
that gives no confidence at all gets `DEFAULT_CONFIDENCE`, as the GraphSense tool does, and a
concept the installed taxonomy does not know stays on its tags, with a warning.
"""

import datetime
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chain.addresses import address_normalise
from tagpack.taxonomy import Taxonomy, names_sanctions_list
from tagpack.validation import TagPackError, TagPackSchema, concept_warnings, read_yaml, validate

BITCOIN = frozenset({"btc", "bitcoin"})
DEFAULT_CONFIDENCE = "unknown"  # GraphSense's own for packs that give none (score 5: "use with care")


@dataclass
class PackRows:
    pack: str
    title: str
    creator: str
    rows: list[dict[str, Any]]
    skipped: dict[str, int] = field(default_factory=dict)  # why → how many
    warnings: list[str] = field(default_factory=list)  # what was kept although the taxonomy does not know it


def tag_key(pack: str, address: str, label: str, source: str) -> str:
    """GraphSense tells tags apart by pack, address, label and source."""
    return hashlib.sha256("\x1f".join((pack, address, label, source)).encode()).hexdigest()[:32]


def read_pack(
    path: Path, pack: str, schema: TagPackSchema, taxonomy: Taxonomy, *, default_confidence: str | None = None
) -> PackRows:
    """Raise TagPackError (every problem, prefixed with the file) unless the pack is valid.

    Some public packs (OFAC's among them) give no confidence at all, which the schema makes mandatory;
    `default_confidence` (else DEFAULT_CONFIDENCE) fills it in for the tags without one. A pack whose title
    or description names a sanctions list makes all its tags `sanctioned` (tagpack/taxonomy.py).
    """
    raw = read_yaml(path)
    if isinstance(raw, dict) and "confidence" not in raw:
        raw["confidence"] = default_confidence or DEFAULT_CONFIDENCE
    problems = validate(raw, schema)
    if problems:
        raise TagPackError([f"{path}: {problem}" for problem in problems])
    header = {name: value for name, value in raw.items() if name in schema.tag_fields}
    result = PackRows(pack=pack, title=raw["title"], creator=raw["creator"], rows=[])
    result.warnings = [
        f"{path}: {warning}: kept as written (an unknown category counts as `other`)"
        for warning in concept_warnings(raw, schema)
    ]
    listed = names_sanctions_list(raw.get("title"), raw.get("description"))
    for tag in raw["tags"]:
        merged = {**header, **tag}
        reason = _skip_reason(merged)
        if reason:
            result.skipped[reason] = result.skipped.get(reason, 0) + 1
        else:
            result.rows.append(tag_row(merged, pack, taxonomy, sanctions_list=listed))
    return result


def _skip_reason(tag: dict[str, Any]) -> str | None:
    network = str(tag.get("network") or tag.get("currency") or "").lower()
    if network not in BITCOIN:
        return f"not Bitcoin ({network.upper()})"
    if "address" not in tag:
        return "a transaction tag"
    if address_normalise(str(tag["address"])) is None:
        return "not a Bitcoin address"
    return None


def tag_row(tag: dict[str, Any], pack: str, taxonomy: Taxonomy, *, sanctions_list: bool = False) -> dict[str, Any]:
    """One tag's graph properties (graph/tags.py TAG_FIELDS) from its merged fields. `sanctions_list`: its pack
    is one; a tag whose own label or source names one is sanctioned too."""
    address = address_normalise(str(tag["address"]))
    lastmod = tag.get("lastmod")
    listed = sanctions_list or names_sanctions_list(tag.get("label"), tag.get("source"))
    return {
        "key": tag_key(pack, address, tag["label"], tag["source"]),
        "address": address,
        "label": tag["label"],
        "category": tag.get("category"),
        "abuse": tag.get("abuse"),
        "concepts": list(tag.get("concepts") or []),
        "risk_class": taxonomy.risk_class(
            tag.get("category"), tag.get("abuse"), concepts=tag.get("concepts") or (), sanctions_list=listed
        ),
        "confidence": tag["confidence"],
        "confidence_score": taxonomy.confidence_score(tag["confidence"]),
        "source": tag["source"],
        "actor": tag.get("actor"),
        "context": tag.get("context"),
        "lastmod": lastmod.isoformat() if isinstance(lastmod, datetime.date) else lastmod,
        "is_cluster_definer": bool(tag.get("is_cluster_definer", False)),
        "pack": pack,
        "visibility": "public",  # an imported pack is shared knowledge; tag_add makes hand-made ones team
    }


def pack_yaml(title: str, creator: str, tags: list[dict[str, Any]], *, description: str = "") -> str:
    """A TagPack (GraphSense format) for `tags` as tags_of_pack returns them: the export."""
    body = [
        {
            name: value
            for name, value in (
                ("address", tag["address"]),
                ("label", tag["label"]),
                ("category", tag["category"]),
                ("abuse", tag["abuse"]),
                ("concepts", tag["concepts"] or None),
                ("confidence", tag["confidence"]),
                ("source", tag["source"]),
                ("actor", tag["actor"]),
                ("context", tag["context"]),
                ("lastmod", tag["lastmod"]),
                ("is_cluster_definer", tag["is_cluster_definer"] or None),
            )
            if value is not None
        }
        for tag in tags
    ]
    header = {"title": title, "creator": creator, "currency": "BTC", "network": "BTC"}
    if description:
        header["description"] = description
    return yaml.safe_dump({**header, "tags": body}, sort_keys=False, allow_unicode=True)
