"""The API's own documents in the shared API matrix (tests/core/test_api_matrix.py): public, like the
schema a client is generated from."""

from tests.core.api_matrix import PUBLIC, Endpoint

API = "/api/v1"

ENDPOINTS = [
    Endpoint("api-schema", "get", lambda w: f"{API}/schema/", audience=PUBLIC),
    Endpoint("api-docs", "get", lambda w: f"{API}/docs/", audience=PUBLIC),
    Endpoint("api-redoc", "get", lambda w: f"{API}/redoc/", audience=PUBLIC),
]
