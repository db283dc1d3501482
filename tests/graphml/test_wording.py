"""Reasons in words: every feature a model can give as a reason has a phrase, and the direction and weight a
reader sees follow the model's attributions."""

import numpy as np
import pytest

from graphml.attribution import occlusion_reasons
from graphml.features import ADDRESS_FEATURES, TX_FEATURES
from graphml.propagation import column_names
from graphml.wording import LOWERS, RAISES, WORDING, worded

RELATIONS = [
    ("address", "spends_in", "tx"),
    ("tx", "pays", "address"),
    ("tx", "spent_by", "address"),
    ("address", "paid_by", "tx"),
]


@pytest.mark.parametrize("feature", [*ADDRESS_FEATURES, *TX_FEATURES])
def test_every_feature_has_words_of_its_own(feature):
    text = WORDING.get(feature)
    assert text, f"{feature} has no wording in graphml/wording.py"
    assert "_" not in text, f"{feature}'s wording is a raw name: {text!r}"


def test_every_base_feature_sign_can_name_is_worded():
    """sign's reasons are the part after the last '.' of its propagated columns (graphml/sign_reasons.py)."""
    names = column_names(RELATIONS, "address", {"address": ADDRESS_FEATURES, "tx": TX_FEATURES}, hops=2)
    bases = {name.rsplit(".", 1)[-1] for name in names}
    assert bases - set(WORDING) == set()


def test_no_wording_is_left_for_a_feature_that_no_longer_exists():
    assert set(WORDING) - {*ADDRESS_FEATURES, *TX_FEATURES} == set()


@pytest.mark.parametrize(
    ("weights", "directions"),
    [
        ([2.0, 1.0, 1.0], [RAISES, RAISES, RAISES]),
        ([1.5, -0.5, 0.0], [RAISES, LOWERS, None]),
        ([-0.2, -0.6, -1.2], [LOWERS, LOWERS, LOWERS]),
    ],
)
def test_the_direction_follows_the_attributions_sign_and_the_weights_are_shares(weights, directions):
    reasons = worded(["coinjoin_share", "script_p2pkh", "log_fee"], weights)
    assert [r["direction"] for r in reasons] == directions
    assert [r["attribution"] for r in reasons] == weights
    assert sum(r["weight"] for r in reasons) == pytest.approx(1.0)
    biggest = max(range(3), key=lambda i: abs(weights[i]))
    assert max(reasons, key=lambda r: r["weight"]) == reasons[biggest], "the largest attribution weighs most"


def test_a_reason_reads_as_a_sentence():
    first, second = worded(["illicit_tag_received_share", "script_p2wpkh"], [3.0, -1.0])
    assert (
        first["sentence"]
        == "Share of its bitcoin received from addresses tagged illicit: raised the risk (75 % of the weight)"
    )
    assert second["sentence"] == "Script type P2WPKH (native SegWit): lowered the risk (25 % of the weight)"


def test_names_without_weights_and_unknown_names_still_read():
    """A case's snapshot keeps the names only; a model from before a feature was renamed names an old one."""
    (kept,) = worded(["reused"])
    assert (kept["text"], kept["direction"], kept["weight"]) == ("Address reuse (paid more than once)", None, None)
    (old,) = worded(["log_balance"], [0.4])
    assert (old["text"], old["direction"]) == ("log_balance", RAISES)
    assert worded(None) == []


def test_real_reasons_read_in_the_direction_they_pushed():
    """Occlusion reasons (the baseline's) of a score that rises with transactions and falls with every other
    feature: for an address above the median on all, transactions read "raises", reuse (the least far out of
    the rest, so among the top three) "lowers"."""
    n_tx, reused = ADDRESS_FEATURES.index("log_n_tx"), ADDRESS_FEATURES.index("reused")
    rows = np.zeros((5, len(ADDRESS_FEATURES)), dtype=np.float32)
    rows[4] = 1.0
    rows[4, n_tx], rows[4, reused] = 3.0, 0.5
    score = lambda x: 2.0 * x[:, n_tx] - x.sum(axis=1)  # noqa: E731

    (reasons,) = occlusion_reasons(score, rows, [f"a{i}" for i in range(5)], [4])
    shown = worded(reasons.features, reasons.weights)
    assert [(r["feature"], r["direction"]) for r in shown[:2]] == [("log_n_tx", RAISES), ("reused", LOWERS)]
    assert all((r["attribution"] > 0) == (r["direction"] == RAISES) for r in shown)
