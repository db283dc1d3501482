"""The parse phase for one partition: its blocks, parsed in order, into the staging files of the store.

Runs in a worker process. Rows are streamed to Parquet writers in row groups, so a partition of
millions of transactions costs a bounded buffer, not a list of parsed blocks. Everything is written
under a temporary directory that replaces the partition's directory when whole; the manifest is
written after that, last, so a partition is complete exactly when its manifest is there (a kill at any
moment leaves a partition whole with its manifest, or without one: then it is parsed again).
"""

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from chain.blocks import Block
from chain.errors import ChainDataError
from chain.networks import network_named
from chain.store import layout
from chain.store.plan import Placed

FLUSH_ROWS = 65_536


def plan_digest(placed: list[Placed]) -> str:
    """What a manifest must match for its partition to count as done: the same blocks at the same heights."""
    text = ",".join(f"{p.height}:{p.entry.hash}" for p in placed)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class PartitionJob:
    root: str
    part: int
    placed: list[Placed]
    network: str
    buckets: int


def partition_parse(job: PartitionJob) -> dict:
    """Parse and write one partition; returns its manifest. Bad data raises ChainDataError naming where."""
    store = layout.StoreLayout(Path(job.root))
    final = store.staged(job.part)
    temporary = store.staging / f".part={job.part}.{os.getpid()}.tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    try:
        counts = _write_partition(temporary, job)
        layout.replace_dir(temporary, final)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    manifest = {"part": job.part, "digest": plan_digest(job.placed), **counts}
    layout.write_json(store.manifest(job.part), manifest)
    return manifest


def _write_partition(directory: Path, job: PartitionJob) -> dict:
    network = network_named(job.network)
    sinks = _Sinks(directory, job.buckets)
    try:
        for placed in job.placed:
            block = placed.entry.load(network)
            _check_height(block, placed.height, network.bip34_height)
            sinks.add_block(block, placed.height)
    finally:
        sinks.close()
    return {
        "blocks": len(job.placed),
        "first_height": job.placed[0].height,
        "last_height": job.placed[-1].height,
        "txs": sinks.txs,
        "outputs": sinks.outputs,
        "inputs": sinks.inputs,
    }


def _check_height(block: Block, height: int, bip34_height: int) -> None:
    """From BIP34 on, the coinbase must state the height the chain puts the block at (as ingest checks)."""
    stated = block.stated_height
    if stated is not None and height >= bip34_height and stated != height:
        raise ChainDataError(block.where, f"block states height {stated} but its chain puts it at {height}")


class _Sink:
    """A Parquet file written a row group at a time."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path, self.schema = path, schema
        self.buffer: list[tuple] = []
        self.writer = pq.ParquetWriter(path, schema, compression="zstd")
        self.rows = 0

    def add(self, *values) -> None:
        self.buffer.append(values)
        if len(self.buffer) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            transposed = zip(*self.buffer, strict=True)  # rows to columns, in C
            columns = [pa.array(values, type=f.type) for values, f in zip(transposed, self.schema, strict=True)]
            self.writer.write_table(pa.Table.from_arrays(columns, schema=self.schema))
            self.rows += len(self.buffer)
            self.buffer = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


class _Sinks:
    def __init__(self, directory: Path, buckets: int) -> None:
        self.buckets = buckets
        self.blocks = _Sink(directory / "blocks.parquet", layout.BLOCKS)
        self.transactions = _Sink(directory / "transactions.parquet", layout.STAGED_TRANSACTIONS)
        self.bucketed_outputs = [
            _Sink(layout.bucket_file(directory, "outputs", b), layout.STAGED_OUTPUTS) for b in range(buckets)
        ]
        self.bucketed_inputs = [
            _Sink(layout.bucket_file(directory, "inputs", b), layout.STAGED_INPUTS) for b in range(buckets)
        ]
        self.txs = self.outputs = self.inputs = 0

    def add_block(self, block: Block, height: int) -> None:
        hash_bytes, prev_bytes = bytes.fromhex(block.hash), bytes.fromhex(block.prev_hash)
        self.blocks.add(height, hash_bytes, prev_bytes, block.time, len(block.txs), block.where, self.txs)
        for index, tx in enumerate(block.txs):
            self._add_tx(tx, height, index, block.time)

    def _add_tx(self, tx, height: int, index: int, time: int) -> None:
        pos, txid = self.txs, bytes.fromhex(tx.txid)
        self.txs += 1
        self.transactions.add(
            pos, txid, height, index, time, tx.size, tx.coinbase, len(tx.inputs), len(tx.outputs), tx.value
        )
        outputs = self.bucketed_outputs[self._bucket(txid)]
        for out in tx.outputs:
            outputs.add(txid, out.n, pos, tx.coinbase, out.value, out.script_type, out.address)
        self.outputs += len(tx.outputs)
        for n, txin in enumerate(tx.inputs):
            prev = bytes.fromhex(txin.prev_txid)
            derived_type, derived_address = txin.derived or (None, None)
            source = txin.prevout
            self.bucketed_inputs[self._bucket(prev)].add(
                pos,
                n,
                prev,
                txin.prev_n,
                derived_type,
                derived_address,
                source.value if source else None,
                source.script_type if source else None,
                source.address if source else None,
            )
        self.inputs += len(tx.inputs)

    def _bucket(self, txid: bytes) -> int:
        """txids are uniformly random: their first byte spreads rows evenly over the buckets."""
        return txid[0] * self.buckets // 256

    def close(self) -> None:
        for sink in (self.blocks, self.transactions, *self.bucketed_outputs, *self.bucketed_inputs):
            sink.close()
