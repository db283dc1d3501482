"""ChainSleuth settings: every value comes from the environment (see README, Configuration).

Unset GRAPH_URL / REDIS_URL mean the embedded FalkorDB/Redis server under
VAR_DIR; unset DATABASE_URL means SQLite in WAL mode under VAR_DIR. Production
sets all three (docker-compose.yml) and HTTPS=true.
"""

import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from app.env import (
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_match,
    env_secret,
    env_secret_required,
    env_str,
    env_url,
)
from app.local_secrets import local_secret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# The production switch: HTTPS and everything `check --deploy` asks for (below), and secrets that must
# come from the environment rather than be generated under VAR_DIR.
HTTPS = env_bool("HTTPS", False)
SECRET_KEY = env_secret_required("SECRET_KEY", required=HTTPS, fallback=lambda: local_secret(VAR_DIR / "secret_key"))
# Signs the audit log's tree heads (Ed25519; investigations/audit/signing.py). Production must give it
# from outside: a key generated beside the database would let whoever holds the volume sign a rewritten log.
AUDIT_SIGNING_KEY = env_secret_required(
    "AUDIT_SIGNING_KEY", required=HTTPS, fallback=lambda: local_secret(VAR_DIR / "audit_signing_key"), min_length=32
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Embedded FalkorDB/Redis (used for whichever of GRAPH_URL / REDIS_URL is unset) ---
EMBEDDED_DIR = VAR_DIR / "falkordb"
EMBEDDED_PORT = env_int("EMBEDDED_PORT", 6380, minimum=1, maximum=65535)
EMBEDDED_MAXMEMORY = env_match(
    "EMBEDDED_MAXMEMORY", "0", r"\d+(kb|mb|gb)?", "a size such as 0 (no limit), 512mb or 8gb"
)
_GRAPH_URL = env_url(
    "GRAPH_URL", ("falkordb", "falkordbs", "neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")
)
_REDIS_URL = env_url("REDIS_URL", ("redis", "rediss", "unix"))
EMBEDDED_SERVER = not (_GRAPH_URL and _REDIS_URL)
EMBEDDED_PASSWORD = local_secret(EMBEDDED_DIR / "password") if EMBEDDED_SERVER else ""
_EMBEDDED_URL = f"//:{EMBEDDED_PASSWORD}@127.0.0.1:{EMBEDDED_PORT}"

# The graph lives in Redis database 0 of the embedded server; Celery uses database 1.
GRAPH_URL = _GRAPH_URL or f"falkordb:{_EMBEDDED_URL}"
GRAPH_NAME = env_str("GRAPH_NAME", "chainsleuth")
GRAPH_PASSWORD = env_secret("GRAPH_PASSWORD") if _GRAPH_URL else None  # the embedded server has its own
GRAPH_TIMEOUT_MS = env_int("GRAPH_TIMEOUT_MS", 30_000, minimum=100)
REDIS_URL = _REDIS_URL or f"redis:{_EMBEDDED_URL}/1"

# --- Django ---
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from here: the docs work air-gapped
    "django_celery_beat",
    "axes",
    "core",  # the shared contracts (job rows), below every domain app
    "app",
    "chain",
    "graphml",
    "investigations",
    "screening",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out sign-in into a 429 (app/signin.py)
]

ROOT_URLCONF = "app.urls"
WSGI_APPLICATION = "app.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database(url: str) -> dict:
    config = dj_database_url.parse(
        url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0), conn_health_checks=True
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web server read while the worker writes; IMMEDIATE avoids
        # the "database is locked" upgrade deadlock between two writers.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


