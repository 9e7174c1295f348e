"""ketacare settings: one file, every value from the environment.

Three modes:
- production (default): DEBUG off, SECRET_KEY required, secure cookies, HSTS,
  TOTP two-factor required for staff.
- demo (KETACARE_DEMO=true): a synthetic clinic on SQLite for trying the product;
  demo logins exist only here.
- test (KETACARE_TESTING=true, set by conftest.py): fast hashing, local mail.

See .env.example for every variable.
"""

from __future__ import annotations

import re
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from ketacare.lib.env import envbool, envint, envlist, envsecret, envstr

# Lets admin.ModelAdmin[Model] and QuerySet[Model] be written at run time (typing).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("KETACARE_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TESTING = envbool("KETACARE_TESTING", False)
DEMO = envbool("KETACARE_DEMO", False)
DEBUG = envbool("DEBUG", False)

_secret = envsecret("SECRET_KEY")
if _secret is None:
    if not (DEMO or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY is required. Set it (or SECRET_KEY_FILE) in the environment; "
            "see .env.example. Only KETACARE_DEMO=true runs without one."
        )
    _secret = "insecure-demo-and-test-only-key-never-use-for-real-patients-0123456789"  # noqa: S105
SECRET_KEY = _secret

ALLOWED_HOSTS = envlist(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if (DEMO or TESTING or DEBUG) else []
)
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "simple_history",
    "axes",
    "django_ratelimit",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ketacare.accounts",
    "ketacare.audit",
    "ketacare.patients",
    "ketacare.portal",
    "ketacare.measures",
    "ketacare.checkins",
    "ketacare.alerts",
    "ketacare.outbox",
    "ketacare.api",
    "ketacare.dashboard",
    "ketacare.ops",
    "ketacare.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # First to read the request: NUL bytes and oversized forms never reach a view.
    "ketacare.lib.middleware.RefuseUnreadableInputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ketacare.lib.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ketacare.accounts.middleware.StaffTwoFactorMiddleware",
    # Each request starts and ends in UTC; access checks show the clinic's own zone.
    "ketacare.accounts.clinic_time.ClinicTimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes last, as its documentation asks, so it sees the final response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ketacare.urls"
WSGI_APPLICATION = "ketacare.wsgi.application"

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
                "ketacare.accounts.context_processors.ketacare",
                "ketacare.demo.context_processors.demo",
            ],
            "builtins": ["ketacare.lib.phone_filters"],
        },
    }
]

