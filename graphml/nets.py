"""The graph neural networks: message passing over a heterogeneous graph, scoring one node type.

Two layers take an address's features to the transactions it touches and back to
the addresses on their other side (co-spenders, payers, payees), so a score sees
two hops of money flow. GraphSAGE (Hamilton et al. 2017) is inductive: it scores
addresses it never saw in training. GAT (Veličković et al. 2018; v2, Brody et al.
2022) weighs neighbours by attention, which suits high-degree hubs such as exchanges.
The same networks score Elliptic's transaction graph (graphml/elliptic.py): only
the node types and relations differ.
"""

import numpy as np
import torch
from torch import nn
from torch_geometric.nn import GATv2Conv, HeteroConv, Linear, SAGEConv

from graphml.propagation import propagate

RELATIONS = (
    ("address", "spends_in", "tx"),
    ("tx", "pays", "address"),
    ("tx", "spent_by", "address"),
    ("address", "paid_by", "tx"),
)
PROPAGATED = "sign"  # an MLP over precomputed multi-hop means (graphml/propagation.py)
FULL_BATCH = ("graphsage", "gat")
KINDS = (PROPAGATED, *FULL_BATCH)


class NodeScorer(nn.Module):
    """Node-type encoders, `layers` heterogeneous convolutions with residuals, a logit per `target` node."""

    def __init__(
        self,
        kind: str,
        *,
        hidden: int = 64,
        layers: int = 2,
        dropout: float = 0.2,
        relations: tuple[tuple[str, str, str], ...] = RELATIONS,
        target: str = "address",
    ) -> None:
        super().__init__()
        if kind not in FULL_BATCH:
            raise ValueError(f"unknown message-passing model {kind!r} (one of {', '.join(FULL_BATCH)})")
        self.kind, self.target = kind, target
        node_types = sorted({relation[0] for relation in relations} | {relation[2] for relation in relations})
        self.encode = nn.ModuleDict({name: Linear(-1, hidden) for name in node_types})
        self.convs = nn.ModuleList(
            HeteroConv({relation: _conv(kind, hidden) for relation in relations}, aggr="sum") for _ in range(layers)
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Sequential(Linear(2 * hidden, hidden), nn.ReLU(), Linear(hidden, 1))

    def embed(self, x: dict[str, torch.Tensor], edges: dict[tuple, torch.Tensor]) -> torch.Tensor:
        hidden = {name: torch.relu(self.encode[name](features)) for name, features in x.items()}
        own = hidden[self.target]
        for conv in self.convs:
            passed = conv(hidden, edges)
            hidden = {name: self.dropout(torch.relu(passed.get(name, 0) + h)) for name, h in hidden.items()}
        return torch.cat([own, hidden[self.target]], dim=-1)

    def forward(self, x: dict[str, torch.Tensor], edges: dict[tuple, torch.Tensor]) -> torch.Tensor:
        return self.head(self.embed(x, edges)).squeeze(-1)

    @torch.no_grad()
    def infer(self, x: dict[str, torch.Tensor], edges: dict[tuple, torch.Tensor], *, chunk: int = 65_536):
        """What `forward` gives in eval mode, computed a layer at a time over chunks of destination nodes.

        A full-batch pass materialises every edge's message at once (edges by hidden floats per relation
        and layer: gigabytes at millions of addresses, more for attention); here at most `chunk` nodes'
        incoming edges are in flight, so the working memory beyond the graph itself is the node states
        (nodes by hidden) and one chunk's messages. Scores equal the full-batch ones to float rounding.
        """
        self.eval()
        hidden = {name: torch.relu(self.encode[name](features)) for name, features in x.items()}
        own = hidden[self.target]
        by_destination = {relation: _sorted_by_destination(edge_index) for relation, edge_index in edges.items()}
        for conv in self.convs:
            passed: dict[str, torch.Tensor] = {}
            for relation, edge_index in by_destination.items():
                source, _, destination = relation
                out = _chunked(conv.convs[relation], hidden[source], hidden[destination], edge_index, chunk)
                passed[destination] = passed[destination] + out if destination in passed else out
            hidden = {name: torch.relu(passed.get(name, 0) + h) for name, h in hidden.items()}
        return self.head(torch.cat([own, hidden[self.target]], dim=-1)).squeeze(-1)


def _sorted_by_destination(edge_index: torch.Tensor) -> torch.Tensor:
    return edge_index[:, torch.argsort(edge_index[1], stable=True)]


def _chunked(conv: nn.Module, source: torch.Tensor, destination: torch.Tensor, edges: torch.Tensor, chunk: int):
    """One relation's convolution, `chunk` destination nodes at a time (edges sorted by destination)."""
    targets = edges[1].contiguous()
    parts = []
    for lo in range(0, len(destination), chunk):
        hi = min(lo + chunk, len(destination))
        first, last = torch.searchsorted(targets, torch.tensor([lo, hi])).tolist()
        local = torch.stack([edges[0, first:last], targets[first:last] - lo])
        parts.append(conv((source, destination[lo:hi]), local))
    return torch.cat(parts) if parts else destination.new_zeros((0, conv.out_channels))


def _conv(kind: str, hidden: int) -> nn.Module:
    if kind == "graphsage":
        return SAGEConv((-1, -1), hidden)
    return GATv2Conv((-1, -1), hidden, heads=2, concat=False, add_self_loops=False)


class PropagatedScorer(nn.Module):
    """SIGN's classifier: standardise a node's propagated rows (graphml/propagation.py), then an MLP.

    `forward` takes the rows themselves (nodes by columns), so gradient attributions (Captum) see each
    column, every one of which is a named feature of the node or of a neighbourhood mean. `infer`
    takes the graph, as NodeScorer's does, and scores it in chunks of rows."""

    def __init__(self, columns: int, *, hidden: int = 64, dropout: float = 0.2, hops: int = 2) -> None:
        super().__init__()
        self.kind, self.hops = PROPAGATED, hops
        self.register_buffer("mean", torch.zeros(columns))
        self.register_buffer("scale", torch.ones(columns))
        self.mlp = nn.Sequential(
            nn.Linear(columns, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, 1),
        )

    def standardise_on(self, rows: np.ndarray) -> None:
        """Centre and scale each column by its training-period mean and spread (a constant column stays 0)."""
        self.mean.copy_(torch.from_numpy(rows.mean(axis=0)))
        self.scale.copy_(torch.from_numpy(np.maximum(rows.std(axis=0), 1e-6)))

    def forward(self, rows: torch.Tensor) -> torch.Tensor:
        return self.mlp((rows - self.mean) / self.scale).squeeze(-1)

    def rows(self, x: dict[str, torch.Tensor], edges: dict[tuple, torch.Tensor], *, target: str = "address"):
        """Every `target` node's propagated rows, as numpy (graphml.propagation.propagate)."""
        return propagate(x, edges, target=target, hops=self.hops)

    @torch.no_grad()
    def infer(
        self, x: dict[str, torch.Tensor], edges: dict[tuple, torch.Tensor], *, target: str = "address", chunk=65_536
    ) -> torch.Tensor:
        """Logits for every `target` node of the graph, `chunk` rows through the MLP at a time."""
        self.eval()
        rows = self.rows(x, edges, target=target)
        if not len(rows):
            return torch.zeros(0)
        return torch.cat([self(torch.from_numpy(rows[lo : lo + chunk])) for lo in range(0, len(rows), chunk)])


def network_for(kind: str, *, hidden: int, state: dict[str, torch.Tensor]) -> nn.Module:
    """The network a saved state dict belongs to, ready for `load_state_dict`."""
    if kind == PROPAGATED:
        return PropagatedScorer(state["mean"].shape[0], hidden=hidden)
    return NodeScorer(kind, hidden=hidden)