_DATABASE_URL = env_url("DATABASE_URL", ("sqlite", "postgres", "postgresql", "pgsql"), require_host=False)
DATABASES = {"default": _database(_DATABASE_URL or f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out sign-in before any password is checked (app/signin.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Wrong passwords counted per username and, apart, per address; either reaching the limit locks sign-in
# for that username or address until the lockout has passed since the last counted failure.
AXES_FAILURE_LIMIT = env_int("SIGNIN_FAILURE_LIMIT", 10, minimum=1, maximum=1000)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SIGNIN_LOCKOUT_MINUTES", 15, minimum=1, maximum=24 * 60))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True  # a right password before the limit forgets that username's failures
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # tries during a lockout do not prolong it
AXES_LOCKOUT_CALLABLE = "app.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "app.signin.client_address"
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are not audit events here; failures are kept while they count
# Reverse proxies in front of the web server (X-Forwarded-For entries to trust, from the right); with
# none, every client behind one proxy would share its address and its lockout.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 1 if env_bool("TRUST_X_FORWARDED_PROTO", False) else 0, minimum=0)

# --- Single sign-on: OpenID Connect (mozilla-django-oidc; app/oidc.py, docs/operations) ---
# Off unless OIDC_RP_CLIENT_ID is set; then the provider's endpoints are required. A person signs in through
# the provider only when an account with their email exists (a lead invited them: docs/cases.md), unless
# OIDC_CREATE_USER=true, which makes accounts in no team for an admin to place.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
# Only for a provider that verifies every address but never sends `email_verified` (app/oidc.py).
OIDC_TRUST_UNVERIFIED_EMAIL = env_bool("OIDC_TRUST_UNVERIFIED_EMAIL", False)
if OIDC_ENABLED:
    OIDC_RP_CLIENT_SECRET = env_secret("OIDC_RP_CLIENT_SECRET") or ""
    OIDC_OP_AUTHORIZATION_ENDPOINT = env_url("OIDC_OP_AUTHORIZATION_ENDPOINT", ("https", "http"))
    OIDC_OP_TOKEN_ENDPOINT = env_url("OIDC_OP_TOKEN_ENDPOINT", ("https", "http"))
    OIDC_OP_USER_ENDPOINT = env_url("OIDC_OP_USER_ENDPOINT", ("https", "http"))
    OIDC_OP_JWKS_ENDPOINT = env_url("OIDC_OP_JWKS_ENDPOINT", ("https", "http"))
    OIDC_OP_ISSUER = env_str("OIDC_OP_ISSUER", "")  # the id_token's `iss`, checked (app/oidc.py)
    _OIDC_NEEDS = [
        "OIDC_RP_CLIENT_SECRET",
        *(f"OIDC_OP_{n}_ENDPOINT" for n in ("AUTHORIZATION", "TOKEN", "USER", "JWKS")),
        "OIDC_OP_ISSUER",
    ]
    if _missing := [name for name in _OIDC_NEEDS if not globals()[name]]:
        raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set, so single sign-on is on: set {', '.join(_missing)}")
    OIDC_RP_SIGN_ALGO = env_choice("OIDC_RP_SIGN_ALGO", "rs256", ("rs256", "rs384", "rs512", "es256", "hs256")).upper()
    OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
    OIDC_CREATE_USER = env_bool("OIDC_CREATE_USER", False)
    OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10, minimum=1, maximum=120)
    LOGIN_REDIRECT_URL = "/app/"
    LOGIN_REDIRECT_URL_FAILURE = "/app/sign-in?sso=failed"
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "app.oidc.Backend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"  # `make frontend` builds it
STATICFILES_DIRS = [("app", FRONTEND_DIST)] if FRONTEND_DIST.exists() else []
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Evidence and reports: a volume every web and worker host mounts, when there are several (docs/scale.md).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Evidence files: the largest accepted, in bytes (a bigger upload is refused before anything is stored).
# Screening verdicts are cached here, shared by every web process (screening/services.py).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cs",
    }
}

# The GraphSense TagPack schema and concept taxonomy (tagpack/schema_install.py puts them in the venv).
TAGPACK_SCHEMA_DIR = Path(env_str("TAGPACK_SCHEMA_DIR", str(Path(sys.prefix) / "share" / "graphsense-schema")))
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 25 * 1024 * 1024, minimum=1024)
# A report that fails after its export is approved: the worker retries it after this many seconds, doubling
# each time, up to REPORT_RETRIES times (docs/cases.md); the team can retry it at any time too.
REPORT_RETRY_BACKOFF = env_int("REPORT_RETRY_BACKOFF", 30, minimum=1)
REPORT_RETRIES = env_int("REPORT_RETRIES", 5, minimum=0, maximum=20)

