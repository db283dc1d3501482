"""Scores written back by a labeling job (graph/ml.py) behave alike on every engine: a score lands on its
address, and an address the model no longer flags, or another model now scores, loses the reasons that
explained the old verdict."""

from graph import ml
from graph.schema import ensure_schema

_ADDRESSES = """
UNWIND $rows AS r
CREATE (:Address {address: r, first_height: 1, risk: 0.9, risk_label: 'illicit',
                  risk_reasons: ['log_n_tx'], risk_reason_weights: [1.0], risk_neighbours: ['bc1other']})
"""
_READ = (
    "MATCH (a:Address) RETURN a.address AS address, a.risk AS risk, a.risk_label AS label, "
    "a.risk_reasons AS reasons, a.risk_neighbours AS neighbours ORDER BY address"
)


def _ids(store) -> dict[str, int]:
    return {row["address"]: row["id"] for page in ml.scored_pages(store) for row in page}


def test_a_cleared_verdict_loses_its_reasons_and_a_kept_one_keeps_them(store):
    ensure_schema(store)
    store.write(_ADDRESSES, rows=["bc1cleared", "bc1kept", "bc1seed"])
    store.write("MATCH (a:Address) SET a.risk_model = 'v2'")
    store.write(_ADDRESSES, rows=["bc1older"])
    store.write("MATCH (a:Address {address: 'bc1older'}) SET a.risk_model = 'v1'")  # v1's reasons: not v2's
    ids = _ids(store)
    rows = [[ids[a], risk, flagged, a] for a, risk, flagged in (("bc1cleared", 0.1, 0), ("bc1kept", 0.95, 1))]
    rows.append([ids["bc1older"], 0.97, 1, "bc1older"])
    ml.write_scores(store, rows, model="v2")
    ml.write_address_scores(store, [{"address": "bc1seed", "risk": 0.2, "label": "licit"}], model="v2")
    found = {row["address"]: row for row in store.read(_READ)}
    assert found["bc1cleared"]["label"] == "licit"
    assert found["bc1cleared"]["risk"] == 0.1
    assert found["bc1cleared"]["reasons"] is None
    assert found["bc1cleared"]["neighbours"] is None
    assert found["bc1seed"]["reasons"] is None
    assert found["bc1kept"]["reasons"] == ["log_n_tx"]
    assert found["bc1kept"]["neighbours"] == ["bc1other"]
    assert found["bc1older"]["label"] == "illicit"
    assert found["bc1older"]["reasons"] is None
