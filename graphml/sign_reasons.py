"""Reasons for the propagated model (`sign`): Integrated Gradients over an address's propagated row.

sign's MLP reads one row per address (graphml/propagation.py): its own features,
the means of its transactions' features, and the means of its two-hop address
neighbourhoods (co-spenders, payers, payees, co-payees) once and twice over. So
Integrated Gradients needs no neighbourhood copy, as the GNN's does
(graphml/attribution.py): it integrates the gradient along the straight path
from a typical row (each column's median over the graph, from a sample of
addresses) to the address's own, and a row's 268 column attributions add up to
its logit minus the typical row's.

- Features: the column attributions summed per base feature (the name after the
  last '.': `spends_in.pays^2.log_n_tx` counts towards `log_n_tx`), wherever in
  the neighbourhood it was read. Names are ADDRESS_FEATURES or, for the means of
  its transactions, TX_FEATURES. `sources` sums them per place instead (`own`,
  `pays`, `spends_in.pays^1`, ...) for the deep look.
- Neighbours: the addresses on its transactions whose own features pushed its
  score up. A two-hop mean is linear in each neighbour's features, with weight
  1/deg(address) * 1/deg(tx) per path through a transaction, so the logit's
  gradient with respect to a neighbour's features is exact: the gradient at the
  real row on that path's one-hop columns times that weight. A neighbour's
  weight is that gradient times how far its features are from the typical
  address (first order, like the features' attributions). The twice-applied
  means (four hops) are left out: their addresses are not on its transactions.
"""

from dataclasses import dataclass

import numpy as np
import torch
from scipy.sparse import coo_matrix, csr_matrix
from torch_geometric.data import HeteroData

from graphml.attribution import STEPS, TOP, integrated_gradients, one_thread
from graphml.explain import Reasons
from graphml.features import ADDRESS_FEATURES, TX_FEATURES, ChainArrays
from graphml.nets import PropagatedScorer
from graphml.propagation import column_names, mean_operator, propagate, two_hop_paths

TARGET = "address"
BATCH = 4_096  # rows an Integrated Gradients pass attributes at once (an MLP: rows are independent)
SAMPLE = 20_000  # addresses whose rows give the typical (median) row
OWN = "own"


@dataclass(frozen=True)
class Columns:
    """What each propagated column is: its base feature and where it was read (`own` or a relation path)."""

    base: np.ndarray  # (columns,) index into `features`
    features: list[str]
    source: np.ndarray  # (columns,) index into `sources`
    sources: list[str]
    one_hop: dict[tuple, np.ndarray]  # two-hop path -> its k=1 columns, in ADDRESS_FEATURES order

    @classmethod
    def of(cls, graph: HeteroData, hops: int) -> "Columns":
        relations = list(graph.edge_index_dict)
        names = column_names(relations, TARGET, {"address": ADDRESS_FEATURES, "tx": TX_FEATURES}, hops)
        features = list(dict.fromkeys(name.rsplit(".", 1)[-1] for name in names))
        places = [name.rsplit(".", 1)[0] if "." in name else OWN for name in names]
        sources = list(dict.fromkeys(places))
        one_hop = {
            path: np.array([names.index(f"{path[0][1]}.{path[1][1]}^1.{f}") for f in ADDRESS_FEATURES])
            for path in two_hop_paths(relations, TARGET)
        }
        base = np.array([features.index(name.rsplit(".", 1)[-1]) for name in names])
        return cls(base, features, np.array([sources.index(p) for p in places]), sources, one_hop)

    def per_feature(self, attributions: np.ndarray) -> np.ndarray:
        """(rows, features): column attributions summed per base feature."""
        return _sum_by(attributions, self.base, len(self.features))

    def per_source(self, attributions: np.ndarray) -> np.ndarray:
        """(rows, sources): column attributions summed per place they were read."""
        return _sum_by(attributions, self.source, len(self.sources))


