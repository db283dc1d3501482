"""The settings helpers refuse bad values with a message that names the variable."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from app.env import env_bool, env_int, env_list, env_match, env_secret, env_secret_required, env_url


def test_booleans_accept_the_usual_spellings(monkeypatch):
    for text, expected in [("1", True), ("yes", True), ("ON", True), ("false", False), ("0", False), ("", False)]:
        monkeypatch.setenv("FLAG", text)
        assert env_bool("FLAG", not expected) is expected


def test_a_bad_boolean_names_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="^DEBUG: expected true or false, got 'maybe'$"):
        env_bool("DEBUG", False)


def test_integers_are_parsed_and_bounded(monkeypatch):
    monkeypatch.setenv("PORT", "8080")
    assert env_int("PORT", 1, minimum=1, maximum=65535) == 8080
    monkeypatch.setenv("PORT", "70000")
    with pytest.raises(ImproperlyConfigured, match="^PORT: must be at most 65535, got 70000$"):
        env_int("PORT", 1, minimum=1, maximum=65535)
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(ImproperlyConfigured, match="^PORT: expected an integer, got 'eighty'$"):
        env_int("PORT", 1)


def test_a_default_outside_the_bounds_is_refused_too(monkeypatch):
    monkeypatch.delenv("CELERY_TASK_TIME_LIMIT", raising=False)
    with pytest.raises(ImproperlyConfigured, match="^CELERY_TASK_TIME_LIMIT: must be at most 540, got 3600$"):
        env_int("CELERY_TASK_TIME_LIMIT", 3600, maximum=540)


def test_unset_values_take_their_default(monkeypatch):
    monkeypatch.delenv("NOT_SET", raising=False)
    assert env_int("NOT_SET", 7) == 7
    assert env_list("NOT_SET", ["a"]) == ["a"]
    assert env_url("NOT_SET", ("redis",)) == ""


def test_lists_split_on_commas(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " a.example , b.example,,")
    assert env_list("ALLOWED_HOSTS", []) == ["a.example", "b.example"]


def test_urls_must_have_a_known_scheme_and_a_host(monkeypatch):
    monkeypatch.setenv("GRAPH_URL", "http://graph:7474")
    with pytest.raises(ImproperlyConfigured, match="^GRAPH_URL: scheme must be one of neo4j, bolt, got 'http'$"):
        env_url("GRAPH_URL", ("neo4j", "bolt"))
    monkeypatch.setenv("GRAPH_URL", "neo4j://")
    with pytest.raises(ImproperlyConfigured, match="^GRAPH_URL: the URL names no host$"):
        env_url("GRAPH_URL", ("neo4j", "bolt"))
    monkeypatch.setenv("GRAPH_URL", "neo4j://graph:port")
    with pytest.raises(ImproperlyConfigured, match="^GRAPH_URL: bad port"):
        env_url("GRAPH_URL", ("neo4j", "bolt"))


def test_patterns_reject_what_they_do_not_match(monkeypatch):
    monkeypatch.setenv("EMBEDDED_MAXMEMORY", "lots")
    with pytest.raises(ImproperlyConfigured, match="^EMBEDDED_MAXMEMORY: expected a size"):
        env_match("EMBEDDED_MAXMEMORY", "0", r"\d+(kb|mb|gb)?", "a size")


def test_secrets_come_from_the_variable_or_its_file(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert env_secret("SECRET_KEY") == "from-env"
    monkeypatch.delenv("SECRET_KEY")
    (tmp_path / "key").write_text("from-file\n")
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "key"))
    assert env_secret("SECRET_KEY") == "from-file"


def test_a_secret_set_twice_or_unreadable_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "a")
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "key"))
    with pytest.raises(ImproperlyConfigured, match="^SECRET_KEY: set either SECRET_KEY or SECRET_KEY_FILE, not both$"):
        env_secret("SECRET_KEY")
    monkeypatch.delenv("SECRET_KEY")
    with pytest.raises(ImproperlyConfigured, match="^SECRET_KEY_FILE: cannot read .*key: No such file or directory$"):
        env_secret("SECRET_KEY")
    (tmp_path / "key").write_text("\n")
    with pytest.raises(ImproperlyConfigured, match="^SECRET_KEY_FILE: .*key is empty$"):
        env_secret("SECRET_KEY")


def test_urls_can_come_from_files_because_they_carry_passwords(monkeypatch, tmp_path):
    (tmp_path / "url").write_text("postgres://app:s3cret@db:5432/app\n")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL_FILE", str(tmp_path / "url"))
    assert env_url("DATABASE_URL", ("postgres",)) == "postgres://app:s3cret@db:5432/app"


def test_a_secret_left_at_the_placeholder_is_refused_from_the_variable_or_its_file(monkeypatch, tmp_path):
    monkeypatch.delenv("GRAPH_PASSWORD_FILE", raising=False)
    monkeypatch.setenv("GRAPH_PASSWORD", "change-me-neo4j")
    with pytest.raises(ImproperlyConfigured, match="^GRAPH_PASSWORD: still the .env.example placeholder; set a"):
        env_secret("GRAPH_PASSWORD")
    monkeypatch.delenv("GRAPH_PASSWORD")
    (tmp_path / "pw").write_text("Change-Me-please\n")
    monkeypatch.setenv("GRAPH_PASSWORD_FILE", str(tmp_path / "pw"))
    with pytest.raises(ImproperlyConfigured, match="^GRAPH_PASSWORD_FILE: still the .env.example placeholder"):
        env_secret("GRAPH_PASSWORD")


def test_a_required_secret_is_refused_when_missing_and_made_elsewhere(monkeypatch):
    monkeypatch.delenv("AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("AUDIT_SIGNING_KEY_FILE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="^AUDIT_SIGNING_KEY: required in production"):
        env_secret_required("AUDIT_SIGNING_KEY", required=True, fallback=lambda: "made")
    assert env_secret_required("AUDIT_SIGNING_KEY", required=False, fallback=lambda: "made") == "made"
    monkeypatch.setenv("AUDIT_SIGNING_KEY", "x" * 31)
    with pytest.raises(ImproperlyConfigured, match="^AUDIT_SIGNING_KEY: must be at least 32 characters, got 31$"):
        env_secret_required("AUDIT_SIGNING_KEY", required=True, fallback=lambda: "made", min_length=32)
    monkeypatch.setenv("AUDIT_SIGNING_KEY", "x" * 32)
    assert env_secret_required("AUDIT_SIGNING_KEY", required=True, fallback=lambda: "made", min_length=32) == "x" * 32
