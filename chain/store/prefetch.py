"""The export's record batches read ahead by a thread of their own, so DuckDB computes the next entity set
while the loader packs and sends this one (DuckDB releases the GIL while it works).

One thread owns the DuckDB connection for the whole load: it counts each set, then reads its batches into
a queue of at most AHEAD batches, which bounds the memory whatever the set's size. An error in the thread
is raised in the loader where it takes the next batch; a loader that stops early stops the thread.
"""

import contextlib
import queue
import threading
from collections.abc import Iterator

import pyarrow as pa

from chain.store.export import EntitySet, StoreExport

AHEAD = 4  # record batches (100,000 rows each) waiting at most

_END = object()  # the end of one entity set in the queue


class Prefetch:
    """`sets()` yields each entity set, its row count and an iterator over its batches, in export order."""

    def __init__(self, export: StoreExport) -> None:
        self._queue: queue.Queue = queue.Queue(maxsize=AHEAD)
        self._stop = threading.Event()
        self._connection = export.con
        self._thread = threading.Thread(target=self._read, args=(export,), name="store-prefetch", daemon=True)
        self._thread.start()

    def sets(self) -> Iterator[tuple[EntitySet, int, Iterator[pa.RecordBatch]]]:
        while (item := self._take()) is not _END:
            entity, total = item
            yield entity, total, self._batches()

    def close(self) -> None:
        """Stop the reader and wait until it has let go of the connection, which the caller closes next. It looks
        at least every 0.1 s while the queue is full; a query it is inside (an entity set's count or first batch
        can take minutes at chain scale) is interrupted, as Ctrl-C would."""
        self._stop.set()
        if self._thread.is_alive():
            self._connection.interrupt()
        self._thread.join()

    def _batches(self) -> Iterator[pa.RecordBatch]:
        while (batch := self._take()) is not _END:
            yield batch

    def _take(self):
        item = self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def _read(self, export: StoreExport) -> None:
        try:
            for entity in export.entity_sets():
                self._put((entity, export.size(entity)))
                for batch in export.batches(entity):
                    self._put(batch)
                self._put(_END)
            self._put(_END)
        except _Stopped:
            return
        except BaseException as error:  # noqa: BLE001 - handed to the loader's thread, which raises it
            with contextlib.suppress(_Stopped):
                self._put(error)

    def _put(self, item) -> None:
        while True:
            if self._stop.is_set():
                raise _Stopped
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue


class _Stopped(Exception):
    """The loader closed the prefetch before the end."""
