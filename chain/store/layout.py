"""Where each table of the chain store lies, its columns, and how a file is written so a crash leaves none half-written.

A store directory holds:

    store.json                                  network, partition size, buckets (fixed when the store is made)
    staging/part=K/                             what the parse phase wrote for heights [K*size, (K+1)*size)
        blocks.parquet, transactions.parquet     in chain order; `tx_pos` is the position in the partition
        outputs_bBB.parquet, inputs_bBB.parquet  bucketed by the first byte of the (spent) txid, BB in 00..B-1
        _manifest.json                           written LAST: the partition's blocks and row counts
    resolve/numbering.parquet                   part, tx_base: tx_id = tx_base + tx_pos (dense, chain order)
    resolve/joined/b=BB/part=K/*.parquet        each bucket's inputs joined to the outputs they spend
    resolve/joined/b=BB/_done.json              written last for the bucket
    tables/<table>/part=K/data.parquet          the store's tables (docs/scale.md "The chain store")
    tables/_done/part=K.json                    written last for the partition: its four tables are whole

docs/scale.md describes every column; this module is the one place that names the paths.
"""

import json
import os
import shutil
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

TXID = pa.binary(32)  # the txid as displayed (big-endian); 32 bytes where hex would take 64

BLOCKS = pa.schema(
    [
        ("height", pa.int32()),
        ("hash", TXID),
        ("prev_hash", TXID),
        ("time", pa.uint32()),
        ("n_tx", pa.int32()),
        ("where", pa.string()),
        ("first_tx_pos", pa.int64()),
    ]
)
STAGED_TRANSACTIONS = pa.schema(
    [
        ("tx_pos", pa.int64()),
        ("txid", TXID),
        ("height", pa.int32()),
        ("index", pa.int32()),
        ("time", pa.uint32()),
        ("size", pa.int32()),
        ("coinbase", pa.bool_()),
        ("n_inputs", pa.int32()),
        ("n_outputs", pa.int32()),
        ("output_value", pa.int64()),
    ]
)
STAGED_OUTPUTS = pa.schema(
    [
        ("txid", TXID),
        ("n", pa.int32()),
        ("tx_pos", pa.int64()),
        ("coinbase", pa.bool_()),
        ("value", pa.int64()),
        ("script_type", pa.string()),
        ("address", pa.string()),
    ]
)
STAGED_INPUTS = pa.schema(
    [
        ("tx_pos", pa.int64()),
        ("index", pa.int32()),
        ("prev_txid", TXID),
        ("prev_n", pa.int64()),  # uint32 on the wire
        ("derived_type", pa.string()),
        ("derived_address", pa.string()),
        ("source_value", pa.int64()),  # the spent output as the source gave it (Core's getblock verbosity 3)
        ("source_type", pa.string()),
        ("source_address", pa.string()),
    ]
)
TABLES = ("blocks", "transactions", "outputs", "inputs")


class StoreLayout:
    """The paths of one store directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def settings_file(self) -> Path:
        return self.root / "store.json"

    @property
    def staging(self) -> Path:
        return self.root / "staging"

    def staged(self, part: int) -> Path:
        return self.staging / f"part={part}"

    def manifest(self, part: int) -> Path:
        return self.staged(part) / "_manifest.json"

    @property
    def resolve(self) -> Path:
        return self.root / "resolve"

    @property
    def numbering(self) -> Path:
        return self.resolve / "numbering.parquet"

    @property
    def resolve_plan(self) -> Path:
        return self.resolve / "plan.json"

    def joined(self, bucket: int) -> Path:
        return self.resolve / "joined" / f"b={bucket:02x}"

    def joined_done(self, bucket: int) -> Path:
        return self.joined(bucket) / "_done.json"

    @property
    def tables(self) -> Path:
        return self.root / "tables"

    def table(self, name: str, part: int) -> Path:
        return self.tables / name / f"part={part}" / "data.parquet"

    def table_glob(self, name: str) -> str:
        """For DuckDB's read_parquet (with hive_partitioning, `part` is a column too)."""
        return str(self.tables / name / "*" / "*.parquet")

    def final_done(self, part: int) -> Path:
        return self.tables / "_done" / f"part={part}.json"

    @property
    def temp(self) -> Path:
        """DuckDB spills here (its temp_directory), inside the store so it is on the store's disk."""
        return self.root / "tmp"


def bucket_file(directory: Path, table: str, bucket: int) -> Path:
    return directory / f"{table}_b{bucket:02x}.parquet"


def write_json(path: Path, document: dict) -> None:
    """Atomically: a temporary file, fsync, rename, fsync of the directory. A marker is whole or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w") as handle:
        json.dump(document, handle, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    fsync_dir(path.parent)


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write_table(path: Path, table: pa.Table) -> None:
    """One Parquet file, atomically (as write_json)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, temporary, compression="zstd")
    fsync_file(temporary)
    os.replace(temporary, path)
    fsync_dir(path.parent)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    for directory, _, files in os.walk(path):
        for name in files:
            fsync_file(Path(directory) / name)
        fsync_dir(Path(directory))


def replace_dir(temporary: Path, final: Path) -> None:
    """Put a finished directory in place of whatever (a partial earlier attempt) was there."""
    fsync_tree(temporary)
    if final.exists():
        shutil.rmtree(final)
    os.replace(temporary, final)
    fsync_dir(final.parent)


MARKER = "_build.json"  # what a published directory was made from (clusters: the build; features: until, engine)


def publish(temporary: Path, final: Path, marker: dict | None) -> None:
    """`temporary` (its marker written last) in place of `final`: a reader finds the old directory or the new."""
    if marker is not None:
        write_json(temporary / MARKER, marker)
    fsync_tree(temporary)
    shutil.rmtree(final, ignore_errors=True)
    temporary.rename(final)


def step_enter(tally, on_step, name: str) -> None:
    """A phase's tally enters step `name`: the step before gets its seconds (`step_seconds`), `on_step` hears."""
    now = time.monotonic()
    if tally.step:
        tally.step_seconds[tally.step] = round(now - tally.step_started, 3)
    tally.step, tally.step_started = name, now
    on_step(tally)
