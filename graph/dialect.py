"""Where FalkorDB and Neo4j differ, in one place.

Everything else in graph/ is Cypher both engines run unchanged. What differs
(checked against FalkorDB 4.16 and Neo4j 5; see docs/architecture.md):

- Uniqueness: Neo4j has `CREATE CONSTRAINT … REQUIRE … IS UNIQUE` (which brings
  its own index); FalkorDB needs an exact-match index first and then the Redis
  command `GRAPH.CONSTRAINT CREATE`, which builds in the background.
- Existing schema: Neo4j has `IF NOT EXISTS`; FalkorDB errors on a second
  `CREATE INDEX`, so we look in `db.indexes()` / `db.constraints()` first.
- Floats: FalkorDB stores a float parameter exactly but prints results with 15
  significant digits, so a float read back may differ in its last digits (and
  one within 1e-14 of the largest double reads back as infinity).
  Amounts are therefore integers (satoshis) everywhere.
- Atomicity: a FalkorDB query that fails is undone in full (its undo log), as
  is a Neo4j transaction; FalkorDB has no multi-statement transactions.
- FalkorDB 4.16 lets rows through `OPTIONAL MATCH (x …) WITH x WHERE x IS NULL`
  even when x was found; guard a write with `WITH count(x) AS n WHERE n = 0`.
- Inside FOREACH, FalkorDB's later SET clauses saw old values where Neo4j's see new ones:
  write each SET so it reads only properties not yet assigned in the same update.
- FalkorDB 4.16 fails ("Unable to locate a value with alias") on `WITH a + count(x) AS b`
  where `a` is carried from an earlier WITH: carry both, then compute.
- Inside `CALL {}`, a `WITH … WHERE` straight after a SET lost that SET's effect
  (FalkorDB 4.16): collect first and filter in a later clause.
- Seeking a node by internal id: FalkorDB plans a NodeByIdSeek for `MATCH (a) WHERE id(a) = x` only
  when `x` is a variable (projected by a `WITH`) or a parameter; `WHERE id(a) = r[0]` straight after an
  UNWIND scans every node of the label for each row. Neo4j seeks either way (its `id()` is deprecated
  in favour of `elementId()` but still answers, and graph/ml.py pages by it on both engines).
- Not in FalkorDB: `EXISTS {}` subqueries, pattern predicates, APOC and GDS
  (it has `algo.*` procedures instead); `shortestPath` only in WITH/RETURN.
"""

import re

from graph.schema import INDEXES, UNIQUE_KEYS

_LABEL = re.compile(r"[A-Z][A-Za-z]*")
_PROPERTY = re.compile(r"[a-z][a-z0-9_]*")

# FalkorDB catalogue look-ups (constant Cypher).
FALKORDB_INDEXED = (
    "CALL db.indexes() YIELD label, properties, entitytype "
    "WHERE entitytype = 'NODE' AND label = $label AND $prop IN properties RETURN count(*) AS n"
)
FALKORDB_CONSTRAINT_STATUS = (
    "CALL db.constraints() YIELD type, label, properties, entitytype, status "
    "WHERE type = 'UNIQUE' AND entitytype = 'NODE' AND label = $label AND properties = [$prop] "
    "RETURN status"
)
FALKORDB_DROP_ALL = "MATCH (n) DETACH DELETE n"
NEO4J_DROP_ALL = "MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"


_FALKORDB_INDEX = "CREATE INDEX FOR (n:{label}) ON (n.{prop})"
_NEO4J_INDEX = "CREATE INDEX {name}_index IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
_NEO4J_UNIQUE = "CREATE CONSTRAINT {name}_unique IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE"


def _identifiers(label: str, prop: str) -> dict[str, str]:
    """DDL cannot take parameters: only the schema's own (label, property) pairs go into its text."""
    if (label, prop) not in (*UNIQUE_KEYS, *INDEXES) or not _LABEL.fullmatch(label) or not _PROPERTY.fullmatch(prop):
        raise ValueError(f"not in the graph schema: {label}.{prop}")
    return {"label": label, "prop": prop, "name": f"{label.lower()}_{prop}"}


def falkordb_index(label: str, prop: str) -> str:
    return _FALKORDB_INDEX.format(**_identifiers(label, prop))


def falkordb_unique_command(graph_name: str, label: str, prop: str) -> tuple[str, ...]:
    _identifiers(label, prop)
    return ("GRAPH.CONSTRAINT", "CREATE", graph_name, "UNIQUE", "NODE", label, "PROPERTIES", "1", prop)


def neo4j_index(label: str, prop: str) -> str:
    return _NEO4J_INDEX.format(**_identifiers(label, prop))


def neo4j_unique(label: str, prop: str) -> str:
    return _NEO4J_UNIQUE.format(**_identifiers(label, prop))
