"""The GraphSense concept taxonomy as ChainSleuth reads it: labels, the concept tree, confidence scores,
and the risk class each tag falls into.

Risk classes are ours, not GraphSense's: screening and the labeling model need to know which
categories mean illicit funds, which mean funds are hard to trace, and which are exchanges (where
funds usually end up). They follow the tree, so a concept GraphSense adds under `abuse` is illicit
without a change here.
"""

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

ILLICIT, HIGH_RISK, EXCHANGE, OTHER = "illicit", "high_risk", "exchange", "other"
RISK_CLASSES = (ILLICIT, HIGH_RISK, EXCHANGE, OTHER)

# The roots of each class, most severe first: a tag that falls under two takes the first.
_CLASS_ROOTS = (
    (ILLICIT, ("abuse", "perpetrator")),
    (HIGH_RISK, ("gray_usage", "mixing_service", "dark_web")),
    (EXCHANGE, ("exchange",)),
)


@dataclass(frozen=True)
class Concept:
    id: str
    label: str
    description: str
    broader: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    concepts: dict[str, Concept]
    confidence: dict[str, int]  # confidence id → score 0-100

    def ancestors(self, concept_id: str) -> list[str]:
        """The concept and everything above it, nearest first."""
        seen, queue = [], [concept_id]
        while queue:
            current = queue.pop(0)
            if current in seen or current not in self.concepts:
                continue
            seen.append(current)
            queue.extend(self.concepts[current].broader)
        return seen

    def risk_class(self, category: str | None, abuse: str | None = None) -> str:
        """A tag's class from its category and abuse; an abuse field always makes it illicit."""
        if abuse:
            return ILLICIT
        lineage = set(self.ancestors(category)) if category else set()
        for name, roots in _CLASS_ROOTS:
            if lineage.intersection(roots):
                return name
        return OTHER

    def confidence_score(self, confidence_id: str) -> int:
        return self.confidence.get(confidence_id, 0)


@functools.cache
def load_taxonomy(schema_dir: Path) -> Taxonomy:
    """concepts.yaml and confidence.csv from a GraphSense schema directory (settings.TAGPACK_SCHEMA_DIR)."""
    schema_dir = Path(schema_dir)
    raw = yaml.safe_load((schema_dir / "concepts.yaml").read_text(encoding="utf-8"))
    concepts = {}
    for key, entry in raw.items():
        if not isinstance(entry, dict) or "id" not in entry:
            continue
        broader = entry.get("broader") or ()
        concept = Concept(
            id=key,
            label=entry.get("prefLabel") or key,
            description=" ".join(str(entry.get("description") or "").split()),
            broader=(broader,) if isinstance(broader, str) else tuple(broader),
        )
        concepts[key] = concept
        concepts.setdefault(entry["id"], concept)  # `defi_derivatives` has id `defi_derivative`
    with (schema_dir / "confidence.csv").open(encoding="utf-8", newline="") as rows:
        # The level is the last field: one description holds an unquoted comma.
        confidence = {row[0]: int(row[-1]) for row in list(csv.reader(rows))[1:] if row}
    return Taxonomy(concepts=concepts, confidence=confidence)
