"""Settings shared by every environment, read from environment variables.

Every value that differs between machines comes from the environment (see
docs/administration.md for the list); nothing secret is written here.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# src/xuefen/web/settings/base.py -> repository root is four levels up.
PACKAGE_DIR = Path(__file__).resolve().parents[2]
BASE_DIR = Path(os.environ.get("XUEFEN_HOME", PACKAGE_DIR.parents[1]))
VAR_DIR = Path(os.environ.get("XUEFEN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    """A boolean environment variable: 1/true/yes/on are true, 0/false/no/off/'' false."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated environment variable as a list without empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    """An integer environment variable."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Login throttling (xuefen.logins builds on it) and the Content-Security-Policy header.
    "xuefen.logins.apps.AxesConfig",  # django-axes, with a Chinese name in the admin
    "csp",
    # Background jobs: Django's tasks API (backport) with the queue in the database.
    "django_tasks",
    "django_tasks_db",
    "xuefen.org",
    "xuefen.catalog",
    "xuefen.records",
    "xuefen.activities",
    "xuefen.results",
    "xuefen.audit",
    "xuefen.jobs",
    "xuefen.credits",
    "xuefen.inbox",
    "xuefen.review",
    "xuefen.imports",
    "xuefen.exports",
    "xuefen.assessments",
    "xuefen.logins",
    "xuefen.portal",
    "xuefen.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from STATIC_ROOT without a separate web server (scripts/run.sh, small
    # deployments); behind nginx it only answers what nginx passes on.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After an administrator set or reset a password: to the password page until changed.
    "xuefen.web.passwords.ForcePasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a refused login (too many failures) into the Chinese "locked" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xuefen.web.urls"
WSGI_APPLICATION = "xuefen.web.wsgi.application"
ASGI_APPLICATION = "xuefen.web.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite in var/ unless DATABASE_URL says otherwise (postgres://... uses psycopg 3).
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'xuefen.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        # A connection kept per worker thread: opening one per request made even an empty
        # page 4.4× slower on PostgreSQL (docs/benchmarks.md, "Results at scale").
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite cannot create its folder; make var/ on first use so a fresh clone just works.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Several writers at once (gunicorn workers, threads): BEGIN IMMEDIATE takes the write
    # lock when a transaction starts, so a transaction that read first never fails half-way
    # on upgrading its lock; a writer waits up to `timeout` seconds for the lock instead of
    # answering "database is locked"; WAL lets readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("XUEFEN_SQLITE_TIMEOUT", 20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes; xuefen.logins writes the audit log and the locked page).
