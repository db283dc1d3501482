"""The GraphSense concept taxonomy as ChainSleuth reads it: labels, the concept tree, confidence scores,
and the risk class each tag falls into.

Risk classes are ours, not GraphSense's: screening and the labeling model need to know which
categories mean sanctioned or illicit funds, which mean funds are hard to trace, and which are
exchanges (where funds usually end up). They follow the tree, so a concept GraphSense adds under
`abuse` is illicit without a change here.

Sanctions lists do not always say so in their concepts: GraphSense's OFAC pack tags its addresses
`category: user` with no abuse at all. A tag is therefore also `sanctioned` when its pack or its
own fields name a sanctions list (`names_sanctions_list`): OFAC, the SDN list, a government's
"financial sanctions" page. Being on such a list is what an exchange must not pay, whatever the
listed party does.
"""

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

SANCTIONED, ILLICIT, HIGH_RISK, EXCHANGE, OTHER = "sanctioned", "illicit", "high_risk", "exchange", "other"
RISK_CLASSES = (SANCTIONED, ILLICIT, HIGH_RISK, EXCHANGE, OTHER)

# Words that name a sanctions list, in a pack's title or description or a tag's label or source: OFAC
# and its SDN list (sdnlist.txt), and the Treasury's "financial-sanctions" and other sanctions pages.
_SANCTIONS_LIST = re.compile(r"\b(ofac|sdn|sdnlist)\b|sanctions?[\s_-]*(list|program|action)|financial[\s_-]sanctions",
                             re.IGNORECASE)  # fmt: skip

# The roots of each class, most severe first: a tag that falls under two takes the first.
_CLASS_ROOTS = (
    (SANCTIONED, ("sanction",)),
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

    def risk_class(
        self, category: str | None, abuse: str | None = None, *, concepts=(), sanctions_list: bool = False
    ) -> str:
        """A tag's class from its category and abuse: `sanctioned` when any of its concepts is a sanction or
        it comes from a sanctions list; otherwise any abuse field makes it illicit (an abuse concept unknown to
        this taxonomy too); otherwise the category's place in the tree. An unknown category is `other`."""
        if sanctions_list or any(
            self._class_of(concept) == SANCTIONED for concept in (category, abuse, *concepts) if concept
        ):
            return SANCTIONED
        if abuse:
            return ILLICIT
        return self._class_of(category) if category else OTHER

    def _class_of(self, concept_id: str) -> str:
        lineage = set(self.ancestors(concept_id))
        for name, roots in _CLASS_ROOTS:
            if lineage.intersection(roots):
                return name
        return OTHER

    def confidence_score(self, confidence_id: str) -> int:
        return self.confidence.get(confidence_id, 0)


def names_sanctions_list(*texts: object) -> bool:
    """Whether any of these texts (a pack's title or description, a tag's label or source) names a sanctions
    list."""
    return any(isinstance(text, str) and _SANCTIONS_LIST.search(text) for text in texts)


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
