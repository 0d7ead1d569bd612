"""Settings, all read from the environment (documented in README.md, "Configuration").

The embedded default (no variable set) is a development site on SQLite with
live checks run in a background thread. Production sets DJANGO_DEBUG=0, which
makes DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS mandatory (fail fast rather
than run with a guessable key).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KB_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from exc


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "kb",
    "diagnostics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kb.middleware.Language",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kb.middleware.FriendlyNotFound",
    "kb.middleware.IndexUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
APPEND_SLASH = True

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
                "kb.context.site",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

if not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded SQLite default lives here
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The interface speaks English and Korean: chosen by ?lang= (links), then the
# language cookie (the switcher), then Accept-Language. URLs never change.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "kb_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)

# --- The knowledge base -----------------------------------------------------
KB_CONTENT_DIR = Path(os.environ.get("KB_CONTENT_DIR", BASE_DIR / "content"))
KB_INDEX_PATH = Path(os.environ.get("KB_INDEX_PATH", VAR_DIR / "kb-index.sqlite3"))
KB_SITE_NAME = os.environ.get("KB_SITE_NAME", "Celery Troubleshooting KB")
# Absolute base of links people copy into wikis and chats (`https://kb.example.com`);
# empty: the address the request came in on.
KB_SITE_URL = os.environ.get("KB_SITE_URL", "").strip().rstrip("/")

# --- Diagnostics --------------------------------------------------------------
KB_PASTE_MAX_BYTES = env_int("KB_PASTE_MAX_BYTES", 1024 * 1024)
KB_REPORT_RETENTION_DAYS = env_int("KB_REPORT_RETENTION_DAYS", 30)
# Django refuses bodies over this with an HTML 400; we check Content-Length
# ourselves first and answer 413 in JSON, so keep Django's limit above ours.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(KB_PASTE_MAX_BYTES * 8, 10 * 1024 * 1024)

# Requests a minute per client address on the POST APIs (0: no limit).
KB_RATE_LIMITS = {
    "diagnose": env_int("KB_RATE_LIMIT_DIAGNOSE", 60),
    "checks": env_int("KB_RATE_LIMIT_CHECKS", 10),
    "feedback": env_int("KB_RATE_LIMIT_FEEDBACK", 10),
}
KB_TRUST_X_FORWARDED_FOR = env_bool("KB_TRUST_X_FORWARDED_FOR", False)

# --- Live checks ----------------------------------------------------------------
KB_BROKER_ALLOWED_HOSTS = env_list("KB_BROKER_ALLOWED_HOSTS", "127.0.0.0/8,::1,localhost")
KB_CHECK_TIMEOUT = float(os.environ.get("KB_CHECK_TIMEOUT", "15"))
KB_CHECK_RETENTION_DAYS = env_int("KB_CHECK_RETENTION_DAYS", KB_REPORT_RETENTION_DAYS)

# Celery: only used for live checks; without a broker URL runs happen in a
# background thread of the web process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("KB_CELERY_QUEUE", "kb-checks")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "diagnostics.redact.RedactingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("KB_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
