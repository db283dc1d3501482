"""Multi-hop neighbourhood features computed once with sparse products (SIGN, Frasca et al. 2020; SGC, Wu et al. 2019).

A message-passing GNN recomputes its neighbours' messages at every epoch, over every
edge; here the neighbourhood is averaged once, before training, so the model is an
MLP over each node's rows and trains in mini-batches whose cost does not depend on
the degree of the node. For a target node type (the address) and the relations of
its heterogeneous graph, a node's row holds:

- its own features X;
- for each relation into it, the mean of its sources' features (for an address: the
  transactions paying it, the transactions spending it);
- for each two-hop path back to its own type (address → tx → address: co-spenders,
  payers, payees, co-payees), the mean over that path, applied k = 1 .. `hops` times
  (Â X, Â² X: payers of payers reach four hops of the bipartite graph).

Each mean is a row-normalised sparse incidence matrix times a dense one, so building
every row costs O(edges * features) once. A two-hop operator is never formed as a
matrix (a 100-by-100 CoinJoin would make 10,000 entries): it is applied as its two
factors.
"""

from collections.abc import Mapping

import numpy as np
import torch
from scipy.sparse import csr_matrix

Relation = tuple[str, str, str]


def mean_operator(edge_index: np.ndarray, sources: int, destinations: int) -> csr_matrix:
    """destinations by sources: row d averages the sources with an edge into d (a row of zeros where none)."""
    source, destination = edge_index
    degree = np.bincount(destination, minlength=destinations).astype(np.float32)
    weights = 1.0 / np.maximum(degree[destination], 1.0)
    return csr_matrix((weights, (destination, source)), shape=(destinations, sources), dtype=np.float32)


def two_hop_paths(relations: list[Relation], target: str) -> list[tuple[Relation, Relation]]:
    """Every (first, second) pair of relations leading from `target` back to `target` through one node."""
    return [
        (first, second)
        for first in relations
        if first[0] == target
        for second in relations
        if second[0] == first[2] and second[2] == target
    ]


def column_names(
    relations: list[Relation], target: str, feature_names: Mapping[str, tuple[str, ...]], hops: int
) -> list[str]:
    """One name a column of `propagate`'s rows, in its order: `feature`, `relation.feature`,
    `first.second^k.feature` (e.g. `spends_in.pays^1.log_n_tx`: the mean over the payees of the
    transactions the address spends in)."""
    names = list(feature_names[target])
    for relation in relations:
        if relation[2] == target:
            names += [f"{relation[1]}.{name}" for name in feature_names[relation[0]]]
    for first, second in two_hop_paths(relations, target):
        for k in range(1, hops + 1):
            names += [f"{first[1]}.{second[1]}^{k}.{name}" for name in feature_names[target]]
    return names


def propagate(
    x: Mapping[str, torch.Tensor | np.ndarray],
    edges: Mapping[Relation, torch.Tensor | np.ndarray],
    *,
    target: str,
    hops: int = 2,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """The rows (float32) of the target nodes `rows` (None: all), columns as `column_names` says.

    Intermediate products span every node (a neighbour's mean needs its neighbours), but only the
    wanted rows are kept, so a period's matrix holds its own labelled nodes, not the whole graph."""
    dense = {name: _numpy(features) for name, features in x.items()}
    size = {name: len(features) for name, features in dense.items()}
    operators = {
        relation: mean_operator(_numpy(edge_index), size[relation[0]], size[relation[2]])
        for relation, edge_index in edges.items()
    }
    keep = slice(None) if rows is None else rows
    own = dense[target]
    blocks = [own[keep]]
    for relation, operator in operators.items():
        if relation[2] == target:
            blocks.append((operator @ dense[relation[0]])[keep])
    for first, second in two_hop_paths(list(operators), target):
        current = own
        for _ in range(hops):
            current = operators[second] @ (operators[first] @ current)
            blocks.append(current[keep])
    return np.ascontiguousarray(np.concatenate(blocks, axis=1), dtype=np.float32)


def _numpy(values) -> np.ndarray:
    return values.numpy() if isinstance(values, torch.Tensor) else np.asarray(values)
