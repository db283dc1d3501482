"""Test settings: the real stack (embedded FalkorDB/Redis, SQLite), kept apart from a developer's own data."""

import os
import zlib
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("VAR_DIR", str(_ROOT / "var" / "test"))
# A port of this checkout's own, so two checkouts (or CI beside a developer) can test at once.
os.environ.setdefault("EMBEDDED_PORT", str(20000 + zlib.crc32(str(_ROOT).encode()) % 20000))
os.environ.setdefault("GRAPH_NAME", "chainsleuth_test")

from app.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns about a missing directory
# A file, not memory, so a real Celery worker started by the tests sees the same test database.
DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405
# The tests' webhook receivers listen on loopback, which production refuses (screening/destinations.py).
WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
# Short leases, so a test that kills a worker mid-job sees the job taken over within seconds.
JOB_LEASE_SECONDS = 3
