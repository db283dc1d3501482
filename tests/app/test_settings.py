"""Settings as an operator meets them: a fresh process started with a given environment."""

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

PRODUCTION = {
    "SECRET_KEY": "x7!kq2-production-secret-key-that-is-long-and-random-0123456789abcdef",
    "AUDIT_SIGNING_KEY": "audit-signing-key-kept-apart-from-the-database-0123456789",
    "ALLOWED_HOSTS": "chainsleuth.example.org",
    "HTTPS": "true",
    "DATABASE_URL": "postgres://chainsleuth:pw@postgres:5432/chainsleuth",
    "GRAPH_URL": "neo4j://neo4j:7687",
    "GRAPH_PASSWORD": "neo4j-password",
    "REDIS_URL": "redis://redis:6379/0",
}


def manage(*args: str, env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key.removesuffix("_FILE") not in PRODUCTION and not key.startswith("DJANGO")
    }
    clean.update({"VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "app.settings"}, **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], capture_output=True, text=True, cwd=REPO_ROOT, env=clean, timeout=120
    )


def test_production_values_pass_the_deployment_checklist(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_checklist_fails_without_https(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION, "HTTPS": "false"}, tmp_path=tmp_path
    )
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("EMBEDDED_PORT", "abc", "EMBEDDED_PORT: expected an integer, got 'abc'"),
        ("DEBUG", "sometimes", "DEBUG: expected true or false, got 'sometimes'"),
        ("GRAPH_URL", "mysql://db", "GRAPH_URL: scheme must be one of"),
        ("REDIS_URL", "redis://cache:notaport/0", "REDIS_URL: bad port"),
        ("CELERY_TASK_TIME_LIMIT", "9000", "CELERY_TASK_TIME_LIMIT: must be at most 7140, got 9000"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, variable, value, message):
    result = manage("check", env={variable: value}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_task_time_limits_stay_below_a_short_visibility_timeout(tmp_path):
    code = "from django.conf import settings as s; print(s.CELERY_TASK_TIME_LIMIT, s.CELERY_TASK_SOFT_TIME_LIMIT)"
    result = manage("shell", "--no-imports", "-c", code, env={"CELERY_VISIBILITY_TIMEOUT": "600"}, tmp_path=tmp_path)
    assert result.stdout.strip() == "540 486", result.stderr


def test_a_secret_is_read_from_its_file(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(PRODUCTION["SECRET_KEY"] + "\n")
    env = {**PRODUCTION, "SECRET_KEY": "", "SECRET_KEY_FILE": str(key_file)}
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(len(settings.SECRET_KEY))",
        env=env,
        tmp_path=tmp_path,
    )
    assert result.stdout.strip() == str(len(PRODUCTION["SECRET_KEY"])), result.stderr


def test_the_default_database_is_sqlite_in_wal_mode(tmp_path):
    code = "from django.db import connection; print(connection.cursor().execute('PRAGMA journal_mode').fetchone()[0])"
    result = manage("shell", "--no-imports", "-c", code, env={}, tmp_path=tmp_path)
    assert result.stdout.strip() == "wal", result.stderr
    assert (tmp_path / "var" / "db.sqlite3").exists()


def test_database_url_selects_postgresql(tmp_path):
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE'], d['HOST'], d['NAME'])"
    )
    result = manage(
        "shell", "--no-imports", "-c", code, env={"DATABASE_URL": PRODUCTION["DATABASE_URL"]}, tmp_path=tmp_path
    )
    assert result.stdout.strip() == "django.db.backends.postgresql postgres chainsleuth", result.stderr


def test_an_unset_graph_and_broker_mean_the_embedded_server(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.EMBEDDED_SERVER, s.GRAPH_URL.split('@')[1], s.REDIS_URL.split('@')[1])"
    )
    result = manage("shell", "--no-imports", "-c", code, env={"EMBEDDED_PORT": "6555"}, tmp_path=tmp_path)
    assert result.stdout.strip() == "True 127.0.0.1:6555 127.0.0.1:6555/1", result.stderr
    assert os.stat(tmp_path / "var" / "falkordb" / "password").st_mode & 0o077 == 0


def without(*names: str) -> dict[str, str]:
    return {key: value for key, value in PRODUCTION.items() if key not in names}


@pytest.mark.parametrize("variable", ["AUDIT_SIGNING_KEY", "SECRET_KEY"])
def test_production_refuses_to_start_without_a_secret_from_the_environment(tmp_path, variable):
    result = manage("check", "--deploy", env=without(variable), tmp_path=tmp_path)
    assert result.returncode != 0
    assert f"{variable}: required in production (HTTPS=true): set {variable} or {variable}_FILE" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "var" / variable.lower()).exists(), "no key generated beside the database"


def test_production_reads_the_audit_signing_key_from_its_file(tmp_path):
    key_file = tmp_path / "audit-key"
    key_file.write_text(PRODUCTION["AUDIT_SIGNING_KEY"] + "\n")
    env = {**without("AUDIT_SIGNING_KEY"), "AUDIT_SIGNING_KEY_FILE": str(key_file)}
    code = "from django.conf import settings; print(settings.AUDIT_SIGNING_KEY)"
    result = manage("shell", "--no-imports", "-c", code, env=env, tmp_path=tmp_path)
    assert result.stdout.strip() == PRODUCTION["AUDIT_SIGNING_KEY"], result.stderr
    assert not (tmp_path / "var" / "audit_signing_key").exists()


def test_a_short_audit_signing_key_is_refused(tmp_path):
    result = manage("check", env={**PRODUCTION, "AUDIT_SIGNING_KEY": "short"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "AUDIT_SIGNING_KEY: must be at least 32 characters, got 5" in result.stderr


def test_without_https_the_audit_signing_key_is_made_once_under_var(tmp_path):
    code = "from django.conf import settings; print(settings.AUDIT_SIGNING_KEY)"
    first = manage("shell", "--no-imports", "-c", code, env={}, tmp_path=tmp_path)
    assert first.stdout.strip() == (tmp_path / "var" / "audit_signing_key").read_text().strip(), first.stderr


@pytest.mark.parametrize("variable", ["SECRET_KEY", "AUDIT_SIGNING_KEY"])
def test_the_env_example_placeholder_fails_the_deployment_checklist(tmp_path, variable):
    placeholder = next(
        line.split("=", 1)[1] for line in (REPO_ROOT / ".env.example").read_text().splitlines()
        if line.startswith(f"{variable}=")
    )  # fmt: skip
    result = manage("check", "--deploy", env={**PRODUCTION, variable: placeholder}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert f"{variable}: still the .env.example placeholder" in result.stderr
    assert "Traceback" not in result.stderr
