"""The graph store over FalkorDB, through the `falkordb` client (never its experimental Bolt port)."""

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import redis
from falkordb import FalkorDB
from falkordb.edge import Edge
from falkordb.exceptions import SchemaVersionMismatchException
from falkordb.graph import Graph
from falkordb.node import Node
from falkordb.path import Path
from redis.backoff import NoBackoff
from redis.retry import Retry

from graph import dialect
from graph.errors import GraphConstraintError, GraphError, GraphOutcomeUnknown, GraphQueryError, GraphUnavailable
from graph.store import GraphStore, Row

_EMPTY_KEY = "empty key"
_NO_RETRY = Retry(NoBackoff(), 0)  # GraphStore retries with its own backoff; one policy, not two stacked


class FalkorDBStore(GraphStore):
    engine = "falkordb"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        graph_name: str,
        username: str | None = None,
        password: str | None = None,
        ssl: bool = False,
        timeout_ms: int = 30_000,
    ) -> None:
        self.graph_name = graph_name
        self.timeout_ms = timeout_ms
        self.connection_kwargs = {"host": host, "port": port, "username": username, "password": password, "ssl": ssl}
        self._client: FalkorDB | None = None
        self._handle: Graph | None = None

    @property
    def _graph(self) -> Graph:
        """Connect on first use (the client talks to the server as it is built); errors are ours.

        The handle is kept because it caches the graph's label and property names.
        redis-py's pool notices a fork and reconnects, so one client per store is fork-safe.
        """
        if self._handle is None:
            with _mapped_errors():
                self._client = FalkorDB(
                    **self.connection_kwargs,
                    socket_connect_timeout=5,
                    socket_timeout=self.timeout_ms / 1000 + 5,
                    retry=_NO_RETRY,
                )
            self._handle = self._client.select_graph(self.graph_name)
        return self._handle

    def _read(self, query: str, params: dict[str, Any]) -> list[Row]:
        with _mapped_errors():
            try:
                return _rows(self._graph.ro_query(query, params, timeout=self.timeout_ms))
            except redis.ResponseError as exc:
                if _EMPTY_KEY not in str(exc):
                    raise
            # Nothing written yet: FalkorDB refuses reads of a graph that does not
            # exist, Neo4j answers them. Create the empty graph and read again.
            self._graph.query("RETURN 1")
            return _rows(self._graph.ro_query(query, params, timeout=self.timeout_ms))

    def _write(self, query: str, params: dict[str, Any]) -> list[Row]:
        try:
            with _mapped_errors():
                return _rows(self._graph.query(query, params))
        except GraphUnavailable as exc:
            if isinstance(exc.__cause__, redis.TimeoutError):
                # The statement may still be running on the server: retrying could apply it twice.
                raise GraphOutcomeUnknown(f"no reply from FalkorDB within the timeout: {exc}") from exc
            raise

    def ping(self) -> None:
        self._read("RETURN 1 AS ok", {})

    def ensure_index(self, label: str, prop: str) -> None:
        rows = self.read(dialect.FALKORDB_INDEXED, label=label, prop=prop)
        if not rows or not rows[0]["n"]:
            self.write(dialect.falkordb_index(label, prop))  # type: ignore[arg-type] - DDL from allowlisted names

    def ensure_unique(self, label: str, prop: str, *, timeout: float = 60.0) -> None:
        """FalkorDB builds a constraint in the background; wait until it is in force."""
        self.ensure_index(label, prop)
        if not self._constraint_status(label, prop):
            with _mapped_errors():
                self._graph.execute_command(*dialect.falkordb_unique_command(self.graph_name, label, prop))
        deadline = time.monotonic() + timeout
        while (status := self._constraint_status(label, prop)) != "OPERATIONAL":
            if status == "FAILED":
                raise GraphConstraintError(f"existing {label} nodes repeat {prop}: the unique constraint failed")
            if time.monotonic() > deadline:
                raise GraphUnavailable(f"the unique constraint on {label}.{prop} is still {status}")
            time.sleep(0.05)

    def _constraint_status(self, label: str, prop: str) -> str | None:
        rows = self.read(dialect.FALKORDB_CONSTRAINT_STATUS, label=label, prop=prop)
        return rows[0]["status"] if rows else None

    def drop_all(self) -> None:
        self.write(dialect.FALKORDB_DROP_ALL)

    def delete_graph(self) -> None:
        """Remove the whole graph key, schema included (test clean-up)."""
        with contextlib.suppress(redis.ResponseError):
            self._graph.delete()

    def close(self) -> None:
        if self._client is not None:
            self._client.connection.close()
        self._client = self._handle = None


@contextlib.contextmanager
def _mapped_errors() -> Iterator[None]:
    try:
        yield
    except redis.AuthenticationError as exc:
        raise GraphError(f"FalkorDB refused our credentials: {exc}") from exc
    except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError) as exc:
        raise GraphUnavailable(f"FalkorDB is unavailable: {exc}") from exc
    except SchemaVersionMismatchException as exc:
        raise GraphUnavailable("FalkorDB schema changed under the query; retry") from exc
    except redis.ResponseError as exc:
        message = str(exc)
        if "constraint violation" in message:
            raise GraphConstraintError(message) from exc
        raise GraphQueryError(message) from exc


def _rows(result: Any) -> list[Row]:
    names = [_text(name) for _, name in result.header]
    return [dict(zip(names, (_plain(value) for value in row), strict=True)) for row in result.result_set]


def _text(name: str | bytes) -> str:
    return name.decode() if isinstance(name, bytes) else name


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """Nodes and relationships become their property maps; paths become {nodes, relationships}.

    Scalars and lists of scalars (nearly every value a bulk read returns) take the first two exits:
    this runs once per value of every row, so it shows up in the time of a whole-graph read."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list:
        return [item if type(item) in _SCALARS else _plain(item) for item in value]
    if isinstance(value, Node | Edge):
        return {key: _plain(item) for key, item in value.properties.items()}
    if isinstance(value, Path):
        return {
            "nodes": [_plain(node) for node in value.nodes()],
            "relationships": [_plain(edge) for edge in value.edges()],
        }
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
