"""Per-address and per-transaction features, computed in bulk from the graph's pages (graph/ml.py).

The graph is read as it is: an address-transaction bipartite graph (INPUT edges
from an address to the transaction spending it, OUTPUT edges from a transaction
to the address it pays). Address features are computed from the edges confirmed
up to a block, so a training period's features know nothing of later blocks;
none is an absolute time or height. Each is described in docs/labeling.md.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from chain.clustering import DEFAULT_CHANGE_MIN_CONFIDENCE
from tagpack.taxonomy import EXCHANGE, HIGH_RISK, ILLICIT, SANCTIONED

SATS = 1e8
ROUND_UNIT = 100_000  # 0.001 BTC
SCRIPT_TYPES = ("p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr", "p2pk")
# Tag risk classes (tagpack/taxonomy.py) whose exposure is a feature, most severe first; code 0 is untagged.
TAG_CLASSES = (ILLICIT, HIGH_RISK, EXCHANGE)

ADDRESS_FEATURES = (
    "log_n_tx",
    "log_received_btc",
    "log_sent_btc",
    "kept_share",
    "log_lifetime_blocks",
    "tx_per_block_active",
    "log_outputs_received",
    "log_inputs_spent",
    "reused",
    "round_received_share",
    "log_mean_payer_inputs",
    "log_mean_spend_outputs",
    "log_mean_spend_feerate",
    "coinjoin_share",
    "log_cluster_size",
    "log_cluster_received_btc",
    *(f"{name}_tag_{way}_share" for name in TAG_CLASSES for way in ("received", "sent")),
    *(f"script_{name}" for name in SCRIPT_TYPES),
)
TX_FEATURES = (
    "log_value_btc",
    "log_fee",
    "log_feerate",
    "log_n_in",
    "log_n_out",
    "coinjoin",
    "coinbase",
    "round_output_share",
)


@dataclass
class ChainArrays:
    """The bipartite graph as arrays with contiguous indexes: addresses 0..A-1, transactions 0..T-1."""

    addresses: list[str]
    script: np.ndarray  # (A, len(SCRIPT_TYPES)) one-hot
    tx_x: np.ndarray  # (T, len(TX_FEATURES)) float32
    tx_height: np.ndarray  # (T,)
    inputs: np.ndarray  # (2, E_in): address index → spending tx index
    input_value: np.ndarray  # (E_in,) satoshis
    outputs: np.ndarray  # (2, E_out): tx index → paid address index
    output_value: np.ndarray  # (E_out,) satoshis
    links: np.ndarray  # (3, L): address, address, tx index: the two were clustered together by that tx
    tag_class: np.ndarray | None = None  # (A,) int8: 1 + index in TAG_CLASSES of the most severe tag; 0 none

    @property
    def index(self) -> dict[str, int]:
        return {address: i for i, address in enumerate(self.addresses)}

    @property
    def address_height(self) -> np.ndarray:
        """The first block each address appears in (paid or spending); max int64 if never."""
        first = np.full(len(self.addresses), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, self.outputs[1], self.tx_height[self.outputs[0]])
        np.minimum.at(first, self.inputs[0], self.tx_height[self.inputs[1]])
        return first

    @property
    def address_last_height(self) -> np.ndarray:
        """The last block each address appears in; -1 if never."""
        last = np.full(len(self.addresses), -1, dtype=np.int64)
        np.maximum.at(last, self.outputs[1], self.tx_height[self.outputs[0]])
        np.maximum.at(last, self.inputs[0], self.tx_height[self.inputs[1]])
        return last


def build(
    address_pages: Iterable[list[dict]],
    transaction_pages: Iterable[list[dict]],
    *,
    change_min_confidence: float = DEFAULT_CHANGE_MIN_CONFIDENCE,
    tags: Iterable[tuple[str, str]] = (),
) -> ChainArrays:
    """Addresses first (they fix the index), then transactions in one pass. Cluster links follow the rules
    ingestion applied (docs/clustering.md): a multi-input transaction joins its inputs, a change guess at or
    above `change_min_confidence` (CLUSTER_CHANGE_MIN_CONFIDENCE) joins the change output to the first input."""
    addresses, scripts = [], []
    for page in address_pages:
        for row in page:
            addresses.append(row["address"])
            scripts.append([row["script_type"] == name for name in SCRIPT_TYPES])
    index = {address: i for i, address in enumerate(addresses)}
    tx_x, tx_height = [], []
    spend, spend_value, pay, pay_value, links = [], [], [], [], []
    for page in transaction_pages:
        for tx in page:
            t = len(tx_x)
            tx_x.append(_tx_features(tx))
            tx_height.append(tx["height"])
            spenders = []
            for address, value in zip(tx["in_address"], tx["in_value"], strict=True):
                if (a := index.get(address)) is not None:
                    spend.append((a, t))
                    spend_value.append(value)
                    spenders.append(a)
            joined = _cluster_links(tx, spenders, index, change_min_confidence)
            links.extend((first, other, t) for first, other in joined)
            for address, value in zip(tx["out_address"] or [], tx["out_value"] or [], strict=True):
                if address and (a := index.get(address)) is not None:
                    pay.append((t, a))
                    pay_value.append(value)
    return ChainArrays(
        addresses=addresses,
        script=np.array(scripts, dtype=np.float32).reshape(-1, len(SCRIPT_TYPES)),
        tx_x=np.array(tx_x, dtype=np.float32).reshape(-1, len(TX_FEATURES)),
        tx_height=np.array(tx_height, dtype=np.int64),
        inputs=np.array(spend, dtype=np.int64).reshape(-1, 2).T.copy(),
        input_value=np.array(spend_value, dtype=np.float64),
        outputs=np.array(pay, dtype=np.int64).reshape(-1, 2).T.copy(),
        output_value=np.array(pay_value, dtype=np.float64),
        links=np.array(links, dtype=np.int64).reshape(-1, 3).T.copy(),
        tag_class=_tag_classes(tags, index),
    )


def _tag_classes(tags: Iterable[tuple[str, str]], index: dict[str, int]) -> np.ndarray:
    """(address, risk class) pairs → each address's most severe class code; tags off the graph are dropped."""
    codes = np.zeros(len(index), dtype=np.int8)
    for address, risk_class in tags:
        a = index.get(address)
        risk_class = ILLICIT if risk_class == SANCTIONED else risk_class  # the model's classes predate it
        if a is not None and risk_class in TAG_CLASSES:
            code = TAG_CLASSES.index(risk_class) + 1
            codes[a] = code if codes[a] == 0 else min(codes[a], code)
    return codes


