"""An answer's schema lists as required every field the server always sends (core/schema.py), so the front
end's generated types leave optional only a field that can be absent."""

import json

import pytest
from django.core.management import call_command


@pytest.fixture(scope="module")
def schemas(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.json"
    call_command("spectacular", format="openapi-json", file=str(path))
    return json.loads(path.read_text())["components"]["schemas"]


def _optional(schema: dict) -> set[str]:
    return set(schema["properties"]) - set(schema.get("required", ()))


def test_a_field_left_out_when_its_key_is_missing_is_optional_in_the_answer(schemas):
    assert _optional(schemas["TracedEdgeOut"]) == {"haircut"}


def test_a_field_that_may_be_null_or_has_a_default_is_required_in_the_answer(schemas):
    assert {"risk", "cluster"} <= set(schemas["AddressDetailOut"]["required"])  # allow_null: sent as null
    assert {"status", "priority", "summary"} <= set(schemas["CaseOut"]["required"])  # model defaults


def test_a_field_declared_not_required_stays_optional_even_where_it_may_be_null(schemas):
    """Screening builds its answer by hand: an address refused with an error has no `cluster` at all."""
    assert {"cluster", "error", "risk_score"} <= _optional(schemas["ScreenResultOut"])


def test_a_request_still_need_not_send_a_field_with_a_default(schemas):
    assert {"priority", "summary"} <= _optional(schemas["CaseListInputRequest"])
