"""The one-shot Neo4j import service (docker-compose.neo4j-import.yml), checked as data: no Docker here."""

import yaml

from tests.conftest import REPO_ROOT
from tests.test_compose import env_example, interpolate


def _compose(name: str) -> dict:
    return yaml.safe_load(interpolate((REPO_ROOT / name).read_text(), env_example()))


def test_the_import_runs_neo4j_admin_over_the_mounted_csvs_into_the_servers_volume():
    main, extra = _compose("docker-compose.yml"), _compose("docker-compose.neo4j-import.yml")
    service = extra["services"]["neo4j-import"]
    assert service["profiles"] == ["neo4j-import"]
    assert service["image"] == main["services"]["neo4j"]["image"]
    assert "neo4jdata:/data" in service["volumes"]
    assert "neo4jdata:/data" in main["services"]["neo4j"]["volumes"]
    assert any(volume.endswith(":/import:ro") for volume in service["volumes"])
    command = " ".join(service["command"])
    assert "neo4j-admin database import full" in command
    assert "/import/import.args" in command
    assert service["restart"] == "no"


def test_the_import_service_is_not_part_of_the_production_stack():
    assert "neo4j-import" not in _compose("docker-compose.yml")["services"]
