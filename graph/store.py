"""The one connection object the rest of ChainSleuth uses to reach the graph.

Callers pass constant Cypher and `$parameters` and get plain Python values
back (lists of dicts keyed by column), whichever engine runs underneath.
Each `write` is one statement and atomic on both engines: it applies in full
or not at all. FalkorDB has no multi-statement transactions, so work that
needs several statements must make each one idempotent (`MERGE … SET`) and
write its completion marker last.
"""

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, LiteralString, TypeVar

from graph.errors import GraphUnavailable
from graph.params import check_params

log = logging.getLogger(__name__)

Row = dict[str, Any]
T = TypeVar("T")


class GraphStore(ABC):
    engine: str
    retries: int = 4
    backoff_seconds: float = 0.25

    def read(self, query: LiteralString, /, **params: Any) -> list[Row]:
        """Run a read-only query; the database refuses writes inside it."""
        check_params(params)
        return self._retrying(lambda: self._read(query, params))

    def write(self, query: LiteralString, /, **params: Any) -> list[Row]:
        """Run one statement atomically; retried when the database is briefly unavailable."""
        check_params(params)
        return self._retrying(lambda: self._write(query, params))

    def write_rows(self, query: LiteralString, rows: Iterable[Row], *, batch_size: int = 5000) -> int:
        """Run `query` (which reads `UNWIND $rows AS row`) once per batch; returns the rows written."""
        written = 0
        for batch in _batches(rows, batch_size):
            self.write(query, rows=batch)
            written += len(batch)
        return written

    def _retrying(self, operation: Callable[[], T]) -> T:
        for attempt in range(self.retries + 1):
            try:
                return operation()
            except GraphUnavailable as exc:
                if attempt == self.retries:
                    raise
                delay = self.backoff_seconds * 2**attempt
                log.warning("graph unavailable (%s); retrying in %.2fs", exc, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")

    @abstractmethod
    def _read(self, query: str, params: dict[str, Any]) -> list[Row]: ...

    @abstractmethod
    def _write(self, query: str, params: dict[str, Any]) -> list[Row]: ...

    @abstractmethod
    def ping(self) -> None:
        """Raise GraphUnavailable unless the database answers a trivial query now (no retries)."""

    @abstractmethod
    def ensure_index(self, label: str, prop: str) -> None: ...

    @abstractmethod
    def ensure_unique(self, label: str, prop: str) -> None: ...

    @abstractmethod
    def drop_all(self) -> None:
        """Delete every node and relationship (tests and `graph reset` only)."""

    @abstractmethod
    def close(self) -> None: ...


def _batches(rows: Iterable[Row], size: int) -> Iterator[Sequence[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch
