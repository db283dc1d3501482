"""The address graph's keys and indexes, and the idempotent bootstrap that creates them.

The graph's shape (labels, relationships, properties) is described in graph/chain.py.

This is also the allowlist for the only Cypher built at run time, the schema
DDL (graph/dialect.py): no other label or property may appear in it.
"""

from graph.store import GraphStore

# (label, property) pairs that identify a node; each gets a uniqueness constraint.
UNIQUE_KEYS = (
    ("Address", "address"),
    ("Transaction", "txid"),
    ("Block", "hash"),
    ("Cluster", "cluster_id"),
    ("Tag", "key"),
)

# Properties that traversals filter or sort on (time windows, risk queues).
INDEXES = (
    ("Transaction", "height"),
    ("Transaction", "time"),
    ("Block", "height"),
    ("Address", "risk"),
    ("Cluster", "risk"),
    ("Tag", "address"),
    ("Tag", "pack"),
    ("Tag", "label_lower"),
)


def ensure_schema(store: GraphStore) -> None:
    """Create every key and index that is missing; running it again changes nothing."""
    for label, prop in UNIQUE_KEYS:
        store.ensure_unique(label, prop)
    for label, prop in INDEXES:
        store.ensure_index(label, prop)
