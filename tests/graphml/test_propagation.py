"""The propagated model's rows: exact neighbourhood means on graphs small enough to check by hand."""

import numpy as np
import pytest
import torch

from graphml.nets import RELATIONS, PropagatedScorer
from graphml.propagation import column_names, propagate

# Three addresses, two transactions: a0 and a1 spend in t0, which pays a2; a2 spends in t1, which pays a0.
SPENDS = np.array([[0, 1, 2], [0, 0, 1]])  # address → tx
PAYS = np.array([[0, 1], [2, 0]])  # tx → address
ADDRESS_X = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 50.0]], dtype=np.float32)
TX_X = np.array([[100.0], [200.0]], dtype=np.float32)


def _tiny():
    x = {"address": torch.from_numpy(ADDRESS_X), "tx": torch.from_numpy(TX_X)}
    edges = {
        RELATIONS[0]: torch.from_numpy(SPENDS),
        RELATIONS[1]: torch.from_numpy(PAYS),
        RELATIONS[2]: torch.from_numpy(SPENDS[::-1].copy()),
        RELATIONS[3]: torch.from_numpy(PAYS[::-1].copy()),
    }
    return x, edges


def _column(names: list[str], rows: np.ndarray, name: str) -> np.ndarray:
    return rows[:, names.index(name)]


def test_each_column_is_the_mean_over_its_neighbourhood():
    x, edges = _tiny()
    rows = propagate(x, edges, target="address", hops=2)
    names = column_names(list(edges), "address", {"address": ("f", "g"), "tx": ("value",)}, hops=2)
    assert rows.shape == (3, len(names)) == (3, 2 + 2 * 1 + 4 * 2 * 2)
    assert np.array_equal(_column(names, rows, "f"), ADDRESS_X[:, 0]), "its own features first"
    # The transaction paying each address: a0 is paid by t1, a1 by none, a2 by t0.
    assert _column(names, rows, "pays.value").tolist() == [200.0, 0.0, 100.0]
    # Payers: the inputs of the transactions paying it. a2's payers are a0 and a1 (mean f = 2); a0's is a2.
    assert _column(names, rows, "spends_in.pays^1.f").tolist() == [5.0, 0.0, 2.0]
    # Co-spenders (itself included): a0 and a1 spend together in t0.
    assert _column(names, rows, "spends_in.spent_by^1.g").tolist() == [20.0, 20.0, 50.0]
    # Payers of payers: a2's payers are a0 (payer a2, f 5) and a1 (no payer, 0): mean 2.5.
    assert _column(names, rows, "spends_in.pays^2.f").tolist() == [2.0, 0.0, 2.5]


def test_the_rows_of_a_subset_are_those_rows_of_the_whole():
    x, edges = _tiny()
    whole = propagate(x, edges, target="address", hops=2)
    assert np.array_equal(propagate(x, edges, target="address", hops=2, rows=np.array([2, 0])), whole[[2, 0]])


@pytest.mark.parametrize("hops", [1, 2, 3])
def test_the_scorer_scores_a_graph_in_chunks_as_it_scores_its_rows(hops):
    x, edges = _tiny()
    rows = propagate(x, edges, target="address", hops=hops)
    torch.manual_seed(0)
    model = PropagatedScorer(rows.shape[1], hidden=8, hops=hops)
    model.standardise_on(rows)
    with torch.no_grad():
        direct = model.eval()(torch.from_numpy(rows))
    assert torch.allclose(model.infer(x, edges, chunk=2), direct)
    assert direct.shape == (3,)
