"""Build the graph store from GRAPH_URL, once per process.

URL forms: `falkordb://[user:password@]host[:port][/graph]` (`falkordbs://` for
TLS) and `neo4j://`, `bolt://` (and their `+s`/`+ssc` variants)
`[user:password@]host[:port][/database]`. GRAPH_PASSWORD (or
GRAPH_PASSWORD_FILE) overrides a password in the URL.
"""

import atexit
import os
from urllib.parse import unquote, urlsplit

from graph.store import GraphStore

_FALKORDB_SCHEMES = ("falkordb", "falkordbs")
_NEO4J_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


def open_graph(
    url: str, *, graph_name: str = "chainsleuth", password: str | None = None, timeout_ms: int = 30_000
) -> GraphStore:
    """A new store for `url`; callers own it and close it. Most code wants `get_graph()` instead."""
    parts = urlsplit(url)
    path_name = unquote(parts.path.lstrip("/")) or None
    secret = password or (unquote(parts.password) if parts.password else None)
    user = unquote(parts.username) if parts.username else None
    if parts.scheme in _FALKORDB_SCHEMES:
        from graph.falkor import FalkorDBStore

        return FalkorDBStore(
            host=parts.hostname or "localhost",
            port=parts.port or 6379,
            graph_name=path_name or graph_name,
            username=user,
            password=secret,
            ssl=parts.scheme == "falkordbs",
            timeout_ms=timeout_ms,
        )
    if parts.scheme in _NEO4J_SCHEMES:
        from graph.neo import Neo4jStore

        auth = (user or "neo4j", secret) if secret else None
        bare = parts._replace(netloc=parts.netloc.rpartition("@")[2], path="").geturl()
        return Neo4jStore(uri=bare, auth=auth, database=path_name, timeout_ms=timeout_ms)
    raise ValueError(f"GRAPH_URL: unsupported scheme {parts.scheme!r}")


_store: GraphStore | None = None
_store_pid: int | None = None


def get_graph() -> GraphStore:
    """The process's graph store, built from settings (starting the embedded server if it is the graph)."""
    global _store, _store_pid
    if _store is None or _store_pid != os.getpid():
        from django.conf import settings

        from core.embedded import ensure_running_if_needed

        ensure_running_if_needed()
        _store = open_graph(
            settings.GRAPH_URL,
            graph_name=settings.GRAPH_NAME,
            password=settings.GRAPH_PASSWORD,
            timeout_ms=settings.GRAPH_TIMEOUT_MS,
        )
        _store_pid = os.getpid()
    return _store


def reset_graph(**_kwargs) -> None:
    """Forget the process's store (settings changed, or shutting down)."""
    global _store
    if _store is not None and _store_pid == os.getpid():
        _store.close()
    _store = None


atexit.register(reset_graph)
