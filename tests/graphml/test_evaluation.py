"""The figures the model page shows come out of evaluation: recall per typology beside how many illicit
addresses each typology had, and calibrated scores that stay finite and silent however far out the raw ones."""

import warnings

import numpy as np

from graphml.evaluation import Calibrator, metrics


def test_recall_per_typology_comes_with_each_typologys_count():
    y = np.array([1, 1, 1, 1, 0, 0])
    probabilities = np.array([0.9, 0.2, 0.8, 0.7, 0.1, 0.6])
    typologies = ["sanctioned", "sanctioned", "ransomware", "ransomware", "", ""]
    found = metrics(probabilities, y, 0.5, typologies)
    assert found["recall_by_typology"] == {"ransomware": 1.0, "sanctioned": 0.5}
    assert found["illicit_by_typology"] == {"ransomware": 2, "sanctioned": 2}
    assert found["confusion"] == {"tn": 1, "fp": 1, "fn": 1, "tp": 3}


def test_calibration_of_far_out_scores_neither_overflows_nor_warns():
    rng = np.random.default_rng(0)
    y = (rng.random(2_000) < 0.1).astype(int)
    raw = np.where(y == 1, rng.normal(800, 300, 2_000), rng.normal(-800, 300, 2_000))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow in exp is a RuntimeWarning
        calibrate = Calibrator.fit(raw, y)
        probabilities = calibrate(np.array([-1e6, -800.0, 0.0, 800.0, 1e6]))
    assert np.all(np.isfinite(probabilities))
    assert probabilities[0] == 0.0
    assert probabilities[-1] == 1.0
    assert np.all(np.diff(probabilities) >= 0), "a higher raw score is never a lower probability"
