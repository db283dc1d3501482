"""Reasons in words: what each feature a model reads means to an investigator, and which way it pushed.

A job stores an address's reasons as feature names and their attributions (logit units: Integrated
Gradients for the networks, occlusion for the trees; docs/labeling.md). An investigator reads neither
`log_n_tx` nor 1.37: they read "Number of transactions it took part in, raised the risk, 45 % of the
weight". The phrases are noun phrases that hold for every model kind: sign's reasons sum a feature
wherever in the neighbourhood it was read, the others' are the address's own, so no phrase says whose
value it was. A test fails when a feature has no phrase, so a new feature cannot reach a screen as a
raw name; a name from an older model that today's code no longer computes is shown as it is.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from graphml.features import ADDRESS_FEATURES, TX_FEATURES
from tagpack.taxonomy import EXCHANGE, HIGH_RISK, ILLICIT

RAISES, LOWERS = "raises", "lowers"

_ADDRESS = {
    "log_n_tx": "Number of transactions it took part in",
    "log_received_btc": "Amount of bitcoin it received",
    "log_sent_btc": "Amount of bitcoin it sent",
    "kept_share": "Share of what it received that it kept rather than passed on",
    "log_lifetime_blocks": "How long it was in use (blocks from first to last activity)",
    "tx_per_block_active": "How busy it was while in use (transactions per block: bursts)",
    "log_outputs_received": "Number of payments it received",
    "log_inputs_spent": "Number of coins it spent",
    "reused": "Address reuse (paid more than once)",
    "round_received_share": "Share of its payments received in round amounts",
    "log_mean_payer_inputs": "Inputs of the transactions that paid it (fan-in, consolidation)",
    "log_mean_spend_outputs": "Outputs of the transactions that spent from it (fan-out, batching, peeling)",
    "log_mean_spend_feerate": "Fee rate it paid when spending",
    "coinjoin_share": "Share of its transactions that are CoinJoins",
    "log_cluster_size": "Size of its cluster (addresses spent together)",
    "log_cluster_received_btc": "Bitcoin received by its whole cluster",
}
_TAGGED = {ILLICIT: "tagged illicit", HIGH_RISK: "tagged high-risk (mixers, CoinJoin)", EXCHANGE: "tagged exchanges"}
_SCRIPTS = {
    "p2pkh": "P2PKH (legacy, starts with 1)",
    "p2sh": "P2SH (script hash, starts with 3)",
    "p2wpkh": "P2WPKH (native SegWit)",
    "p2wsh": "P2WSH (SegWit script)",
    "p2tr": "P2TR (Taproot)",
    "p2pk": "P2PK (bare public key, early coins)",
}
_TRANSACTIONS = {  # sign reads the means of an address's transactions' features
    "log_value_btc": "Value of its transactions",
    "log_fee": "Fees of its transactions",
    "log_feerate": "Fee rates of its transactions",
    "log_n_in": "Inputs per transaction on its transactions",
    "log_n_out": "Outputs per transaction on its transactions",
    "coinjoin": "CoinJoins among its transactions",
    "coinbase": "Mining rewards (coinbase) among its transactions",
    "round_output_share": "Round-amount outputs on its transactions",
}

WORDING: dict[str, str] = {
    **_ADDRESS,
    **{
        f"{name}_tag_received_share": f"Share of its bitcoin received from addresses {who}"
        for name, who in _TAGGED.items()
    },
    **{f"{name}_tag_sent_share": f"Share of its bitcoin sent to addresses {who}" for name, who in _TAGGED.items()},
    **{f"script_{name}": f"Script type {kind}" for name, kind in _SCRIPTS.items()},
    **_TRANSACTIONS,
}
FEATURES = (*ADDRESS_FEATURES, *TX_FEATURES)  # every name a reason can carry (attribution, sign_reasons, explain)


@dataclass(frozen=True)
class WordedReason:
    """One reason as a person reads it. `attribution`: the model's number (logit units); `weight`: its share
    of the reasons shown (absolute values, so a reason that lowered the risk counts by its size too);
    `direction` is None where no attribution was kept (a case's snapshot keeps the names only)."""

    feature: str
    text: str
    direction: str | None
    weight: float | None
    attribution: float | None

    def sentence(self) -> str:
        """A line for a report: "Number of transactions it took part in: raised the risk (45 % of the weight)"."""
        if self.direction is None:
            return self.text
        way = "raised the risk" if self.direction == RAISES else "lowered the risk"
        return f"{self.text}: {way} ({round(100 * self.weight)} % of the weight)"


def phrase(feature: str) -> str:
    """The feature in words; an unknown name (an older model's) as it is, never an error on a page."""
    return WORDING.get(feature, feature)


def direction(attribution: float) -> str | None:
    """Positive attributions pushed the score towards illicit, negative ones away; zero neither."""
    return RAISES if attribution > 0 else LOWERS if attribution < 0 else None


def worded_reasons(features: Sequence[str], weights: Sequence[float] | None = None) -> list[WordedReason]:
    """A job's reasons (its `risk_reasons`, and `risk_reason_weights` where it has them) in words, in their
    order (strongest first)."""
    if weights is None or len(weights) != len(features):
        return [WordedReason(name, phrase(name), None, None, None) for name in features]
    total = sum(abs(float(w)) for w in weights)
    return [
        WordedReason(
            name, phrase(name), direction(float(w)), round(abs(float(w)) / total, 4) if total else 0.0, float(w)
        )
        for name, w in zip(features, weights, strict=True)
    ]


def worded(features: Sequence[str] | None, weights: Sequence[float] | None = None) -> list[dict]:
    """`worded_reasons` as plain dicts (feature, text, direction, weight, attribution, sentence), for the API
    and reports; no reasons (None) gives none."""
    return [asdict(reason) | {"sentence": reason.sentence()} for reason in worded_reasons(features or [], weights)]
