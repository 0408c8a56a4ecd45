"""Settings for Portefeuille, configured from the environment with safe defaults for `make run`."""

import os
import urllib.parse
from pathlib import Path
from typing import Any

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("PORTEFEUILLE_VAR_DIR", BASE_DIR.parent / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Production refuses to start without a real secret key; `make run` and the tests set
# PORTEFEUILLE_DEV=1, which allows a fixed development key.
DEV = env_bool("PORTEFEUILLE_DEV", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEV:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment "
            "(or PORTEFEUILLE_DEV=1 for development)."
        )
    SECRET_KEY = "dev-only-insecure-key-portefeuille-never-use-in-production-0123456789"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEV else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "portefeuille.web",
    "portefeuille.firms",
    "portefeuille.contacts",
    "portefeuille.access",
    "portefeuille.audit",
    "portefeuille.notifications",
    "portefeuille.work",
    "portefeuille.sales",
    "portefeuille.inbox",
    "portefeuille.customfields",
    "portefeuille.exchange",
    "portefeuille.api",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "template_partials",
    "heroicons",
    "django_countries",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves the API docs page's Swagger UI files locally (no CDN)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF: a body over its limit is refused before anything reads it.
    "portefeuille.web.uploads.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portefeuille.web.middleware.ColleagueLanguageMiddleware",
    "portefeuille.firms.shared_cache.SignInNeedsCacheMiddleware",
    "portefeuille.api.middleware.ProblemDetailsMiddleware",
]

ROOT_URLCONF = "portefeuille.urls"
WSGI_APPLICATION = "portefeuille.wsgi.application"

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
                "portefeuille.web.context_processors.shell",
            ],
        },
    }
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portefeuille.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the task worker and the web process work on one file at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_from_url(url: str) -> dict[str, Any]:
    """The cache every process shares (docs/deployment.md, "Shared cache"): the database by
    default, Redis with `redis://…`, `rediss://…` or `unix://…`, process memory with `locmem://`.
    """
    scheme = urllib.parse.urlsplit(url).scheme if url else "db"
    if scheme == "db":
        # Sign-in limits and used one-time codes must not be evicted while they matter. They
        # expire within minutes: past the ceiling Django first removes expired entries, and
        # removes live ones only if more than a million are live at once (docs/deployment.md).
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": urllib.parse.urlsplit(url).netloc or "portefeuille_cache",
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    if scheme in {"redis", "rediss", "unix"}:
        # A cache that does not answer must fail a sign-in quickly, not hang it.
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    raise ImproperlyConfigured(
        # The scheme only: the rest of the address may hold a password.
        f"CACHE_URL must start with db://, redis://, rediss://, unix:// or locmem://, not {scheme}://."
    )


CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL", ""))}

AUTH_USER_MODEL = "firms.Colleague"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions carry their colleague, so ending access ends them (docs/security.md).
SESSION_ENGINE = "portefeuille.firms.sessions"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# allauth: e-mail sign-in, no public sign-up (admins invite colleagues).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "portefeuille.firms.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("LOGIN_RATE_LIMIT", "10/m/ip,5/5m/key"),
}
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Portefeuille"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "portefeuille_language"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
if DEV:
    # WhiteNoise warns on every start when the folder is missing (collectstatic fills it).
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not DEV
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    # S3-compatible object storage for documents (needs boto3). django-storages reads Django
    # settings, not the environment, so they are passed on here; boto3 itself reads the
    # credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) from the environment.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "location": os.environ.get("AWS_LOCATION", ""),
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
WHITENOISE_USE_FINDERS = DEV

_email_url = os.environ.get("EMAIL_URL", "console://")
_email = dj_email_url.parse(_email_url)
if _email_url.startswith("file://"):
    # dj-email-url drops the leading "/" of file:///var/mail; keep the path as written.
    _email["EMAIL_FILE_PATH"] = urllib.parse.urlsplit(_email_url).path
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
if _email.get("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Portefeuille <noreply@localhost>")
# The public address of the site, for links in e-mails sent by task workers (no request).
BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The shared inbox (docs/inbox.md, docs/deployment.md): the IMAP mailbox `fetch-inbox` reads
# into the firm INBOX_FIRM_ID, and the address replies ask clients to answer to.
INBOX_IMAP_HOST = os.environ.get("INBOX_IMAP_HOST", "")
INBOX_IMAP_PORT = int(os.environ["INBOX_IMAP_PORT"]) if os.environ.get("INBOX_IMAP_PORT") else None
INBOX_IMAP_USER = os.environ.get("INBOX_IMAP_USER", "")
INBOX_IMAP_PASSWORD = os.environ.get("INBOX_IMAP_PASSWORD", "")
INBOX_IMAP_SECURITY = os.environ.get("INBOX_IMAP_SECURITY", "ssl")  # ssl, starttls or plain
INBOX_IMAP_FOLDER = os.environ.get("INBOX_IMAP_FOLDER", "INBOX")
INBOX_IMAP_TIMEOUT = float(os.environ.get("INBOX_IMAP_TIMEOUT", "30"))
INBOX_FIRM_ID = int(os.environ["INBOX_FIRM_ID"]) if os.environ.get("INBOX_FIRM_ID") else None
INBOX_ADDRESS = os.environ.get("INBOX_ADDRESS", "")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEV:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds the whole domain for months: the operator opts in, not us.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Uploads, bounded before they cost anything (docs/uploads.md). Largest document (or .eml) a
# colleague may upload, in bytes; match the proxy's body limit.
DOCUMENT_MAX_UPLOAD_BYTES = int(os.environ.get("DOCUMENT_MAX_UPLOAD_BYTES", str(25 * 1024 * 1024)))
# A zip-based document (DOCX, XLSX, ODT...) is judged by what its central directory declares.
# An import of contacts (docs/imports.md): the largest file accepted.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
DOCUMENT_MAX_ARCHIVE_ENTRIES = int(os.environ.get("DOCUMENT_MAX_ARCHIVE_ENTRIES", "5000"))
DOCUMENT_MAX_UNPACKED_BYTES = int(
    os.environ.get("DOCUMENT_MAX_UNPACKED_BYTES", str(256 * 1024 * 1024))
)
DOCUMENT_MAX_COMPRESSION_RATIO = int(os.environ.get("DOCUMENT_MAX_COMPRESSION_RATIO", "200"))
# Largest body that is not an upload (JSON, a form); Django's default, 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("REQUEST_MAX_BODY_BYTES", str(2_621_440)))
FILE_UPLOAD_HANDLERS = [
    "portefeuille.web.uploads.LimitedUploadHandler",  # first: stops a body past the limit
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
