"""Labeling's endpoints in the shared API matrix (tests/core/test_api_matrix.py): any team member reads them."""

from tests.core.api_matrix import Endpoint

API = "/api/v1"

ENDPOINTS = [
    Endpoint("labeling-jobs", "get", lambda w: f"{API}/labeling/jobs/", owned=False),
    Endpoint("labeling-models", "get", lambda w: f"{API}/labeling/models/", owned=False),
    Endpoint("labeling-state", "get", lambda w: f"{API}/labeling/state/", owned=False),
    Endpoint(
        "labeling-plot",
        "get",
        lambda w: f"{API}/labeling/models/{w.model_version.version}/plots/training_curves.png",
        owned=False,
    ),
    Endpoint("labeling-risk-distribution", "get", lambda w: f"{API}/labeling/risk-distribution/", owned=False),
    Endpoint(
        "labeling-address-reasons", "get", lambda w: f"{API}/labeling/reasons/addresses/{w.address}/", owned=False
    ),
    Endpoint("labeling-cluster-reasons", "get", lambda w: f"{API}/labeling/reasons/clusters/{w.cluster}/", owned=False),
]
