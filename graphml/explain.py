"""Why an address was flagged: its most telling features and its most influential neighbours.

GNNExplainer (Ying et al. 2019, through `torch_geometric.explain`) learns soft
masks over the features and edges a prediction used. It runs on the address's
two-hop neighbourhood only (its transactions and every address on them), which
is exactly what a two-layer model reads, so each explanation takes a fraction of
a second instead of a pass over the whole graph.
"""

from dataclasses import dataclass

import numpy as np
import torch
from torch_geometric.data import HeteroData
from torch_geometric.explain import Explainer, GNNExplainer

from graphml.features import ADDRESS_FEATURES, ChainArrays
from graphml.nets import NodeScorer

MAX_TXS = 50  # an exchange's hot wallet has thousands of transactions: explain from its latest ones


@dataclass(frozen=True)
class Reasons:
    address: str
    features: list[str]
    weights: list[float]
    neighbours: list[str]


def explain(
    network: NodeScorer, arrays: ChainArrays, address_x: np.ndarray, targets: list[int], *, top: int = 3
) -> list[Reasons]:
    explainer = Explainer(
        model=network.eval(),
        algorithm=GNNExplainer(epochs=30),
        explanation_type="model",
        node_mask_type="attributes",
        edge_mask_type="object",
        model_config={"mode": "binary_classification", "task_level": "node", "return_type": "raw"},
    )
    return [_explain_one(explainer, arrays, address_x, target, top) for target in targets]


def _explain_one(explainer: Explainer, arrays: ChainArrays, address_x: np.ndarray, target: int, top: int) -> Reasons:
    data, addresses, local = neighbourhood(arrays, address_x, target)
    torch.manual_seed(0)  # the masks start random: the same model and graph give the same reasons
    explanation = explainer(data.x_dict, data.edge_index_dict, index=local)
    feature_mask = explanation["address"].node_mask[local].detach().numpy()
    order = np.argsort(-feature_mask, kind="stable")[:top]
    importance = np.zeros(len(addresses))
    for relation, mask in explanation.edge_mask_dict.items():
        edges = data[relation].edge_index
        side = 0 if relation[0] == "address" else 1
        np.maximum.at(importance, edges[side].numpy(), mask.detach().numpy())
    importance[local] = -1
    strongest = [i for i in np.argsort(-importance, kind="stable")[:top] if importance[i] > 0]
    return Reasons(
        address=arrays.addresses[int(addresses[local])],
        features=[ADDRESS_FEATURES[i] for i in order],
        weights=[round(float(feature_mask[i]), 4) for i in order],
        neighbours=[arrays.addresses[int(addresses[i])] for i in strongest],
    )


def neighbourhood(arrays: ChainArrays, address_x: np.ndarray, target: int) -> tuple[HeteroData, np.ndarray, int]:
    """The target's transactions (its latest MAX_TXS), every address on them, and the edges among them."""
    spends = arrays.inputs[1][arrays.inputs[0] == target]
    paid = arrays.outputs[0][arrays.outputs[1] == target]
    txs = np.unique(np.concatenate([spends, paid]))
    txs = txs[np.argsort(arrays.tx_height[txs], kind="stable")][-MAX_TXS:]
    in_keep = np.isin(arrays.inputs[1], txs)
    out_keep = np.isin(arrays.outputs[0], txs)
    addresses = np.unique(np.concatenate([[target], arrays.inputs[0][in_keep], arrays.outputs[1][out_keep]]))
    address_local = {int(a): i for i, a in enumerate(addresses)}
    tx_local = {int(t): i for i, t in enumerate(txs)}
    spend = np.array(
        [
            [address_local[int(a)] for a in arrays.inputs[0][in_keep]],
            [tx_local[int(t)] for t in arrays.inputs[1][in_keep]],
        ],
        dtype=np.int64,
    ).reshape(2, -1)
    pay = np.array(
        [
            [tx_local[int(t)] for t in arrays.outputs[0][out_keep]],
            [address_local[int(a)] for a in arrays.outputs[1][out_keep]],
        ],
        dtype=np.int64,
    ).reshape(2, -1)
    data = HeteroData()
    data["address"].x = torch.from_numpy(address_x[addresses])
    data["tx"].x = torch.from_numpy(arrays.tx_x[txs])
    data["address", "spends_in", "tx"].edge_index = torch.from_numpy(spend)
    data["tx", "pays", "address"].edge_index = torch.from_numpy(pay)
    data["tx", "spent_by", "address"].edge_index = torch.from_numpy(spend[::-1].copy())
    data["address", "paid_by", "tx"].edge_index = torch.from_numpy(pay[::-1].copy())
    return data, addresses, address_local[target]