def _sum_by(values: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((len(values), n))
    np.add.at(out.T, group, values.T)
    return out


@dataclass(frozen=True)
class SignContext:
    """What a job's sign reasons need of the graph, computed once: the columns, the typical row, the
    one-hop mean operators (for neighbours) and the address features."""

    network: PropagatedScorer
    graph: HeteroData
    columns: Columns
    typical: np.ndarray  # (columns,) float32
    operators: dict[tuple, csr_matrix]
    address_x: np.ndarray
    address_median: np.ndarray

    @classmethod
    def of(cls, network: PropagatedScorer, graph: HeteroData, *, seed: int = 0) -> "SignContext":
        n = graph[TARGET].num_nodes
        sample = np.sort(np.random.default_rng(seed).permutation(n)[:SAMPLE])
        sample_rows = _rows(network, graph, sample)
        typical = np.median(sample_rows, axis=0) if len(sample_rows) else np.zeros(sample_rows.shape[1])
        sizes = {name: graph[name].num_nodes for name in graph.node_types}
        operators = {
            relation: mean_operator(edge_index.numpy(), sizes[relation[0]], sizes[relation[2]])
            for relation, edge_index in graph.edge_index_dict.items()
        }
        address_x = graph[TARGET].x.numpy()
        median = np.median(address_x, axis=0) if len(address_x) else np.zeros(address_x.shape[1])
        return cls(
            network.eval(),
            graph,
            Columns.of(graph, network.hops),
            typical.astype(np.float32),
            operators,
            address_x,
            median,
        )

    def rows(self, targets: np.ndarray) -> np.ndarray:
        return _rows(self.network, self.graph, targets)


def _rows(network: PropagatedScorer, graph: HeteroData, targets: np.ndarray) -> np.ndarray:
    return propagate(graph.x_dict, graph.edge_index_dict, target=TARGET, hops=network.hops, rows=targets)


def attribute_rows(context: SignContext, rows: np.ndarray, *, steps: int = STEPS) -> np.ndarray:
    """(rows, columns): Integrated Gradients of each row's logit from the typical row."""
    x = torch.from_numpy(rows)
    (attributions,) = integrated_gradients(
        context.network, (x,), (torch.from_numpy(context.typical).expand_as(x),), steps=steps
    )
    return attributions.numpy().astype(np.float64)


def neighbour_weights(context: SignContext, targets: np.ndarray, rows: np.ndarray) -> csr_matrix:
    """(targets, addresses): how much each address on a target's transactions pushed its logit up, through
    the one-hop two-hop means (see the module's docstring); a target's own entry is 0."""
    x = torch.from_numpy(rows).requires_grad_(True)
    context.network(x).sum().backward()
    gradient = x.grad.numpy().astype(np.float64)
    centred = context.address_x - context.address_median
    parts = []
    for (first, second), columns in context.columns.one_hop.items():
        reach = (context.operators[second][targets] @ context.operators[first]).tocoo()  # 1/deg weights
        parts.append((reach.row, reach.col, reach.data * _dots(centred, gradient[:, columns], reach.row, reach.col)))
    row, col, value = (np.concatenate(p) for p in zip(*parts, strict=True))
    value[col == targets[row]] = 0.0
    return coo_matrix((value, (row, col)), shape=(len(targets), len(context.address_x))).tocsr()  # sums paths


def _dots(centred: np.ndarray, gradient: np.ndarray, row: np.ndarray, col: np.ndarray, chunk=500_000) -> np.ndarray:
    """centred[col[i]] · gradient[row[i]] for each pair, `chunk` pairs at a time (a hub's neighbourhood can
    hold millions of pairs: their feature rows are not all gathered at once)."""
    out = np.empty(len(row))
    for lo in range(0, len(row), chunk):
        part = slice(lo, lo + chunk)
        out[part] = np.einsum("ij,ij->i", centred[col[part]], gradient[row[part]])
    return out


def sign_reasons(
    network: PropagatedScorer, arrays: ChainArrays, graph: HeteroData, targets: list[int], *, batch: int = BATCH
) -> list[Reasons]:
    """Reasons for every address in `targets` (indexes into `arrays.addresses`), `batch` rows at a time."""
    if not targets:
        return []
    context = SignContext.of(network, graph)
    out: list[Reasons] = []
    with one_thread():
        for lo in range(0, len(targets), batch):
            chunk = np.asarray(targets[lo : lo + batch], dtype=np.int64)
            out.extend(_reasons_of(context, arrays.addresses, chunk))
    return out


def sign_sources(network: PropagatedScorer, graph: HeteroData, target: int, *, steps: int = 64) -> dict[str, float]:
    """The deep look's breakdown of one address's attributions per place they were read, strongest first."""
    context = SignContext.of(network, graph)
    with one_thread():
        attributions = attribute_rows(context, context.rows(np.array([target])), steps=steps)
    per_source = context.columns.per_source(attributions)[0]
    order = np.argsort(-per_source, kind="stable")
    return {context.columns.sources[i]: round(float(per_source[i]), 4) for i in order}


def _reasons_of(context: SignContext, addresses: list[str], targets: np.ndarray, top: int = TOP) -> list[Reasons]:
    rows = context.rows(targets)
    per_feature = context.columns.per_feature(attribute_rows(context, rows))
    neighbours = neighbour_weights(context, targets, rows)
    out = []
    for k, target in enumerate(targets):
        features = np.argsort(-per_feature[k], kind="stable")[:top]
        start, end = neighbours.indptr[k], neighbours.indptr[k + 1]
        weight, node = neighbours.data[start:end], neighbours.indices[start:end]
        strongest = [int(node[i]) for i in np.argsort(-weight, kind="stable")[:top] if weight[i] > 0]
        out.append(
            Reasons(
                address=addresses[int(target)],
                features=[context.columns.features[i] for i in features],
                weights=[round(float(per_feature[k, i]), 4) for i in features],
                neighbours=[addresses[i] for i in strongest],
            )
        )
    return out


def sign_fidelity(
    network: PropagatedScorer, graph: HeteroData, targets: list[int], *, k: int = TOP, draws: int = 5, seed: int = 0
) -> dict[str, float]:
    """Do the feature reasons point at what the score rests on? The mean drop of the targets' logits when
    every column of their top-k attributed base features is set to the typical row's, beside the same for
    k base features picked at random (`draws` times)."""
    context = SignContext.of(network, graph)
    rows = context.rows(np.asarray(targets, dtype=np.int64))
    with one_thread():
        per_feature = context.columns.per_feature(attribute_rows(context, rows))
    rng, n_features = np.random.default_rng(seed), len(context.columns.features)

    @torch.no_grad()
    def logits(values: np.ndarray) -> np.ndarray:
        return context.network(torch.from_numpy(values)).numpy()

    def without(chosen: np.ndarray) -> np.ndarray:
        """Each row with the columns of its chosen base features (targets by k) set to the typical row's."""
        hit = (context.columns.base[None, None, :] == chosen[:, :, None]).any(axis=1)
        return logits(np.where(hit, context.typical[None, :], rows).astype(np.float32))

    base = logits(rows)
    top = np.argsort(-per_feature, axis=1, kind="stable")[:, :k]
    randoms = [np.argsort(rng.random((len(targets), n_features)), axis=1)[:, :k] for _ in range(draws)]
    return {
        "features_top": float(np.mean(base - without(top))),
        "features_random": float(np.mean([np.mean(base - without(r)) for r in randoms])),
    }
