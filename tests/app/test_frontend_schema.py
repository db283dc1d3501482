"""The front end's types are generated from the committed OpenAPI schema (frontend/src/api/).

If a serializer changes and nobody regenerates, the pages would compile against an API that no longer
exists; these tests fail instead, and say which command brings the files back in step."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
SCHEMA = FRONTEND / "src" / "api" / "schema.json"
TYPES = FRONTEND / "src" / "api" / "schema.d.ts"
GENERATOR = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"


def test_the_committed_schema_is_what_the_api_publishes_now(tmp_path):
    fresh = tmp_path / "schema.json"
    call_command("spectacular", format="openapi-json", file=str(fresh))
    assert fresh.read_text() == SCHEMA.read_text(), (
        "frontend/src/api/schema.json is stale: run `DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python "
        "manage.py spectacular --format openapi-json --file frontend/src/api/schema.json` "
        "and `npm run gen:api` in frontend/"
    )


@pytest.mark.skipif(not GENERATOR.exists() or not shutil.which("node"), reason="frontend/node_modules not installed")
def test_the_committed_types_are_generated_from_the_committed_schema(tmp_path):
    fresh = tmp_path / "schema.d.ts"
    subprocess.run([str(GENERATOR), str(SCHEMA), "--output", str(fresh)], cwd=FRONTEND, check=True, capture_output=True)
    assert fresh.read_text() == TYPES.read_text(), (
        "frontend/src/api/schema.d.ts is stale: run `npm run gen:api` in frontend/"
    )


def test_pages_reach_the_api_only_through_the_endpoints_module():
    """One place names the paths (frontend/src/api/endpoints.ts), so a page cannot call a path the schema
    lacks or read an answer through a type written by hand."""
    calls = re.compile(r"\bapi\s*[<(]|/api/v1/|from \"\.\./api\"|from \"\./api\"")
    allowed = re.compile(r'^import \{ messageOf \} from "\.\.?/api";$')
    offenders = [
        f"{path.relative_to(FRONTEND)}:{number}: {line.strip()}"
        for path in sorted((FRONTEND / "src").rglob("*.ts*"))
        if path.parent.name != "api" and path.name != "api.ts" and not path.name.endswith(".test.ts")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if calls.search(line) and not allowed.match(line.strip())
    ]
    assert offenders == []


def _untyped_objects(node, schemas: dict, where: str, seen: set) -> list[str]:
    """The places under `node` (refs followed once each) where the schema says "an object" and names
    neither its fields nor the type of its values: the front end could only declare that answer by hand."""
    if isinstance(node, list):
        return [place for i, item in enumerate(node) for place in _untyped_objects(item, schemas, where, seen)]
    if not isinstance(node, dict):
        return []
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return _untyped_objects(schemas[name], schemas, name, seen)
    found = []
    if node.get("type") == "object" and "properties" not in node and not node.get("additionalProperties"):
        found.append(where)
    for key, value in node.items():
        found += _untyped_objects(value, schemas, f"{where}/{key}", seen)
    return found


def test_every_api_answer_names_its_fields():
    """Each success answer of /api/v1 is a schema with fields (a serializer), never a bare "object"."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    schemas = schema["components"]["schemas"]
    untyped = [
        f"{method.upper()} {path} {status}: {place}"
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in operations.items()
        for status, answer in operation["responses"].items()
        if str(status).startswith("2")
        for body in answer.get("content", {}).values()
        for place in _untyped_objects(body["schema"], schemas, "answer", set())
    ]
    assert len(schema["paths"]) >= 30
    assert untyped == []
