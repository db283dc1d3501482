"""Test settings: the real stack (embedded FalkorDB/Redis, SQLite), kept apart from a developer's own data.

TEST_DATABASE=postgres runs on PostgreSQL instead (the PostgreSQL leg: `pytest -m postgres_leg`, as
`make test` does after the main run); Django's test runner creates and drops the database test_test."""

import os
import zlib
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("VAR_DIR", str(_ROOT / "var" / "test"))
# A port of this checkout's own, so two checkouts (or CI beside a developer) can test at once.
os.environ.setdefault("EMBEDDED_PORT", str(20000 + zlib.crc32(str(_ROOT).encode()) % 20000))
os.environ.setdefault("GRAPH_NAME", "chainsleuth_test")

from app.settings import *  # noqa: E402, F403
from app.settings import _database  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns about a missing directory
POSTGRES_TEST_URL = "postgres://postgres@127.0.0.1:5432/test"
if os.environ.get("TEST_DATABASE") == "postgres":
    DATABASES = {"default": _database(os.environ.get("TEST_POSTGRES_URL", POSTGRES_TEST_URL))}
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the test database is dropped at the end: leave no idle sessions
else:
    # A file, not memory, so a real Celery worker started by the tests sees the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405
# The tests' webhook receivers listen on loopback, which production refuses (screening/destinations.py).
WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
# A failed report is retried by the test worker within seconds (tests/investigations/test_report_retry.py).
REPORT_RETRY_BACKOFF = 1
# Short leases, so a test that kills a worker mid-job sees the job taken over within seconds.
JOB_LEASE_SECONDS = 3
# Labeling jobs explain a few addresses, not a hundred: the tests that check reasons ask for them.
LABELING_EXPLAIN_TOP = 5
