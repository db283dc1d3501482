"""Reasons from Integrated Gradients: each address's own neighbourhood, the same in a batch as alone, and
faithful: what they name is what the score rests on."""

import dataclasses

import numpy as np
import pytest
import torch

from graphml.attribution import (
    Incidence,
    attribute_batch,
    ego_batch,
    explain_all,
    fidelity,
    graph_medians,
    occlusion_reasons,
)
from graphml.dataset import graph_until
from graphml.explain import neighbourhood
from graphml.features import ADDRESS_FEATURES, TX_FEATURES
from graphml.labeling import load
from graphml.models import LabelingJob
from graphml.registry import model_version_load, model_version_register
from graphml.runs import chain_arrays, train_run
from graphml.services import address_explain_deep, labeling_job_create, labeling_job_execute
from graphml.sign_reasons import SignContext, attribute_rows, neighbour_weights, sign_fidelity, sign_reasons
from graphml.training import BASELINE, TrainSpec
from tests.graphml.conftest import QUICK_SIGN

pytestmark = pytest.mark.django_db
QUICK = TrainSpec(models=("graphsage",), epochs=40, patience=20, hidden=32, seed=1)  # and the baseline


@pytest.fixture
def scored(world_graph, tmp_path):
    """A trained GraphSAGE (and the baseline), the world's arrays and features, and its flagged addresses."""
    store, truth = world_graph
    report = train_run(store=store, truth=truth, directory=tmp_path / "model", spec=QUICK)
    version = model_version_register(report=report, directory=tmp_path / "model", activate=True)
    model = model_version_load(version)
    arrays = chain_arrays(store)
    graph = graph_until(arrays, None)
    probabilities = model.probabilities(graph)
    flagged = np.flatnonzero(probabilities >= version.threshold)
    assert len(flagged) >= 20, "the small world flags enough addresses to average over"
    return model, arrays, graph["address"].x.numpy(), flagged, report, tmp_path / "model"


def test_every_flagged_address_is_explained_from_its_own_neighbourhood(scored):
    """The batch holds each address's neighbourhood as the one-at-a-time explainer reads it; a target's
    attributions are the same in a batch as alone and add up to its logit; every flagged one gets reasons."""
    _neighbourhoods_are_the_explainers(scored)
    _attributions_add_up_and_do_not_depend_on_the_batch(scored)
    _every_flagged_address_gets_features_and_neighbours(scored)
    _the_baseline_trees_get_occlusion_reasons(scored)


def _neighbourhoods_are_the_explainers(scored):
    _, arrays, address_x, flagged, _, _ = scored
    targets = flagged[:40]
    batch = ego_batch(Incidence.of(arrays), targets)
    for k, target in enumerate(targets):
        data, addresses, _ = neighbourhood(arrays, address_x, int(target))
        mine = batch.address_owner == k
        assert set(batch.address_node[mine].tolist()) == set(addresses.tolist())
        assert batch.address_node[batch.target_local[k]] == target
        spends = batch.edges["address", "spends_in", "tx"]
        assert mine[spends[0].numpy()].sum() == data["address", "spends_in", "tx"].edge_index.shape[1]
        pays = batch.edges["tx", "pays", "address"]
        assert mine[pays[1].numpy()].sum() == data["tx", "pays", "address"].edge_index.shape[1]


def _attributions_add_up_and_do_not_depend_on_the_batch(scored):
    model, arrays, address_x, flagged, _, _ = scored
    incidence, medians = Incidence.of(arrays), graph_medians(address_x, arrays.tx_x)
    x = (address_x, arrays.tx_x)
    together = attribute_batch(model.network, incidence, x, medians, flagged[:8])
    alone = attribute_batch(model.network, incidence, x, medians, flagged[3:4])
    np.testing.assert_allclose(together.own()[3], alone.own()[0], rtol=1e-4, atol=1e-5)

    batch = alone.batch
    address, tx = batch.x(*x)
    network = model.network.eval()
    with torch.no_grad():
        real = network({"address": address, "tx": tx}, batch.edges)[batch.target_local]
        typical = {"address": torch.from_numpy(medians[0]).expand_as(address)}
        typical["tx"] = torch.from_numpy(medians[1]).expand_as(tx)
        base = network(typical, batch.edges)[batch.target_local]
    # Completeness holds over every input, transactions' included: the addresses' share is most of it.
    assert float(real - base) > 0, "a flagged address scores above the typical one"
    assert alone.address.sum() == pytest.approx(float(real - base), rel=0.5)