# The first backend refuses a locked login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failures are counted per account (wherever they come from: a guess spread over many
# addresses is stopped) and per address (one address cannot try a few passwords on every
# account). A school's teachers often share one address, so the address has its own,
# higher limit (xuefen.logins.throttle.LoginAttemptHandler applies it).
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_FAILURE_LIMIT = env_int("XUEFEN_LOGIN_FAILURE_LIMIT", 5)
XUEFEN_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("XUEFEN_LOGIN_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("XUEFEN_LOGIN_COOLOFF_MINUTES", 15))
# A lock lasts the cool-off from the failure that caused it: tries during the lock are
# refused without being counted, so the page can say when to come back.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "xuefen.logins.throttle.LoginAttemptHandler"
AXES_CLIENT_IP_CALLABLE = "xuefen.logins.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "xuefen.logins.throttle.locked_out_response"
AXES_HTTP_RESPONSE_CODE = 429
# Logins, logouts and failures go to the audit log (xuefen.logins.receivers), and the
# lock list is in the admin through xuefen.logins.admin, whose deletions are audited.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
# Reverse proxies in front of the application that append to X-Forwarded-For (nginx: 1).
# With 0 the address is REMOTE_ADDR; set it behind a proxy, or every login shares the
# proxy's address.
XUEFEN_PROXY_COUNT = env_int("XUEFEN_PROXY_COUNT", 0)

# Content-Security-Policy (django-csp): only this site's own files; no inline script or
# style, no frames, forms post only here. htmx's inline indicator styles are switched off
# in base.html (htmx-config).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Chinese first, English available; the source strings are English and the zh_Hans
# catalogue in src/xuefen/locale is compiled and shipped (see docs/development.md).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "media/"
# Evidence files (certificates, transcripts) are stored here; keep it out of the web root.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Mail (password reset links). "Forgot password" is offered on the login page only when
# XUEFEN_PASSWORD_RESET_BY_MAIL is on and a mail server is configured.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "xuefen@localhost")
XUEFEN_PASSWORD_RESET_BY_MAIL = env_bool("XUEFEN_PASSWORD_RESET_BY_MAIL", False)
# Notifications (xuefen.inbox) are also mailed to users who have an e-mail address when
# XUEFEN_NOTIFY_BY_MAIL is on; the inbox in the app works either way.
XUEFEN_NOTIFY_BY_MAIL = env_bool("XUEFEN_NOTIFY_BY_MAIL", False)
# The site's address, for absolute links in mails (without it mails carry the path).
XUEFEN_SITE_URL = os.environ.get("XUEFEN_SITE_URL", "")

# Above these sizes the worker does the work as a job whose page the user watches: certifying
# a school's period (approved records) and closing an activity (participants).
XUEFEN_CERTIFY_INLINE_MAX = env_int("XUEFEN_CERTIFY_INLINE_MAX", 2000)
XUEFEN_CLOSE_INLINE_MAX = env_int("XUEFEN_CLOSE_INLINE_MAX", 300)
# Imports and exports: above these many rows the worker does them (docs/exports.md);
# uploaded and exported files are kept for their owner this many hours, outside the web
# root (exports in XUEFEN_EXPORT_DIR).
XUEFEN_IMPORT_INLINE_MAX = env_int("XUEFEN_IMPORT_INLINE_MAX", 2000)
XUEFEN_IMPORT_KEEP_HOURS = env_int("XUEFEN_IMPORT_KEEP_HOURS", 24)
XUEFEN_EXPORT_PDF_INLINE_MAX = env_int("XUEFEN_EXPORT_PDF_INLINE_MAX", 200)
XUEFEN_EXPORT_XLSX_INLINE_MAX = env_int("XUEFEN_EXPORT_XLSX_INLINE_MAX", 20000)
XUEFEN_EXPORT_KEEP_HOURS = env_int("XUEFEN_EXPORT_KEEP_HOURS", 24)
# A PDF of more body rows is written in parts (a zip of PDFs): WeasyPrint holds a whole
# document's layout in memory, about 1 MB a page.
XUEFEN_EXPORT_PDF_PART_ROWS = env_int("XUEFEN_EXPORT_PDF_PART_ROWS", 2000)
XUEFEN_EXPORT_DIR = Path(os.environ.get("XUEFEN_EXPORT_DIR", VAR_DIR / "exports"))
# Activity sign-in: seconds a QR code is shown (15-30), minutes before the start it opens,
# seconds a code scanned before logging in stays good while the teacher logs in.
XUEFEN_SIGNIN_ROTATION = env_int("XUEFEN_SIGNIN_ROTATION", 20)
XUEFEN_SIGNIN_EARLY_MINUTES = env_int("XUEFEN_SIGNIN_EARLY_MINUTES", 30)
XUEFEN_SIGNIN_LOGIN_GRACE = env_int("XUEFEN_SIGNIN_LOGIN_GRACE", 300)

# Evidence files larger than this are refused by records.services.evidence_add.
XUEFEN_EVIDENCE_MAX_BYTES = env_int("XUEFEN_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # axes announces itself at every start (each management command); failures are warnings.
    "loggers": {
        "axes.apps": {"level": "WARNING"},
        # WeasyPrint reports every layout step and fontTools every subset at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Background jobs (results recomputation; imports and exports later): the queue is a table,
# run by `python manage.py db_worker` (scripts/run.sh starts it beside the web server).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("XUEFEN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