def _cluster_links(tx: dict, spenders: list[int], index: dict[str, int], change_min_confidence: float):
    if not spenders:
        return
    if tx.get("multi_input"):
        yield from ((spenders[0], other) for other in spenders[1:] if other != spenders[0])
    change_n, confidence = tx.get("change_n"), tx.get("change_confidence")
    if change_n is not None and confidence is not None and confidence >= change_min_confidence:
        change = index.get((tx["out_address"] or [None] * (change_n + 1))[change_n])
        if change is not None:
            yield spenders[0], change


def _tx_features(tx: dict) -> list[float]:
    values = tx["out_value"] or []
    fee = tx["fee"] or 0
    feerate = fee / tx["size"] if tx["size"] else 0.0
    round_share = sum(v % ROUND_UNIT == 0 and v > 0 for v in values) / len(values) if values else 0.0
    return [
        float(np.log1p(sum(values) / SATS)),
        float(np.log1p(fee)),
        float(np.log1p(feerate)),
        float(np.log1p(tx["n_in"] or 0)),
        float(np.log1p(len(values))),
        float(tx["coinjoin"] is not None),
        float(bool(tx["coinbase"])),
        round_share,
    ]


def address_features(arrays: ChainArrays, until: int | None = None) -> np.ndarray:
    """(A, len(ADDRESS_FEATURES)) from the edges confirmed up to block `until` (None: all)."""
    size = len(arrays.addresses)
    spend_ok = _confirmed(arrays.tx_height[arrays.inputs[1]], until)
    pay_ok = _confirmed(arrays.tx_height[arrays.outputs[0]], until)
    spender, spend_tx = arrays.inputs[0][spend_ok], arrays.inputs[1][spend_ok]
    payee, pay_tx = arrays.outputs[1][pay_ok], arrays.outputs[0][pay_ok]
    value_in, value_out = arrays.input_value[spend_ok], arrays.output_value[pay_ok]

    def per_address(where: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(where, weights=weights, minlength=size).astype(np.float64)

    received, sent = per_address(payee, value_out), per_address(spender, value_in)
    n_out, n_in = per_address(payee), per_address(spender)
    n_tx = _distinct_transactions(np.concatenate([payee, spender]), np.concatenate([pay_tx, spend_tx]), size)
    heights = np.concatenate([arrays.tx_height[pay_tx], arrays.tx_height[spend_tx]])
    who = np.concatenate([payee, spender])
    first = np.full(size, np.inf)
    last = np.full(size, -np.inf)
    np.minimum.at(first, who, heights)
    np.maximum.at(last, who, heights)
    lifetime = np.where(np.isfinite(first), last - first, 0.0)
    tx = arrays.tx_x
    n_in_col, n_out_col, feerate_col = TX_FEATURES.index("log_n_in"), TX_FEATURES.index("log_n_out"), 2
    coinjoin = np.concatenate([tx[pay_tx, TX_FEATURES.index("coinjoin")], tx[spend_tx, TX_FEATURES.index("coinjoin")]])
    columns = [
        np.log1p(n_tx),
        np.log1p(received / SATS),
        np.log1p(sent / SATS),
        np.where(received > 0, (received - sent) / np.maximum(received, 1), 0.0),
        np.log1p(lifetime),
        n_tx / (lifetime + 1),
        np.log1p(n_out),
        np.log1p(n_in),
        (n_out > 1).astype(np.float64),
        per_address(payee, (value_out % ROUND_UNIT == 0).astype(np.float64)) / np.maximum(n_out, 1),
        per_address(payee, tx[pay_tx, n_in_col].astype(np.float64)) / np.maximum(n_out, 1),
        per_address(spender, tx[spend_tx, n_out_col].astype(np.float64)) / np.maximum(n_in, 1),
        per_address(spender, tx[spend_tx, feerate_col].astype(np.float64)) / np.maximum(n_in, 1),
        per_address(who, coinjoin.astype(np.float64)) / np.maximum(n_in + n_out, 1),
        *_cluster_columns(arrays, until, received),
        *_tag_exposure_columns(arrays, spend_ok, pay_ok, received, sent),
    ]
    seen = (n_in + n_out) > 0
    script = arrays.script * seen[:, None]
    return (
        np.column_stack([*columns, script]).astype(np.float32)
        if size
        else np.zeros((0, len(ADDRESS_FEATURES)), np.float32)
    )


def _cluster_columns(arrays: ChainArrays, until: int | None, received: np.ndarray) -> list[np.ndarray]:
    """Each address's cluster as of `until`, rebuilt from the links confirmed by then: the stored clusters
    hold every later merge, which a training period must not see. Log size (0 alone) and log BTC received."""
    size = len(arrays.addresses)
    links = arrays.links[:, _confirmed(arrays.tx_height[arrays.links[2]], until)]
    adjacency = coo_matrix((np.ones(links.shape[1]), (links[0], links[1])), shape=(size, size))
    _, cluster = connected_components(adjacency, directed=False)
    members = np.bincount(cluster)
    return [np.log(members[cluster]), np.log1p(np.bincount(cluster, weights=received)[cluster] / SATS)]


def _tag_exposure_columns(
    arrays: ChainArrays, spend_ok: np.ndarray, pay_ok: np.ndarray, received: np.ndarray, sent: np.ndarray
) -> list[np.ndarray]:
    """For each tag class: the share of an address's BTC received from tagged payers, and of its BTC sent
    to tagged payees. A payment's value is attributed in proportion: an address paid by a transaction
    whose inputs are 30% tagged received 30% of that output from tagged payers. The address's own tag
    never counts (its own inputs and outputs are left out of each transaction's shares), so a tag
    speaks of the neighbourhood, not of the address the model is scoring."""
    size, n_tx = len(arrays.addresses), len(arrays.tx_height)
    codes = arrays.tag_class if arrays.tag_class is not None else np.zeros(size, np.int8)
    spender, spend_tx, value_in = arrays.inputs[0][spend_ok], arrays.inputs[1][spend_ok], arrays.input_value[spend_ok]
    payee, pay_tx, value_out = arrays.outputs[1][pay_ok], arrays.outputs[0][pay_ok], arrays.output_value[pay_ok]
    in_total = np.bincount(spend_tx, weights=value_in, minlength=n_tx)
    out_total = np.bincount(pay_tx, weights=value_out, minlength=n_tx)
    own_in = _pair_sums(pay_tx, payee, spend_tx, spender, value_in, size)  # what each payee put into its payer
    own_out = _pair_sums(spend_tx, spender, pay_tx, payee, value_out, size)  # what each spender got back
    columns = []
    for code in range(1, len(TAG_CLASSES) + 1):
        in_tagged = np.bincount(spend_tx, weights=value_in * (codes[spender] == code), minlength=n_tx)
        out_tagged = np.bincount(pay_tx, weights=value_out * (codes[payee] == code), minlength=n_tx)
        own_tagged = codes[payee] == code
        from_tagged = _share(in_tagged[pay_tx] - own_in * own_tagged, in_total[pay_tx] - own_in)
        own_tagged = codes[spender] == code
        to_tagged = _share(out_tagged[spend_tx] - own_out * own_tagged, out_total[spend_tx] - own_out)
        columns.append(np.bincount(payee, weights=value_out * from_tagged, minlength=size) / np.maximum(received, 1))
        columns.append(np.bincount(spender, weights=value_in * to_tagged, minlength=size) / np.maximum(sent, 1))
    return columns


def _pair_sums(txs, who, other_txs, other_who, values, size: int) -> np.ndarray:
    """For each (tx, address) pair in (txs, who): the sum of `values` on the (other_txs, other_who) edges of
    the same pair, 0 when there is none."""
    if len(txs) == 0:
        return np.zeros(0)
    keys = other_txs.astype(np.int64) * size + other_who
    unique, inverse = np.unique(keys, return_inverse=True)
    sums = np.bincount(inverse, weights=values, minlength=len(unique))
    wanted = txs.astype(np.int64) * size + who
    at = np.clip(np.searchsorted(unique, wanted), 0, max(len(unique) - 1, 0))
    found = (unique[at] == wanted) if len(unique) else np.zeros(len(wanted), bool)
    return np.where(found, sums[at] if len(unique) else 0.0, 0.0)


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.where(whole > 0, np.clip(part, 0, None) / np.maximum(whole, 1e-9), 0.0)


def _confirmed(heights: np.ndarray, until: int | None) -> np.ndarray:
    return np.ones(len(heights), dtype=bool) if until is None else heights <= until


def _distinct_transactions(who: np.ndarray, txs: np.ndarray, size: int) -> np.ndarray:
    """Transactions per address, counting one that both pays and spends it once."""
    if len(who) == 0:
        return np.zeros(size)
    pairs = np.unique(who.astype(np.int64) * (int(txs.max()) + 1) + txs)
    return np.bincount(pairs // (int(txs.max()) + 1), minlength=size).astype(np.float64)