def test_removing_the_top_attributed_features_or_neighbours_lowers_the_score_more_than_random_ones(scored):
    model, arrays, address_x, flagged, _, _ = scored
    checked = fidelity(model.network, arrays, address_x, flagged[:200].tolist(), k=3)
    assert checked["features_top"] > checked["features_random"], checked
    assert checked["neighbours_top"] > checked["neighbours_random"], checked
    assert checked["features_top"] > 0, checked
    assert checked["neighbours_top"] > 0, checked


def _every_flagged_address_gets_features_and_neighbours(scored):
    model, arrays, address_x, flagged, _, _ = scored
    found = explain_all(model.network, arrays, address_x, flagged.tolist(), batch=64)
    assert [r.address for r in found] == [arrays.addresses[i] for i in flagged]
    for why in found:
        assert len(why.features) == 3
        assert set(why.features) <= set(ADDRESS_FEATURES)
        assert why.weights == sorted(why.weights, reverse=True)
        assert why.address not in why.neighbours
    assert sum(bool(why.neighbours) for why in found) > len(found) / 2, "most have a neighbour that mattered"


def _the_baseline_trees_get_occlusion_reasons(scored):
    _, arrays, address_x, flagged, _, directory = scored
    trees = load(directory, kind=BASELINE, hidden=QUICK.hidden, calibration={}, threshold=0.5)
    targets = flagged[:30].tolist()
    found = occlusion_reasons(trees.trees.decision_function, address_x, arrays.addresses, targets)
    assert len(found) == len(targets)
    strongest = found[0]
    feature = ADDRESS_FEATURES.index(strongest.features[0])
    changed = address_x[[targets[0]]].copy()
    changed[0, feature] = np.median(address_x[:, feature])
    drop = trees.trees.decision_function(address_x[[targets[0]]]) - trees.trees.decision_function(changed)
    assert strongest.weights[0] == pytest.approx(float(drop[0]), abs=1e-4)
    assert all(why.neighbours == [] for why in found)


@pytest.fixture
def sign_scored(world_graph, tmp_path):
    """A trained sign (the shipped kind; and the baseline), the world's arrays and graph, its flagged addresses."""
    store, truth = world_graph
    report = train_run(store=store, truth=truth, directory=tmp_path / "model", spec=QUICK_SIGN)
    shipped = dataclasses.replace(report, shipped="sign")  # whatever validated better: sign is the default kind
    model_version_register(report=shipped, directory=tmp_path / "model", activate=True)
    sign = report.results["sign"].test
    model = load(
        tmp_path / "model", kind="sign", hidden=QUICK_SIGN.hidden, calibration=sign["calibration"], threshold=0
    )
    arrays = chain_arrays(store)
    graph = graph_until(arrays, None)
    flagged = np.flatnonzero(model.probabilities(graph) >= sign["threshold"])
    assert len(flagged) >= 20, "the small world flags enough addresses to average over"
    return model.network, arrays, graph, flagged, store


