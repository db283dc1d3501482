"""The address graph: one store over FalkorDB or Neo4j, its schema, and all Cypher.

Nothing outside this package imports `neo4j` or `falkordb`.
"""

from graph.connection import get_graph, open_graph
from graph.errors import GraphConstraintError, GraphError, GraphParameterError, GraphQueryError, GraphUnavailable
from graph.store import GraphStore

__all__ = [
    "GraphConstraintError",
    "GraphError",
    "GraphParameterError",
    "GraphQueryError",
    "GraphStore",
    "GraphUnavailable",
    "get_graph",
    "open_graph",
]
