"""Remedia's settings: one module, driven by the environment (PRODUCT.md, Configuration).

Every variable is optional for a developer's `make run`. In production
(`REMEDIA_DEBUG` off) the secure defaults apply and a missing secret key stops
start-up. A malformed value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR.parent

env = environ.Env()


def _setting(name: str, parse: Any, default: Any) -> Any:
    """Read one variable; a malformed value names the variable and stops start-up."""
    if name not in os.environ or os.environ[name] == "":
        return default
    try:
        return parse(name)
    except (ValueError, TypeError, KeyError, environ.ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(
            f"{name} is malformed: {os.environ[name]!r} could not be read ({exc})."
        ) from None


def _bool(name: str) -> bool:
    value = os.environ[name].strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected one of 1/0, true/false, yes/no, on/off")


DEBUG: bool = _setting("REMEDIA_DEBUG", _bool, False)
# The test suite runs under pytest; it gets fast password hashing, immediate jobs
# and its own data directory, never production's.
TESTING: bool = os.environ.get("REMEDIA_TESTING") == "1" or "pytest" in sys.modules

DATA_DIR = Path(
    _setting(
        "REMEDIA_DATA_DIR",
        env.str,
        str(PROJECT_DIR / "var" / ("test" if TESTING else "")),
    )
).resolve()
# SQLite files, job storage and attachments live here; it must exist before
# anything opens them.
DATA_DIR.mkdir(parents=True, exist_ok=True)
# The audit log's verified tip, signed, kept outside the database (issue 15.4).
REMEDIA_AUDIT_ANCHOR_FILE = DATA_DIR / "audit-anchor.json"


def _secret_key() -> str:
    if key := os.environ.get("REMEDIA_SECRET_KEY"):
        if len(key) < 50:
            raise ImproperlyConfigured(
                "REMEDIA_SECRET_KEY is malformed: it must be at least 50 characters."
            )
        return key
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured(
            "REMEDIA_SECRET_KEY is required when REMEDIA_DEBUG is off."
        )
    # A developer's machine keeps one random key under the data directory, so
    # sessions and the audit chain's key survive a restart.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Previous secret keys, kept after a rotation so receipts and sessions made
# under them still open (docs/operations.md, "Rotating keys").
SECRET_KEY_FALLBACKS: list[str] = _setting("REMEDIA_SECRET_KEY_FALLBACKS", env.list, [])

ALLOWED_HOSTS: list[str] = _setting(
    "REMEDIA_ALLOWED_HOSTS",
    env.list,
    ["127.0.0.1", "localhost", "[::1]"] if (DEBUG or TESTING) else [],
)
if not ALLOWED_HOSTS and not DEBUG and not TESTING:
    raise ImproperlyConfigured(
        "REMEDIA_ALLOWED_HOSTS is required when REMEDIA_DEBUG is off "
        "(comma-separated host names)."
    )

INSTALLED_APPS = [
    "remedia.core",
    "remedia.accounts",
    "remedia.notifications",
    "remedia.facilities",
    "remedia.intake",
    "remedia.cases",
    "remedia.rrm",
    "remedia.training",
    "remedia.remediation",
    "remedia.protection",
    "remedia.coordination",
    "remedia.analytics",
    "remedia.integrations",
    "remedia.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    # django-otp's plugins, named in Spanish and English (accounts/otp_apps.py).
    "remedia.accounts.otp_apps.TotpConfig",
    "remedia.accounts.otp_apps.StaticConfig",
    "django_htmx",
    "huey.contrib.djhuey",
    "ninja",
    # Django's widget templates, found by the project's engine (FORM_RENDERER).
    "django.forms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "remedia.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads a request body (CSRF does): see intake/uploads.py.
    "remedia.intake.uploads.UploadBoundsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "remedia.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "remedia.config.urls"
WSGI_APPLICATION = "remedia.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "remedia.core.hooks.staff_nav",
            ],
        },
    }
]

# Form widgets are drawn by the project's template engine, so the project's
# templates/django/forms/ can replace Django's (input_option.html: a radio
# button or checkbox without three nested includes), and a <select> is
# written in Python (core.forms.FormRenderer): issue 21's profile found a
# filter form of 66 options costing 3.6 ms through Django's templates.
FORM_RENDERER = "remedia.core.forms.FormRenderer"

# --- Database -----------------------------------------------------------------

DATABASES = {
    "default": _setting(
        "DATABASE_URL",
        env.db_url,
        {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "remedia.sqlite3"),
        },
    )
}
_db = DATABASES["default"]
# Only SQLite and PostgreSQL carry the audit log's append-only triggers
# (core migration 0002); any other engine would run without them.
if not (
    _db.get("ENGINE") == "django.db.backends.sqlite3"
    or str(_db.get("ENGINE", "")).startswith("django.db.backends.postgresql")
):
    raise ImproperlyConfigured(
        "DATABASE_URL is malformed: unknown database scheme "
        "(expected sqlite:// or postgres://)."
    )
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the worker share the file.
    _db.setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # secure_delete overwrites freed pages, so destroyed reports and keys
            # do not linger in the file.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA secure_delete=ON;"
            ),
        }
    )
elif _db["ENGINE"].startswith("django.db.backends.postgresql"):
    _db["ENGINE"] = "django.db.backends.postgresql"
    _db.setdefault("CONN_MAX_AGE", 60)
    _db.setdefault("CONN_HEALTH_CHECKS", True)
    # Parallel query (issue 21): a query that plans a Gather starts worker
    # processes, which on a server of few cores compete with the other
    # requests served at the same time. Triage's deeper pages took 7 ms in one
    # process and 18-113 ms with PostgreSQL's default of two workers, on two
    # cores; the triage API served 1.5-2.3 times the requests without them.
    # No page scans a large table (the analytics are materialised by the
    # worker), so none needs them; a database server with cores to spare may
    # raise this.
    _parallel = _setting("REMEDIA_DB_PARALLEL_WORKERS", env.int, 0)
    if not 0 <= _parallel <= 64:
        raise ImproperlyConfigured(
            "REMEDIA_DB_PARALLEL_WORKERS is malformed: it must be a whole number "
            "from 0 to 64."
        )
    _options = _db.setdefault("OPTIONS", {})
    _options["options"] = " ".join(
        part
        for part in (
            _options.get("options", ""),
            f"-c max_parallel_workers_per_gather={_parallel}",
        )
        if part
    )
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("REMEDIA_TEST_DB_NAME")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, jobs ------------------------------------------------------------------

REDIS_URL: str | None = _setting("REDIS_URL", env.str, None)
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "REDIS_URL is malformed: expected redis://, rediss:// or unix://."
    )

# The cache table exists whatever the setting (migration core 0003): it is the
# embedded default's cache, and what carries the Redis cache during a Redis
# outage (docs/operations.md, "Outages"; remedia/core/cache_failover.py).
_DATABASE_CACHE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "remedia_cache",
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "remedia.core.cache_failover.FailoverRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "remedia",
            "OPTIONS": {
                "FALLBACK": "fallback",
                # An unreachable host must not hold a request for long.
                "socket_connect_timeout": 2,
                "socket_timeout": 5,
            },
        },
        "fallback": {**_DATABASE_CACHE, "KEY_PREFIX": "remedia"},
    }
else:
    # Throttles and other shared counters must be seen by every process, so
    # the embedded default is the database, never one process's memory.
    CACHES = {"default": _DATABASE_CACHE}

# A job the queue cannot take (Redis down) is kept in the database and queued
# later (remedia/core/jobqueue.py): never a 500 for a write that committed.
if REDIS_URL:
    HUEY: dict[str, Any] = {
        "huey_class": "remedia.core.jobqueue.RedisHuey",
        "name": "remedia",
        "url": REDIS_URL,
        "immediate": False,
    }
else:
    HUEY = {
        "huey_class": "remedia.core.jobqueue.SqliteHuey",
        "name": "remedia",
        "filename": str(DATA_DIR / "jobs.sqlite3"),
        "immediate": False,
    }
HUEY["consumer"] = {"workers": 2, "worker_type": "thread"}
# A job running this long on another machine's worker is taken for lost and
# queued again (remedia/core/jobqueue.py; a job of a worker of this machine is
# queued again as soon as its process is gone).
REMEDIA_JOB_STALE_SECONDS = _setting("REMEDIA_JOB_STALE_SECONDS", env.int, 900)
if TESTING:
    # Tests run jobs where they are queued, against the same real storage class.
    HUEY["immediate"] = True

# --- Authentication --------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
# Argon2id everywhere a secret is stretched, at the costs docs/security.md
# documents. Only the test suite's plugin (tests/support/plugin.py) lowers them,
# after these settings are loaded; no environment variable or flag does, and
# tests/core/test_costs.py checks that production keeps them.
PASSWORD_HASHERS = ["remedia.accounts.hashers.Argon2idPasswordHasher"]
# Django's Argon2 defaults (argon2-cffi's RFC 9106 "low memory" profile).
REMEDIA_PASSWORD_HASH_COST = {"time_cost": 2, "memory_cost": 102400, "parallelism": 8}
# core/crypto.py: the key that wraps a user's private key (64 MiB, t=3), and the
# receipt (PRODUCT.md's floor: m=19 MiB, t=2, p=1; libsodium's p is always 1).
REMEDIA_ARGON2ID_COST = {
    "password": {"opslimit": 3, "memlimit": 64 * 1024 * 1024},
    "receipt": {"opslimit": 2, "memlimit": 19 * 1024 * 1024},
}
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after 30 idle minutes and at most 10 hours after login.
SESSION_COOKIE_AGE = 30 * 60
# Idle sessions end after SESSION_COOKIE_AGE; a signed-in session's expiry is
# pushed on at most once every SESSION_TOUCH_SECONDS (accounts.middleware), not
# written on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
REMEDIA_SESSION_MAX_AGE = 10 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

OTP_TOTP_ISSUER = "Remedia"

# Login throttling: after this many failures for one account in the window, each
# further attempt waits, doubling from the first delay up to the cap.
REMEDIA_LOGIN_FREE_FAILURES = 5
REMEDIA_LOGIN_FIRST_DELAY = 30
REMEDIA_LOGIN_MAX_DELAY = 15 * 60

# --- Internationalisation ---------------------------------------------------------

LANGUAGE_CODE = "es-mx"
LANGUAGES = [("es-mx", _("Español (México)")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "America/Mexico_City"
USE_TZ = True

# --- Static files -------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# The project's own stylesheet lives beside the project templates, outside any app.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not (DEBUG or TESTING)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
if DEBUG or TESTING:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"

# --- Mail ---------------------------------------------------------------------------

_email = _setting("EMAIL_URL", env.email_url, None)
if _email:
    vars().update(_email)
else:
    EMAIL_BACKEND = (
        "django.core.mail.backends.console.EmailBackend"
        if DEBUG
        else "django.core.mail.backends.smtp.EmailBackend"
    )
DEFAULT_FROM_EMAIL = os.environ.get("REMEDIA_FROM_EMAIL", "remedia@localhost")
# Where staff open Remedia: links in notification emails are built on it.
REMEDIA_BASE_URL: str = _setting(
    "REMEDIA_BASE_URL", env.str, "http://127.0.0.1:8000"
).rstrip("/")
if not REMEDIA_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        "REMEDIA_BASE_URL is malformed: expected an http:// or https:// address."
    )
REMEDIA_REPORT_EMAIL: str | None = os.environ.get("REMEDIA_REPORT_EMAIL") or None
# A mailbox for that address, read by `remedia smtpd --imap` where mail cannot
# be delivered to the listener: imaps://user:password@host/INBOX (environment only).
REMEDIA_IMAP_URL: str | None = os.environ.get("REMEDIA_IMAP_URL") or None
REMEDIA_IMAP_INTERVAL = _setting("REMEDIA_IMAP_INTERVAL", env.int, 60)

# A facility import silent this long (no heartbeat) is taken for stopped: resumed
# by the worker or failed (issue 20; facilities.services.imports).
FACILITY_IMPORT_STALE_SECONDS = _setting("REMEDIA_IMPORT_STALE_SECONDS", env.int, 300)

# --- Retention (issue 20.5; docs/operations.md, "Retention") ------------------------
# Days each kind of personal data is kept once its clock starts (core.retention;
# the kinds register in their apps). REMEDIA_RETENTION_<KIND>_DAYS overrides
# one: a whole number of days, or "never" (kept; say why in your records).


def _retention_days(name: str) -> int | str:
    value = os.environ[name].strip().lower()
    if value == "never":
        return value
    days = int(value)
    if days < 0:
        raise ValueError("expected a number of days (0 or more) or never")
    return days


_RETENTION_DEFAULTS: dict[str, int | None] = {
    # Closed reports, with their messages, attachments and keys. None: the
    # administrator's period (IntakeConfiguration.retention_days, 730 days),
    # as before; the variable, when set, wins over it.
    "reports": None,
    # Closed cases, with their notes, documents and keys. None: the reports'
    # period, so that a case never outlives the reports it is made of.
    "cases": None,
    # Closed victim files (protection), with identity, notes, referrals,
    # consents, support plans and screenings: five years after closing,
    # the usual term for social-service records in Mexico.
    "victim_files": 1825,
    # Screenings never turned into a victim file, whose report and case are
    # destroyed, from their creation: as long as a victim file.
    "screenings": 1825,
    # Documents of RRM petitions (annexes may name workers), from the day the
    # RRM case closed: five years, as victim files; the case record stays.
    "rrm_documents": 1825,
    # Evidence of remediation measures (photos, rosters), from the day the
    # plan closed: three years, for audits of what was done.
    "remediation_evidence": 1095,
    # Answers to verification surveys of a closed survey, from the day they
    # were given: one year, enough to compare one survey with the next.
    "survey_answers": 365,
    # Evidence attached to coordination progress updates, from its upload:
    # three years, the length of a work plan.
    "coordination_evidence": 1095,
    # Staff notifications (who was told what, when), from their creation:
    # half a year; they only point to pages, whose content stays.
    "notifications": 180,
    # Sessions, from their expiry: gone at the next run.
    "sessions": 0,
    # Uploaded registry lists of imports that failed (kept to retry), from
    # the import's end: a week.
    "import_files": 7,
    # Delivery logs of webhooks (ids and states only), finished ones, from
    # their creation: 30 days, long enough to answer a partner's "did you
    # send it?".
    "webhook_logs": 30,
}
REMEDIA_RETENTION: dict[str, int | str | None] = {
    kind: _setting(f"REMEDIA_RETENTION_{kind.upper()}_DAYS", _retention_days, days)
    for kind, days in _RETENTION_DEFAULTS.items()
}
# A large export's file (core.exports, encrypted under DATA_DIR/exports/) is
# deleted this many hours after it was made (issue 18).
REMEDIA_EXPORT_KEEP_HOURS = _setting("REMEDIA_EXPORT_KEEP_HOURS", env.int, 24)
if REMEDIA_EXPORT_KEEP_HOURS < 1:
    raise ImproperlyConfigured(
        "REMEDIA_EXPORT_KEEP_HOURS is malformed: it must be a whole number of "
        "hours, 1 or more."
    )

# --- Telephony (issue 8) ------------------------------------------------------------------
# Provider credentials come from the environment only. Webhook signatures are
# checked against REMEDIA_BASE_URL + the hook's path (the address the provider
# calls, whatever a proxy in front rewrites). TWILIO_API_URL points the REST
# calls (outbound messages, recordings, deletions) at the provider, or at the
# local stand-in in tests and demos.
TWILIO_AUTH_TOKEN: str | None = os.environ.get("TWILIO_AUTH_TOKEN") or None
TWILIO_ACCOUNT_SID: str | None = os.environ.get("TWILIO_ACCOUNT_SID") or None
TWILIO_API_URL: str = _setting("TWILIO_API_URL", env.str, "https://api.twilio.com")
TWILIO_SMS_FROM: str | None = os.environ.get("TWILIO_SMS_FROM") or None
TWILIO_WHATSAPP_FROM: str | None = os.environ.get("TWILIO_WHATSAPP_FROM") or None
# The voice line's number as workers dial it (the hook answers whatever number
# the provider routes to it): shown on the worker's pages with the SMS and
# WhatsApp numbers and REMEDIA_REPORT_EMAIL; a line not set is not shown.
REMEDIA_VOICE_NUMBER: str | None = os.environ.get("REMEDIA_VOICE_NUMBER") or None
# Where the worker's "Salir rápido" button leaves for: a site nobody wonders about.
REMEDIA_QUICK_EXIT_URL: str = _setting(
    "REMEDIA_QUICK_EXIT_URL", env.str, "https://www.google.com/"
)
# Flood guards of the lines: per number (a keyed hash of it) and for the line.
REMEDIA_SMS_MAX_PER_NUMBER = _setting("REMEDIA_SMS_MAX_PER_NUMBER", env.int, 40)
REMEDIA_SMS_MAX_PER_MINUTE = _setting("REMEDIA_SMS_MAX_PER_MINUTE", env.int, 300)
REMEDIA_VOICE_MAX_CALLS_PER_NUMBER = _setting(
    "REMEDIA_VOICE_MAX_CALLS_PER_NUMBER", env.int, 20
)
REMEDIA_VOICE_MAX_CALLS_PER_MINUTE = _setting(
    "REMEDIA_VOICE_MAX_CALLS_PER_MINUTE", env.int, 120
)

# --- Security -----------------------------------------------------------------------

# A refused form (expired page, missing CSRF cookie) gets our own 403 page.
CSRF_FAILURE_VIEW = "remedia.core.views.csrf_failure_view"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = not TESTING
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # TLS ends at the reverse proxy in front (docs/operations.md), which must set
    # this header and strip any value a client sends.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: nothing inline, nothing from another host.
REMEDIA_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# --- Logging -------------------------------------------------------------------------


def _log_level(name: str) -> str:
    value = os.environ[name].strip().upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return value


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "remedia.core.logging.RedactFilter"}},
    "formatters": {
        "json": {"()": "remedia.core.logging.JsonFormatter"},
        "console": {"()": "remedia.core.logging.ConsoleFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # One JSON object per line in production (for the log collector);
            # short readable lines on a developer's terminal (`make run`).
            "formatter": "console" if DEBUG else "json",
            "filters": ["redact"],
        }
    },
    # REMEDIA_LOG_LEVEL=WARNING quiets the per-row events (`make run` seeds the
    # demo so, leaving its passwords and receipts readable on the terminal).
    "root": {
        "handlers": ["console"],
        "level": _setting("REMEDIA_LOG_LEVEL", _log_level, "INFO"),
    },
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's request logger would put the full path of a failed request in
        # the log; our own middleware logs the request without network details.
        "django.request": {"level": "ERROR"},
        "huey": {"level": "WARNING"},
        # Pillow logs every EXIF tag it reads at debug level: a photo's GPS
        # position and camera make would reach the log while being cleaned.
        "PIL": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50

# --- Intake -----------------------------------------------------------------------------

# Uploads stay in memory (bounded per file) so a plain attachment never touches
# the disk before it is cleaned and encrypted.
FILE_UPLOAD_HANDLERS = ["remedia.intake.uploads.BoundedMemoryUploadHandler"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
# A report takes 5 files (core.files.MAX_FILES): up to twice that a worker who
# chose a few too many is told so in the form; past it the request is refused
# before the next file is read. A body longer than 5 files of 10 MB and 1 MB of
# fields is refused from its Content-Length, unread (413).
DATA_UPLOAD_MAX_NUMBER_FILES = 10
REMEDIA_REQUEST_MAX_BYTES = 5 * 10 * 1024 * 1024 + 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
# A ceiling on submissions per minute across the whole site, far above real use
# (there is no per-sender limit: no network identifier of a reporter is kept).
REMEDIA_INTAKE_MAX_PER_MINUTE = _setting("REMEDIA_INTAKE_MAX_PER_MINUTE", env.int, 600)
# Automatic answers to one email address in an hour (intake/channels/email.py).
REMEDIA_EMAIL_ANSWERS_PER_HOUR = _setting("REMEDIA_EMAIL_ANSWERS_PER_HOUR", env.int, 6)
# Receipt guessing: counted per leading four digits (see intake/services.py).
REMEDIA_RECEIPT_FREE_FAILURES = 10
REMEDIA_RECEIPT_FIRST_DELAY = 5
REMEDIA_RECEIPT_MAX_DELAY = 5 * 60
# How long the follow-up pages stay open in a worker's browser after the receipt.
REMEDIA_FOLLOWUP_MINUTES = 30

# --- Deadlines and surveys --------------------------------------------------------------

# Days before an RRM step or a remediation measure falls due that its alert is sent.
RRM_ALERT_DAYS = _setting("RRM_ALERT_DAYS", env.int, 3)
REMEDIATION_ALERT_DAYS = _setting("REMEDIATION_ALERT_DAYS", env.int, 3)
# Wrong survey codes per minute across the site before everyone waits out the
# minute (a guessing flood; each browser also backs off on its own).
REMEDIA_SURVEY_CODE_FAILURES_PER_MINUTE = _setting(
    "REMEDIA_SURVEY_CODE_FAILURES_PER_MINUTE", env.int, 120
)

# --- Protection -------------------------------------------------------------------------

# The de-identified export's default k: a row is published only if at least k
# files share all its values (CTDC publishes with k = 11). A lead may choose
# another k from 2 up for one export; this is what the form offers first.
REMEDIA_EXPORT_K: int = _setting("REMEDIA_EXPORT_K", env.int, 11)
if not 2 <= REMEDIA_EXPORT_K <= 1000:
    raise ImproperlyConfigured(
        "REMEDIA_EXPORT_K is malformed: it must be a whole number from 2 to 1000."
    )

# The public figures (/cifras/, issue 18): counts from 1 to this minus one are
# never published, and complementary suppression keeps them from being worked
# out (CMS and CTDC publish nothing under 11).
REMEDIA_PUBLIC_MIN_COUNT: int = _setting("REMEDIA_PUBLIC_MIN_COUNT", env.int, 11)
if not 2 <= REMEDIA_PUBLIC_MIN_COUNT <= 1000:
    raise ImproperlyConfigured(
        "REMEDIA_PUBLIC_MIN_COUNT is malformed: it must be a whole number from 2 to 1000."
    )

# --- Operations ------------------------------------------------------------------
# `/metrics` answers only a scraper that sends this token (Authorization:
# Bearer ...); unset, the endpoint does not exist. `/readyz` reports the queue
# as a backlog (503) above this many jobs waiting.
REMEDIA_METRICS_TOKEN: str | None = os.environ.get("REMEDIA_METRICS_TOKEN") or None
REMEDIA_READY_MAX_BACKLOG: int = _setting("REMEDIA_READY_MAX_BACKLOG", env.int, 5000)

# --- Webhooks ---------------------------------------------------------------------
# Hosts (names, addresses or CIDR blocks) inside the network that webhooks may
# call, over plain HTTP too: every other receiver must be HTTPS (outside debug)
# and resolve only to public addresses (docs/security.md, "Webhooks").
REMEDIA_WEBHOOK_ALLOWED_HOSTS: list[str] = _setting(
    "REMEDIA_WEBHOOK_ALLOWED_HOSTS", env.list, []
)