def test_sign_explains_every_flagged_address_by_base_feature_and_neighbour(sign_scored):
    """sign reads propagated rows: its attributions add up to the logit over the typical row's, are summed
    into base features, and name the addresses on its transactions that pushed it up."""
    network, arrays, graph, flagged, _ = sign_scored
    context = SignContext.of(network, graph)
    rows = context.rows(flagged[:8])
    attributions = attribute_rows(context, rows)
    with torch.no_grad():
        real = network(torch.from_numpy(rows)).numpy()
        typical = network(torch.from_numpy(context.typical[None])).numpy()
    np.testing.assert_allclose(attributions.sum(axis=1), real - typical, rtol=0.05, atol=0.05)
    np.testing.assert_allclose(context.columns.per_feature(attributions).sum(axis=1), attributions.sum(axis=1))
    assert len(context.columns.sources) == 1 + 2 + 4 * network.hops, "own, two tx means, four paths per hop"

    found = sign_reasons(network, arrays, graph, flagged.tolist(), batch=64)
    assert [r.address for r in found] == [arrays.addresses[i] for i in flagged]
    for why in found:
        assert len(why.features) == 3
        assert set(why.features) <= set(ADDRESS_FEATURES) | set(TX_FEATURES)
        assert why.weights == sorted(why.weights, reverse=True)
        assert why.address not in why.neighbours
    assert sum(bool(why.neighbours) for why in found) > len(found) / 2, "most have a neighbour that mattered"
    _sign_neighbour_weights_are_the_exact_gradient_through_the_means(sign_scored)
    _a_labeling_job_with_sign_explains_every_flagged_address(sign_scored)


def _a_labeling_job_with_sign_explains_every_flagged_address(sign_scored):
    """With sign shipped, a job told to explain every flagged address (the default outside the tests) stores
    reasons for each one, and the deep look adds where in the neighbourhood the attributions were read."""
    *_, store = sign_scored
    job = labeling_job_execute(job_id=labeling_job_create(explain_top=10_000_000).id)
    assert job.status == LabelingJob.Status.SUCCEEDED, job.error
    rows = store.read(
        "MATCH (a:Address) WHERE a.risk_label = 'illicit' WITH a ORDER BY a.risk DESC RETURN a.address AS address, "
        "a.risk_reasons AS features, a.risk_reason_weights AS weights, a.risk_neighbours AS neighbours"
    )
    assert job.explained == job.flagged == len(rows) > 0
    assert all(len(row["features"]) == 3 and row["address"] not in row["neighbours"] for row in rows)
    deep = address_explain_deep(rows[0]["address"])
    assert deep["features"] == rows[0]["features"]
    assert "own" in deep["sources"]
    assert len(deep["sources"]) == 11
    assert list(deep["sources"].values()) == sorted(deep["sources"].values(), reverse=True)


def _sign_neighbour_weights_are_the_exact_gradient_through_the_means(sign_scored):
    """A neighbour's weight is the first-order change of the target's logit when that neighbour's features
    move to the typical address's, through the one-hop two-hop means: check it against a finite difference
    on those columns."""
    network, _, graph, flagged, _ = sign_scored
    context = SignContext.of(network, graph)
    target = flagged[:1]
    rows = context.rows(target)
    weights = neighbour_weights(context, target, rows)
    neighbour = int(weights.indices[np.argmax(weights.data)])
    moved = graph.clone()
    moved["address"].x = graph["address"].x.clone()
    epsilon = 1e-3
    moved["address"].x[neighbour] += epsilon * torch.from_numpy(
        (context.address_median - context.address_x[neighbour]).astype(np.float32)
    )
    shifted = rows.copy()
    one_hop = np.concatenate(list(context.columns.one_hop.values()))
    shifted[:, one_hop] = SignContext.of(network, moved).rows(target)[:, one_hop]
    with torch.no_grad():
        change = float(network(torch.from_numpy(rows)) - network(torch.from_numpy(shifted)))
    assert change / epsilon == pytest.approx(float(weights[0, neighbour]), rel=0.05, abs=1e-3)


def test_removing_sign_s_top_attributed_features_lowers_the_score_more_than_random_ones(sign_scored):
    network, _, graph, flagged, _ = sign_scored
    checked = sign_fidelity(network, graph, flagged[:200].tolist(), k=3)
    assert checked["features_top"] > checked["features_random"], checked
    assert checked["features_top"] > 0, checked