# Database: SQLite (WAL) with no set-up; PostgreSQL through DATABASE_URL.
# In production DATABASE_URL names the application's role, which owns nothing; migrations
# run with the owner role's URL in its place (docs/deploy.md, "PostgreSQL roles").
_database_url = envstr("DATABASE_URL", "")
if _database_url:
    # DATABASE_POOL=true: a psycopg connection pool in each app process, sized per process
    # (a sync gunicorn worker holds at most one connection at a time; a threaded one, one
    # per thread). Off: one persistent connection per process and thread.
    _pool = envbool("DATABASE_POOL", False)
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=0 if _pool else 60)}
    if _pool:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": envint("DATABASE_POOL_MIN", 1),
            "max_size": envint("DATABASE_POOL_MAX", 4),
            "timeout": envint("DATABASE_POOL_TIMEOUT", 10),
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": envstr("SQLITE_PATH", str(VAR_DIR / "ketacare.sqlite3")),
            "OPTIONS": {
                # WAL lets the web server and the worker read while one writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing speed is irrelevant to what the tests check; argon2 is tested on its own.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

# Lockout after repeated failures (django-axes).
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLED = envbool("AXES_ENABLED", True)
AXES_CLIENT_IP_CALLABLE = "ketacare.lib.client_address.client_ip"

# The client's address behind a reverse proxy: off unless the proxy is named here.
# With it off, X-Forwarded-For is ignored (anyone can send it). See .env.example.
_client_ip_header = envstr("CLIENT_IP_HEADER", "").strip()
if _client_ip_header and not re.fullmatch(r"[A-Za-z0-9-]+", _client_ip_header):
    raise ImproperlyConfigured(
        f"CLIENT_IP_HEADER must be a header name such as X-Forwarded-For, not {_client_ip_header!r}"
    )
KETACARE_CLIENT_IP_META_KEY = (
    "HTTP_" + _client_ip_header.upper().replace("-", "_") if _client_ip_header else ""
)
KETACARE_CLIENT_IP_PROXY_COUNT = envint("CLIENT_IP_PROXY_COUNT", 1)
if KETACARE_CLIENT_IP_PROXY_COUNT < 1:
    raise ImproperlyConfigured("CLIENT_IP_PROXY_COUNT must be 1 or more")

# Per-account limit across all addresses: after this many failed sign-ins for one
# account within the window, the right password alone is not enough; the owner
# also confirms a link emailed to them. Nobody is locked out (see accounts/stepup.py).
KETACARE_SIGNIN_STEP_UP_AFTER = envint("SIGNIN_STEP_UP_AFTER", 10)
KETACARE_SIGNIN_STEP_UP_WINDOW = envint("SIGNIN_STEP_UP_WINDOW_MINUTES", 24 * 60) * 60

# Rate limits (django-ratelimit), counted in the shared database cache below.
_RATE = re.compile(r"\d+/\d*[smhd]")


def _envrate(name: str, default: str) -> str:
    value = envstr(name, default).strip()
    if not _RATE.fullmatch(value):
        raise ImproperlyConfigured(f"{name} must look like 5/h or 600/m, not {value!r}")
    return value


# Emails a visitor can cause (sign-in links, password resets, new check-in links).
KETACARE_EMAIL_RATE_PER_ADDRESS = _envrate("EMAIL_RATE_PER_ADDRESS", "30/h")
KETACARE_EMAIL_RATE_PER_RECIPIENT = _envrate("EMAIL_RATE_PER_RECIPIENT", "5/h")
# Requests per API token, JSON API and FHIR together.
KETACARE_API_RATE_PER_TOKEN = _envrate("API_RATE_PER_TOKEN", "600/m")
RATELIMIT_USE_CACHE = "default"
# django-ratelimit warns about any backend it does not know; ours makes incr atomic
# (ketacare/lib/cache.py, tested in accounts/tests/test_throttle.py).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# One cache shared by every gunicorn worker, in the database; a migration makes its table.
CACHES = {
    "default": {
        "BACKEND": "ketacare.lib.cache.SharedDatabaseCache",
        "LOCATION": "ketacare_cache",
        "TIMEOUT": 60 * 60,
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}

# Two-factor for staff: required in production, optional in demo and tests.
KETACARE_REQUIRE_STAFF_2FA = envbool("KETACARE_REQUIRE_STAFF_2FA", not (DEMO or TESTING or DEBUG))
OTP_TOTP_ISSUER = "ketacare"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"  # storage and server time; each clinic displays in its own zone
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING or DEMO)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or DEMO or TESTING

# Email: console in demo, local memory in tests, SMTP in production.
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if (DEMO or DEBUG)
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "ketacare <no-reply@ketacare.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Text messages: console in demo, an outbox in tests; a provider (TwilioSmsBackend, or any
# service speaking Twilio's Messages API) in production. Production refuses to run the worker,
# and `check --deploy` fails, with the console or file backend while a patient prefers text.
SMS_BACKEND = envstr(
    "SMS_BACKEND",
    "ketacare.outbox.sms.LocmemSmsBackend"
    if TESTING
    else "ketacare.outbox.sms.ConsoleSmsBackend"
    if (DEMO or DEBUG)
    else "ketacare.outbox.sms.TwilioSmsBackend",
)
SMS_API_BASE = envstr("SMS_API_BASE", "https://api.twilio.com")
SMS_ACCOUNT_SID = envstr("SMS_ACCOUNT_SID", "")
SMS_AUTH_TOKEN = envsecret("SMS_AUTH_TOKEN") or ""
SMS_FROM = envstr("SMS_FROM", "")
SMS_MESSAGING_SERVICE_SID = envstr("SMS_MESSAGING_SERVICE_SID", "")
SMS_STATUS_CALLBACK = envbool("SMS_STATUS_CALLBACK", True)  # ask for delivery receipts
SMS_TIMEOUT = envint("SMS_TIMEOUT", 20)
if TESTING:
    EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = envstr("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)  # an SMTP call must end well inside its lease

# Outbox: how long a worker owns a message it is sending, how often a failed one is tried
# (waits of base, x4, x16, ...) before it is "could not send".
OUTBOX_LEASE_SECONDS = envint("OUTBOX_LEASE_SECONDS", 300)
OUTBOX_MAX_ATTEMPTS = envint("OUTBOX_MAX_ATTEMPTS", 5)
OUTBOX_RETRY_BASE_SECONDS = envint("OUTBOX_RETRY_BASE_SECONDS", 60)

# Security. Production values satisfy `manage.py check --deploy`.
_secure = not (DEBUG or DEMO or TESTING)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", _secure)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", _secure)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", _secure)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000 if _secure else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _secure
SECURE_HSTS_PRELOAD = _secure
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_TLS_PROXY", False) else None
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 60 * 60 * 8)  # one clinic shift
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
