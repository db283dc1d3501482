"""The graph store over Neo4j 5, through the official driver.

One driver per process (drivers are not fork-safe, so a forked worker builds
its own); every query runs in a managed transaction, which the driver retries
on transient errors and leader changes.
"""

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

import neo4j
from neo4j import exceptions as neo4j_errors
from neo4j.graph import Node, Path, Relationship

from graph import dialect
from graph.errors import GraphConstraintError, GraphError, GraphOutcomeUnknown, GraphQueryError, GraphUnavailable
from graph.store import GraphStore, Row


class Neo4jStore(GraphStore):
    engine = "neo4j"
    retries = 1  # the driver already retried transient errors for max_transaction_retry_time

    def __init__(
        self,
        *,
        uri: str,
        auth: tuple[str, str] | None,
        database: str | None,
        timeout_ms: int = 30_000,
        retry_seconds: float = 15.0,
    ) -> None:
        self._uri, self._auth, self._database = uri, auth, database
        self.timeout_s = timeout_ms / 1000
        self.retry_seconds = retry_seconds
        self._driver: neo4j.Driver | None = None
        self._driver_pid: int | None = None
        self._driver_lock = threading.Lock()
        self._run = neo4j.unit_of_work(timeout=self.timeout_s)(_run)

    def _session(self, access_mode: str) -> neo4j.Session:
        with self._driver_lock:
            if self._driver is None or self._driver_pid != os.getpid():
                self._driver = neo4j.GraphDatabase.driver(
                    self._uri, auth=self._auth, connection_timeout=5, max_transaction_retry_time=self.retry_seconds
                )
                self._driver_pid = os.getpid()
        return self._driver.session(database=self._database, default_access_mode=access_mode)

    def _read(self, query: str, params: dict[str, Any]) -> list[Row]:
        with _mapped_errors(), self._session(neo4j.READ_ACCESS) as session:
            return session.execute_read(self._run, query, params)

    def _write(self, query: str, params: dict[str, Any]) -> list[Row]:
        with _mapped_errors(), self._session(neo4j.WRITE_ACCESS) as session:
            return session.execute_write(self._run, query, params)

    def ping(self) -> None:
        """An auto-commit query: a managed transaction would retry for retry_seconds while Neo4j is down."""
        with _mapped_errors(), self._session(neo4j.READ_ACCESS) as session:
            session.run("RETURN 1 AS ok").consume()

    def ensure_index(self, label: str, prop: str) -> None:
        self.write(dialect.neo4j_index(label, prop))  # type: ignore[arg-type] - DDL from allowlisted names

    def ensure_unique(self, label: str, prop: str) -> None:
        self.write(dialect.neo4j_unique(label, prop))  # type: ignore[arg-type] - DDL from allowlisted names

    def drop_all(self) -> None:
        # CALL … IN TRANSACTIONS needs an auto-commit transaction, not a managed one.
        with _mapped_errors(), self._session(neo4j.WRITE_ACCESS) as session:
            session.run(dialect.NEO4J_DROP_ALL).consume()

    def close(self) -> None:
        if self._driver is not None and self._driver_pid == os.getpid():
            self._driver.close()
        self._driver = None


def _run(tx: neo4j.ManagedTransaction, query: str, params: dict[str, Any]) -> list[Row]:
    return [{key: _plain(value) for key, value in record.items()} for record in tx.run(query, params)]


@contextlib.contextmanager
def _mapped_errors() -> Iterator[None]:
    try:
        yield
    except neo4j_errors.AuthError as exc:
        raise GraphError(f"Neo4j refused our credentials: {exc}") from exc
    except neo4j_errors.IncompleteCommit as exc:
        raise GraphOutcomeUnknown(f"Neo4j lost the connection during a commit: {exc}") from exc
    except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, neo4j_errors.TransientError) as exc:
        raise GraphUnavailable(f"Neo4j is unavailable: {exc}") from exc
    except neo4j_errors.ConstraintError as exc:
        raise GraphConstraintError(str(exc)) from exc
    except neo4j_errors.DatabaseError as exc:
        if "ConstraintCreationFailed" in (exc.code or ""):  # existing nodes repeat the key
            raise GraphConstraintError(str(exc)) from exc
        raise GraphQueryError(str(exc)) from exc
    except neo4j_errors.Neo4jError as exc:
        raise GraphQueryError(str(exc)) from exc
    except neo4j_errors.DriverError as exc:
        raise GraphError(f"Neo4j driver error: {exc}") from exc


def _plain(value: Any) -> Any:
    """Nodes and relationships become their property maps; paths become {nodes, relationships}."""
    if isinstance(value, Node | Relationship):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, Path):
        return {
            "nodes": [_plain(node) for node in value.nodes],
            "relationships": [_plain(rel) for rel in value.relationships],
        }
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if hasattr(value, "to_native"):
        return value.to_native()
    return value
