"""Settings, all read from the environment with safe development defaults.

README.md lists every variable.  Without any, Cashloop runs on SQLite under
`var/`, with a secret key generated once into `var/secret_key`.  A production deployment
sets at least DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and CASHLOOP_HTTPS=1; with those,
`cashloop check --deploy` is clean.
"""

import secrets
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("CASHLOOP_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
TESTING = "pytest" in sys.modules or env.bool("CASHLOOP_TESTING", default=False)


def _secret_key() -> str:
    """Return SECRET_KEY from the environment, or one generated once and kept in var/."""
    if key := env.str("SECRET_KEY", default=""):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "ninja",
    "cashloop.core",
    "cashloop.identity",
    "cashloop.customers",
    "cashloop.ledger",
    "cashloop.receivables",
    "cashloop.reports",
    "cashloop.sales",
    "cashloop.customfields",
    "cashloop.notifications",
    "cashloop.approvals",
    "cashloop.knowledge",
    "cashloop.cpq",
    "cashloop.contracts",
    "cashloop.banking",
    "cashloop.credit",
    "cashloop.service",
    "cashloop.collections",
    "cashloop.treasury",
    "cashloop.webhooks",
    "cashloop.imports",
    "cashloop.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "cashloop.core.nul.NulRefusingMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cashloop.identity.middleware.BearerTokenMiddleware",
    "cashloop.core.idempotency.IdempotencyMiddleware",
    # Axes goes last so that it sees the outcome of every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cashloop.urls"
WSGI_APPLICATION = "cashloop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cashloop.web.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite in WAL mode by default; PostgreSQL 15 through DATABASE_URL.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'cashloop.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # IMMEDIATE makes a writer take the lock when its transaction starts, so two
            # writers queue instead of one failing half-way ("database is locked").
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA foreign_keys=ON;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Tests create many users; argon2's deliberate slowness buys nothing there.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "identity:login"

# Lockout after repeated failed logins (django-axes): per user name and address pair,
# so one attacker cannot lock a colleague out from elsewhere.
AXES_FAILURE_LIMIT = env.int("CASHLOOP_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("CASHLOOP_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "identity/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind N reverse proxies the client's address is in X-Forwarded-For, not REMOTE_ADDR;
# without this every client would share the proxy's address and the lockout's pairing.
if proxy_count := env.int("CASHLOOP_PROXY_COUNT", default=0):
    AXES_IPWARE_PROXY_COUNT = proxy_count
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# Sessions: server-side, HTTP-only cookies, expire after a working day of inactivity.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("CASHLOOP_SESSION_SECONDS", default=9 * 3600)
SESSION_SAVE_EVERY_REQUEST = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env.bool("CASHLOOP_HTTPS", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Internationalisation: Simplified Chinese first, English second; business dates in
# the company's time zone, timestamps stored in UTC.
LANGUAGE_CODE = env.str("CASHLOOP_LANGUAGE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "cashloop" / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

CASHLOOP_BASE_CURRENCY = env.str("CASHLOOP_BASE_CURRENCY", default="CNY").upper()

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded documents: on disk under MEDIA_ROOT, or in an S3-compatible bucket when
# CASHLOOP_S3_BUCKET is set (docs/operations.md).  Files are never served from a public
# URL: downloads go through a view that checks who may see the document.
MEDIA_ROOT = Path(env.str("CASHLOOP_MEDIA_ROOT", default=str(VAR_DIR / "media")))
if s3_bucket := env.str("CASHLOOP_S3_BUCKET", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": s3_bucket,
            "endpoint_url": env.str("CASHLOOP_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("CASHLOOP_S3_REGION", default="") or None,
            "access_key": env.str("CASHLOOP_S3_ACCESS_KEY", default="") or None,
            "secret_key": env.str("CASHLOOP_S3_SECRET_KEY", default="") or None,
            "location": env.str("CASHLOOP_S3_PREFIX", default=""),
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
CASHLOOP_UPLOAD_MAX_BYTES = env.int("CASHLOOP_UPLOAD_MAX_MB", default=20) * 1024 * 1024

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="cashloop@localhost")
# Where people reach this installation; emails link back to it.
CASHLOOP_BASE_URL = env.str("CASHLOOP_BASE_URL", default="http://localhost:8000").rstrip("/")
# Contract owners are reminded of a key date this many days ahead, and again on the day.
CASHLOOP_KEY_DATE_REMINDER_DAYS = env.int("CASHLOOP_KEY_DATE_REMINDER_DAYS", default=7)
# API tokens may make this many requests a minute (decision 061); the count lives in the
# cache, per process unless CACHE_URL names a shared one.
CASHLOOP_API_RATE_LIMIT = env.int("CASHLOOP_API_RATE_LIMIT", default=600)
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Webhooks (decision 060): a delivery waits this many seconds for an answer; private and
# local addresses are refused unless allowed (the tests' receivers listen on loopback).
CASHLOOP_WEBHOOKS_TIMEOUT = env.float("CASHLOOP_WEBHOOKS_TIMEOUT", default=10.0)
CASHLOOP_WEBHOOKS_ALLOW_PRIVATE = env.bool("CASHLOOP_WEBHOOKS_ALLOW_PRIVATE", default=TESTING)

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
