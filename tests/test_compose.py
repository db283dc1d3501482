"""docker-compose.yml cannot run here (no Docker engine), so its production wiring is checked as data."""

import os
import re
import secrets
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO_ROOT

_VARIABLE = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")


def env_example() -> dict[str, str]:
    lines = (REPO_ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, with $$ as a literal dollar."""

    def value(match: re.Match) -> str:
        name, kind, rest = match.groups()
        if env.get(name):
            return env[name]
        if kind == "?":
            raise AssertionError(f"{name} is required: {rest}")
        return rest or ""

    return _VARIABLE.sub(value, text.replace("$$", "\0")).replace("\0", "$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(interpolate((REPO_ROOT / "docker-compose.yml").read_text(), env_example()))


APP_SERVICES = ("migrate", "web", "worker", "worker-realtime", "beat")


def test_it_has_the_production_services(compose):
    assert set(compose["services"]) == {"postgres", "redis", "neo4j", *APP_SERVICES}
    images = {name: service.get("image") for name, service in compose["services"].items()}
    assert images["postgres"] == "postgres:16"
    assert images["redis"] == "redis:7"
    assert images["neo4j"] == "neo4j:5-community"


def test_backing_services_are_health_checked_and_keep_data_in_volumes(compose):
    mounts = {"postgres": "/var/lib/postgresql/data", "redis": "/data", "neo4j": "/data"}
    for name, path in mounts.items():
        service = compose["services"][name]
        assert service["healthcheck"]["test"], name
        volume = next(v.split(":")[0] for v in service["volumes"] if v.endswith(":" + path))
        assert volume in compose["volumes"], f"{name} keeps its data in a named volume"


def test_redis_persists_with_aof_and_never_evicts(compose):
    command = " ".join(compose["services"]["redis"]["command"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command


def test_neo4j_takes_auth_and_memory_from_the_environment(compose):
    environment = compose["services"]["neo4j"]["environment"]
    assert environment["NEO4J_AUTH"] == f"neo4j/{env_example()['NEO4J_PASSWORD']}"
    assert {"NEO4J_server_memory_heap_max__size", "NEO4J_server_memory_pagecache_size"} <= set(environment)


def test_web_worker_and_beat_are_one_image_with_different_commands(compose):
    services = [compose["services"][name] for name in APP_SERVICES]
    assert len({(s["build"], s["image"]) for s in services}) == 1
    assert len({tuple(s["command"]) for s in services}) == len(services)
    assert compose["services"]["web"]["healthcheck"]["test"]
    for name in ("web", "worker", "worker-realtime", "beat"):
        assert compose["services"][name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert set(compose["services"]["migrate"]["depends_on"]) == {"postgres", "redis", "neo4j"}


def test_every_routed_queue_has_a_worker_in_compose_and_in_serve(compose):
    from django.conf import settings

    from app.management.commands.serve import _children

    queues = {"celery"} | {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    for commands in (
        [compose["services"][name]["command"] for name in ("worker", "worker-realtime")],
        [argv for name, argv in _children("127.0.0.1", 8000, 1, 1).items() if name in ("worker", "realtime")],
    ):
        consumed = {queue for argv in commands for queue in argv[argv.index("--queues") + 1].split(",")}
        assert consumed == queues


def test_the_app_is_wired_to_postgres_neo4j_and_redis(compose):
    environment = compose["services"]["web"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgres://chainsleuth:")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["GRAPH_URL"].startswith("neo4j://")
    assert environment["GRAPH_URL"].endswith("@neo4j:7687")
    assert environment["REDIS_URL"] == "redis://redis:6379/0"


def filled_in() -> dict[str, str]:
    """.env.example as an operator leaves it: every change-me secret replaced by a random one."""
    return {
        name: secrets.token_urlsafe(50) if value.startswith("change-me") else value
        for name, value in env_example().items()
    }


def deploy_check(compose: dict, tmp_path) -> subprocess.CompletedProcess:
    environment = {key: str(value) for key, value in compose["services"]["web"]["environment"].items()}
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "GRAPH_", "REDIS_"))}
    env = {key: value for key, value in env.items() if key.removesuffix("_FILE") not in environment}
    env.update(environment, VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="app.settings")
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=120,
    )


def test_the_app_environment_passes_the_deployment_checklist(tmp_path):
    compose = yaml.safe_load(interpolate((REPO_ROOT / "docker-compose.yml").read_text(), filled_in()))
    result = deploy_check(compose, tmp_path)
    assert result.returncode == 0, result.stderr


def test_an_env_example_copied_without_filling_in_its_secrets_fails_the_checklist(compose, tmp_path):
    result = deploy_check(compose, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY: still the .env.example placeholder" in result.stderr


def test_the_app_gets_its_audit_signing_key_from_the_env_file(compose):
    for name in APP_SERVICES:
        assert compose["services"][name]["environment"]["AUDIT_SIGNING_KEY"] == env_example()["AUDIT_SIGNING_KEY"]
    without = {name: value for name, value in filled_in().items() if name != "AUDIT_SIGNING_KEY"}
    with pytest.raises(AssertionError, match="AUDIT_SIGNING_KEY is required: set AUDIT_SIGNING_KEY in .env"):
        interpolate((REPO_ROOT / "docker-compose.yml").read_text(), without)