# --- Email: notifications and invitations (investigations/notifications.py, investigations/team.py) ---
# Nothing is sent until EMAIL_BACKEND names a backend (e.g. django.core.mail.backends.smtp.EmailBackend).
# Empty counts as unset (docker-compose.yml passes every one, empty when .env leaves it out).
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or "django.core.mail.backends.dummy.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1, maximum=120)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "chainsleuth@localhost"
# Where people reach the app (https://sleuth.example.org): the links in mails and invitations. Unset, an
# invitation link names the address its lead reached the app at, and a mail's link http://localhost:8000.
APP_URL = env_str("APP_URL", "").rstrip("/")

# --- HTTPS (production): everything `check --deploy` asks for, behind one switch ---
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "app.errors.csrf_failure"  # JSON under /api/, Django's page elsewhere

# --- REST API ---
# A JSON body nested deeper than this is refused with a 400 (core/parsers.py); the API's own bodies use a few levels.
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 64, minimum=4, maximum=500)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.DepthLimitedJSONParser"],  # uploads name their own parsers
    "DEFAULT_SCHEMA_CLASS": "core.schema.AnswerSchema",
    "EXCEPTION_HANDLER": "app.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ChainSleuth API",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,  # request bodies get their own components, with minLength and the like
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "investigations.models.Case.Status",
        "ApprovalStatusEnum": "investigations.models.Approval.Status",
        "SubjectKindEnum": "investigations.models.Subject.Kind",
        "EvidenceKindEnum": "investigations.models.Evidence.Kind",
        "AlertStatusEnum": "investigations.models.Alert.Status",
        "AlertSourceEnum": "investigations.models.Alert.Source",
        # An address or a cluster: screening's `via`, the explorer's and the alert escalation's `kind`.
        "NodeKindEnum": ["address", "cluster"],
        # The exploration answers' directions: a neighbour's edge, and a trace's (investigations/api/answers.py).
        "EdgeDirectionEnum": ["in", "out"],
        "DirectionEnum": "screening.models.Transfer.Direction",  # the name it had before those two came
        "TraceDirectionEnum": ["forward", "backward"],
    },
}

