"""Where address features come from: the graph (arrays read from it, graphml/features.py) or the chain store
(SQL over its Parquet tables, chain/store/features.py). Both give the same features for the same chain.

A source answers `features(until)`: the addresses seen by block `until` (None: the whole chain) and their
rows of ADDRESS_FEATURES. Training and labeling index rows by their own address list: `aligned` puts a
source's rows in that order, zeros for an address the block has not seen (as address_features gives it).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow.parquet as pq

from chain.clustering import DEFAULT_CHANGE_MIN_CONFIDENCE
from chain.store import feature_sql
from chain.store.features import features_dir, store_features, store_tip
from graph.store import GraphStore
from graph.tags import tag_classes
from graphml.features import (
    ADDRESS_FEATURES,
    ROUND_UNIT,
    SCRIPT_TYPES,
    TAG_CLASSES,
    ChainArrays,
    address_features,
)
from tagpack.taxonomy import ILLICIT, SANCTIONED


class FeatureTableError(ValueError):
    """A features table whose columns are not ADDRESS_FEATURES (written by another version): it names the file."""


@dataclass(frozen=True)
class AddressFeatures:
    addresses: list[str]
    matrix: np.ndarray  # (len(addresses), len(ADDRESS_FEATURES)) float32

    def sorted(self) -> "AddressFeatures":
        order = np.argsort(np.array(self.addresses, dtype=object), kind="stable")
        return AddressFeatures([self.addresses[i] for i in order], self.matrix[order])

    def aligned(self, addresses: list[str]) -> np.ndarray:
        """Rows in the order of `addresses`; zeros for an address this source did not see."""
        row = {address: i for i, address in enumerate(self.addresses)}
        found = np.array([row.get(address, -1) for address in addresses], dtype=np.int64)
        out = np.zeros((len(addresses), len(ADDRESS_FEATURES)), dtype=np.float32)
        out[found >= 0] = self.matrix[found[found >= 0]]
        return out


class FeatureSource(Protocol):
    def features(self, until: int | None) -> AddressFeatures: ...


class GraphFeatureSource:
    """Today's path: arrays read from the graph (graphml.runs.chain_arrays), features computed in numpy."""

    def __init__(self, arrays: ChainArrays) -> None:
        self.arrays = arrays

    def features(self, until: int | None) -> AddressFeatures:
        seen = self.arrays.address_height <= (until if until is not None else np.iinfo(np.int64).max - 1)
        matrix = address_features(self.arrays, until)[seen]
        return AddressFeatures([a for a, keep in zip(self.arrays.addresses, seen, strict=True) if keep], matrix)


class StoreFeatureSource:
    """The chain store's path: feature_sql.py on DuckDB (or Spark), written under `features/until=H/`, then read.

    `tags` are (address, risk class) pairs, as graph/tags.py tag_classes yields them; the store holds none."""

    def __init__(
        self,
        root: Path,
        *,
        tags: Iterable[tuple[str, str]] = (),
        change_min_confidence: float = DEFAULT_CHANGE_MIN_CONFIDENCE,
        engine: str = "duckdb",
        master: str | None = None,
        memory_limit: str = "1GB",
        threads: int = 2,
    ) -> None:
        self.root, self.tags = Path(root), list(tags)
        self.options = {
            "min_confidence": change_min_confidence,
            "engine": engine,
            "master": master,
            "memory_limit": memory_limit,
            "threads": threads,
        }

    def features(self, until: int | None) -> AddressFeatures:
        height = store_tip(self.root) if until is None else until
        store_features(self.root, until=height, tags=self.tags, **self.options)
        return store_features_read(self.root, height)


def feature_source(
    kind: str,
    *,
    graph: GraphStore,
    store_dir: Path | None = None,
    change_min_confidence: float = DEFAULT_CHANGE_MIN_CONFIDENCE,
    **store_options,
) -> FeatureSource:
    """`kind` "graph" (today's path) or "store" (the chain store at `store_dir`, `store_options` as
    StoreFeatureSource takes them). Both take the public tags from `graph`, where tag packs are imported."""
    if kind == "graph":
        from graphml.runs import chain_arrays  # training's module: imported only when the graph is read

        return GraphFeatureSource(chain_arrays(graph, change_min_confidence=change_min_confidence))
    if kind != "store":
        raise ValueError(f"unknown feature source {kind!r}: graph or store")
    if store_dir is None:
        raise ValueError("the store feature source needs store_dir, the chain store's directory")
    tags = tag_classes(graph)
    return StoreFeatureSource(store_dir, tags=tags, change_min_confidence=change_min_confidence, **store_options)


def store_features_read(root: Path, until: int) -> AddressFeatures:
    """The features a store holds for block `until` (`chainstore features --until H` wrote them)."""
    path = features_dir(root, until) / "address_features"
    if not path.is_dir():
        raise FileNotFoundError(f"no features for block {until} in {root}: run `chainstore features --until {until}`")
    table = pq.read_table(path)
    columns = tuple(name for name in table.column_names if name not in ("address_id", "address"))
    if columns != ADDRESS_FEATURES:
        raise FeatureTableError(f"{path}: columns {columns} are not this version's features {ADDRESS_FEATURES}")
    matrix = np.column_stack([table.column(name).to_numpy() for name in ADDRESS_FEATURES]).astype(np.float32)
    return AddressFeatures(table.column("address").to_pylist(), matrix.reshape(-1, len(ADDRESS_FEATURES)))


def definitions_agree() -> bool:
    """chain/store repeats graphml's names (it sits below graphml): true while they are the same."""
    store = (feature_sql.FEATURE_COLUMNS, feature_sql.TAG_CLASSES, feature_sql.SCRIPT_TYPES, feature_sql.ROUND_UNIT)
    return store == (ADDRESS_FEATURES, TAG_CLASSES, SCRIPT_TYPES, ROUND_UNIT) and feature_sql.TAG_ALIASES == {
        SANCTIONED: ILLICIT
    }
