"""The graph neural networks: message passing over the address-transaction graph, scoring addresses.

Two layers take an address's features to the transactions it touches and back to
the addresses on their other side (co-spenders, payers, payees), so a score sees
two hops of money flow. GraphSAGE (Hamilton et al. 2017) is inductive: it scores
addresses it never saw in training. GAT (Veličković et al. 2018; v2, Brody et al.
2022) weighs neighbours by attention, which suits high-degree hubs such as exchanges.
"""

import torch
from torch import nn
from torch_geometric.nn import GATv2Conv, HeteroConv, Linear, SAGEConv

RELATIONS = (
    ("address", "spends_in", "tx"),
    ("tx", "pays", "address"),
    ("tx", "spent_by", "address"),
    ("address", "paid_by", "tx"),
)
KINDS = ("graphsage", "gat")


class AddressScorer(nn.Module):
    """Node-type encoders, `layers` heterogeneous convolutions with residuals, a logit per address."""

    def __init__(self, kind: str, *, hidden: int = 64, layers: int = 2, dropout: float = 0.2) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"unknown model {kind!r} (one of {', '.join(KINDS)})")
        self.kind = kind
        self.encode = nn.ModuleDict({"address": Linear(-1, hidden), "tx": Linear(-1, hidden)})
        self.convs = nn.ModuleList(
            HeteroConv({relation: _conv(kind, hidden) for relation in RELATIONS}, aggr="sum") for _ in range(layers)
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Sequential(Linear(2 * hidden, hidden), nn.ReLU(), Linear(hidden, 1))

    def embed(self, x: dict[str, torch.Tensor], edges: dict[tuple, torch.Tensor]) -> torch.Tensor:
        hidden = {name: torch.relu(self.encode[name](features)) for name, features in x.items()}
        own = hidden["address"]
        for conv in self.convs:
            passed = conv(hidden, edges)
            hidden = {name: self.dropout(torch.relu(passed.get(name, 0) + h)) for name, h in hidden.items()}
        return torch.cat([own, hidden["address"]], dim=-1)

    def forward(self, x: dict[str, torch.Tensor], edges: dict[tuple, torch.Tensor]) -> torch.Tensor:
        return self.head(self.embed(x, edges)).squeeze(-1)


def _conv(kind: str, hidden: int) -> nn.Module:
    if kind == "graphsage":
        return SAGEConv((-1, -1), hidden)
    return GATv2Conv((-1, -1), hidden, heads=2, concat=False, add_self_loops=False)