# --- Celery (read by app/celery.py through the CELERY_ prefix) ---
# Redis redelivers an unacknowledged task after the visibility timeout; the hard
# time limit stays below it so a slow task is killed before a second copy starts.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 7200, minimum=120)
_HARD_LIMIT_MAX = CELERY_VISIBILITY_TIMEOUT - 60
CELERY_TASK_TIME_LIMIT = env_int(
    "CELERY_TASK_TIME_LIMIT", min(3600, _HARD_LIMIT_MAX), minimum=10, maximum=_HARD_LIMIT_MAX
)
CELERY_TASK_SOFT_TIME_LIMIT = env_int(
    "CELERY_TASK_SOFT_TIME_LIMIT",
    CELERY_TASK_TIME_LIMIT - max(5, min(60, CELERY_TASK_TIME_LIMIT // 10)),
    minimum=5,
    maximum=CELERY_TASK_TIME_LIMIT - 5,
)
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
# With late acks a task whose broker connection drops is redelivered; cancel the local copy so it runs once.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 7 * 24 * 3600
CELERY_TASK_TRACK_STARTED = True
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# Work promised within a second (anomaly scans, webhook deliveries) has a queue and a worker of its own,
# so an ingest run or a labeling job holding the other worker's processes never delays it.
CELERY_REALTIME_QUEUE = env_str("CELERY_REALTIME_QUEUE", "realtime")
CELERY_TASK_ROUTES = {
    name: {"queue": CELERY_REALTIME_QUEUE} for name in ("screening.anomalies_scan", "screening.delivery_attempt")
}
# A job row's lease (core/jobs.py): its worker extends it every third of this; a worker killed mid-job
# stops, and once the lease has run out the redelivered task takes the job over.
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 60, minimum=1, maximum=CELERY_VISIBILITY_TIMEOUT)

# --- Chain ingestion ---
# A change guess links its output to the spender's cluster only from this combined confidence on.
# The default is chain.clustering.DEFAULT_CHANGE_MIN_CONFIDENCE, written out (importing it would load
# bitcoinlib into settings); a test holds the two equal.
CLUSTER_CHANGE_MIN_CONFIDENCE = env_float("CLUSTER_CHANGE_MIN_CONFIDENCE", 0.6, minimum=0.0, maximum=1.0)
# `make run` loads a simulated world of this many transactions into an empty graph (0: none).
DEMO_WORLD_TXS = env_int("DEMO_WORLD_TXS", 30_000, minimum=0, maximum=10_000_000)
if 0 < DEMO_WORLD_TXS < 1_000:
    raise ImproperlyConfigured(f"DEMO_WORLD_TXS: 0 (no demo world) or at least 1000, got {DEMO_WORLD_TXS}")
DEMO_WORLD_DIR = VAR_DIR / "demo-world"
# The chain store (chain/store/, docs/scale.md): partitioned Parquet of the whole chain. Its partition size
# and bucket count are fixed when a store is made; the memory limit bounds each DuckDB join of the resolve phase.
CHAIN_STORE_DIR = Path(env_str("CHAIN_STORE_DIR", str(VAR_DIR / "chainstore"))).resolve()
CHAIN_STORE_PARTITION_BLOCKS = env_int("CHAIN_STORE_PARTITION_BLOCKS", 1_000, minimum=1)
CHAIN_STORE_BUCKETS = env_int("CHAIN_STORE_BUCKETS", 64, minimum=1, maximum=256)
CHAIN_STORE_MEMORY_LIMIT = env_str("CHAIN_STORE_MEMORY_LIMIT", "1GB")
# The nightly run retrains once this many investigators' verdicts (confirmed or dismissed cases' addresses)
# have been recorded since the last model was trained; 0 never retrains.
ALERTS_PER_LABELING_JOB = env_int("ALERTS_PER_LABELING_JOB", 500, minimum=0)  # the riskiest flagged clusters
RETRAIN_MIN_LABELS = env_int("RETRAIN_MIN_LABELS", 50, minimum=0)
# A retraining that starts from the active model's weights (same architecture) runs at most this many epochs.
RETRAIN_WARM_EPOCHS = env_int("RETRAIN_WARM_EPOCHS", 10, minimum=1)
# How many of the riskiest flagged addresses a labeling job explains (Integrated Gradients, hundreds a
# second: by default every one); 0 for none.
LABELING_EXPLAIN_TOP = env_int("LABELING_EXPLAIN_TOP", 10_000_000, minimum=0, maximum=10_000_000)

# --- Real-time anomaly detection (screening/anomalies.py, docs/screening.md) ---
ANOMALY_DETECTION = env_bool("ANOMALY_DETECTION", True)
# Blocks older than this (by block time) are not counted, and an entity idle this long forgets its history.
ANOMALY_HISTORY_DAYS = env_int("ANOMALY_HISTORY_DAYS", 30, minimum=1, maximum=365)
# Anomalies in blocks older than this still move the statistics but raise no alert (a catch-up is not news).
ANOMALY_ALERT_HOURS = env_int("ANOMALY_ALERT_HOURS", 6, minimum=1, maximum=24 * 365)
# A registered transfer this recent is held when an anomaly touches its address or transaction.
ANOMALY_TRANSFER_DAYS = env_int("ANOMALY_TRANSFER_DAYS", 30, minimum=1, maximum=365)

# --- Webhooks (screening/destinations.py) ---
# Internal destinations a webhook may still be sent to: host names, addresses or networks (10.0.0.0/8),
# comma-separated. Empty: public addresses only.
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS", [])

# --- Logging ---
LOG_LEVEL = env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")).upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Request values reach messages: a newline in one must not start a forged entry (app/logs.py).
    "filters": {"one_line": {"()": "app.logs.EscapeControlCharacters"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["one_line"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # fontTools logs every glyph it subsets while a PDF report embeds its font.
    "loggers": {"fontTools": {"level": "WARNING"}},
}
