"""Settings shared by every environment. Values come from the environment (12-factor)."""

import os
from importlib.metadata import entry_points
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from ponton.config.db import pool_reset

BASE_DIR = Path(__file__).resolve().parents[4]
DATA_DIR = Path(os.environ.get("PONTON_DATA_DIR", BASE_DIR / ".data"))

SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "*").split(",") if h]

PLATFORM_DOMAIN = os.environ.get("PLATFORM_DOMAIN", "localhost")
PLATFORM_NAME = "Ponton"


def _module_apps() -> list[str]:
    """Django apps of the optional modules, found through the `ponton.modules` entry points."""
    found = sorted(entry_points(group="ponton.modules"), key=lambda ep: ep.name)
    return [ep.value for ep in found]


MODULE_APPS = _module_apps()

SHARED_APPS = [
    "tenants",  # before django_tenants: its `migrate` command (which also builds the template) wins
    "django_tenants",
    "ponton.accounts",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_htmx",
    "channels",
    "ponton.plugins",
    "ponton.web",
]

TENANT_APPS = [
    "django.contrib.contenttypes",
    "realtime",
    "ponton.customers",
    "ponton.catalogue",
    "ponton.planning",
    "ponton.sales",
    "ponton.billing",
    "ponton.payments",
    "ponton.ledger",
    "ponton.selling",
    "ponton.shop",
    "ponton.compta",
    "ponton.stats",
    *MODULE_APPS,
]

INSTALLED_APPS = ["daphne"] + SHARED_APPS + [a for a in TENANT_APPS if a not in SHARED_APPS]

TENANT_MODEL = "tenants.Structure"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_BASE_SCHEMA = "ponton_template"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "ponton.config.urls_public"
ROOT_URLCONF = "ponton.config.urls_tenant"
DEFAULT_NOT_FOUND_TENANT_VIEW = "ponton.web.views.unknown_host"

MIDDLEWARE = [
    "ponton.config.middleware.DatabaseBusyMiddleware",
    "ponton.config.middleware.StructureMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A full disk met by a page without a form to say it on: a French page (web/errors.py).
    "ponton.web.errors.DiskFullMiddleware",
    # A NUL character or non-Unicode text in a query parameter: a French 400 (web/text_guard.py).
    "ponton.web.text_guard.QueryStringGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ponton.config.middleware.SuspendedStructureMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",  # LANGUAGE_CODE for <html lang>
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ponton.web.context_processors.ponton",
            ],
        },
    }
]

WSGI_APPLICATION = None
ASGI_APPLICATION = "ponton.config.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ponton"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
        engine="django_tenants.postgresql_backend",
    )
}
# A pool of connections per process (psycopg_pool, docs/adr/0010): under ASGI each request runs
# on its own thread, so without a pool every concurrent request opens its own connection, past
# the database's max_connections under load. DB_POOL_MAX_SIZE bounds them (the embedded default
# sets 20, dev.py); a request that waits DB_POOL_TIMEOUT seconds for one gets a 503 with
# Retry-After (DatabaseBusyMiddleware). Each connection given back has its search_path reset.
DB_POOL_TIMEOUT = float(os.environ.get("DB_POOL_TIMEOUT", "10"))


def database_pool(max_size: int) -> dict:
    return {
        "min_size": 1,
        "max_size": max_size,
        "timeout": DB_POOL_TIMEOUT,
        "reset": pool_reset,
    }


if int(os.environ.get("DB_POOL_MAX_SIZE", "0") or 0) > 0:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = database_pool(
        int(os.environ["DB_POOL_MAX_SIZE"])
    )
# django-tenants sets the search_path once per connection and schema, not before every query.
TENANT_LIMIT_SET_CALLS = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
CSRF_FAILURE_VIEW = "ponton.web.errors.csrf_failure"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "platform" / "ponton" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
# The uploads' disk (PONTON_MEDIA_ROOT: a volume of its own in production, a tmpfs in a test).
MEDIA_ROOT = Path(os.environ.get("PONTON_MEDIA_ROOT") or DATA_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "ponton.web.storage.MediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

SESSION_ENGINE = "django.contrib.sessions.backends.db"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ponton",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Celery: a Redis broker when REDIS_URL is set, else tasks run in-process (embedded default).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# A worker killed mid-task (ADR 0027): the tasks whose effect must happen once are acknowledged
# after they ran (`ponton.config.celery.ONCE_OPTIONS`), so their message stays with Redis, which
# hands it to a worker again once it has been unacknowledged for TASK_VISIBILITY_TIMEOUT seconds
# (kombu's default, one hour, is not "runs again"). Keep it above the longest task and the
# longest countdown a task waits for: such a message is handed again meanwhile (the guarded
# tasks do nothing twice; long SMS waits are left to beat). Workers look for such messages
# when they start and about every minute (6 s × kombu's throttle of 10).
TASK_VISIBILITY_TIMEOUT = int(os.environ.get("TASK_VISIBILITY_TIMEOUT", "600"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": TASK_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 6,
}
# Beat (production): expired online basket holds are given back every minute (issue 12).
CELERY_BEAT_SCHEDULE = {
    "release-expired-holds": {
        "task": "ponton.selling.tasks.release_expired_holds_task",
        "schedule": 60.0,
    },
    # PO-7: the till's monthly and yearly archives, once a period is over (a module task that
    # skips structures without the till).
    "till-archives": {"task": "modules.pos.tasks.till_archives_task", "schedule": 6 * 3600.0},
    # FF-1: licences whose task was lost or whose worker died mid-call are asked again.
    # The keys of the emails sent (ADR 0027) are kept 30 days.
    "email-deliveries-purge": {
        "task": "ponton.web.tasks.email_deliveries_purge_task",
        "schedule": 24 * 3600.0,
    },
    "ffvoile-licences-due": {
        "task": "modules.ffvoile.tasks.licences_due_task",
        "schedule": 600.0,
    },
}

# PL-1: "Ajouter des dates" making more sessions than this runs as a background job with a
# progress page; the job inserts them in chunks of PLANNING_GENERATION_CHUNK (one transaction each).
PLANNING_BACKGROUND_THRESHOLD = int(os.environ.get("PLANNING_BACKGROUND_THRESHOLD", "300"))
PLANNING_GENERATION_CHUNK = 200

# Email: SMTP when EMAIL_HOST is set; else the console plus the local outbox page.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "ponton.web.mail.OutboxBackend"
)
# Seconds the SMTP connection may hang: a send holds its key's transaction open (ADR 0027).
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Ponton <ne-pas-repondre@ponton.test>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ponton.accounts.api_permissions.MemberTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ponton.accounts.api_permissions.IsStructureStaff"],
    "DEFAULT_SCHEMA_CLASS": "ponton.web.api_schema.ApiAutoSchema",
    # The API takes JSON only (docs/api.md; another type: 415); bodies whose text cannot be
    # stored (NUL, lone surrogates) are refused with a 400.
    "DEFAULT_PARSER_CLASSES": ["ponton.web.text_guard.TextSafeJSONParser"],
    "DEFAULT_THROTTLE_RATES": {"login": "10/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API Ponton",
    "DESCRIPTION": "API d'une structure : mêmes services que le Club Manager.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Two choice sets share the field name "kind": name them (no warning, stable names).
    "ENUM_NAME_OVERRIDES": {
        "ProductKindEnum": "ponton.catalogue.models.Product.Kind",
        "PromotionKindEnum": "ponton.catalogue.models.Promotion.Kind",
        "ProductStatusEnum": "ponton.catalogue.models.Product.Status",
        "OrderStatusEnum": "ponton.sales.models.Order.Status",
        "DocumentKindEnum": "ponton.billing.models.Document.Kind",
        "PaymentKindEnum": "ponton.billing.models.Payment.Kind",
    },
}

# Stripe: where its API and Stripe.js are (tests and servers started by them point these at
# localstripe on loopback); each structure enters its own keys in Paramètres.
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "https://api.stripe.com")
STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")

# FF-1: the federation's licence web service (docs/adr/0021). Empty: not configured (make run
# starts the emulator and sets it); its timeouts in seconds; the first retry's delay, doubled at
# each retry (at most one hour).
FFVOILE_BASE_URL = os.environ.get("FFVOILE_BASE_URL", "")
FFVOILE_CONNECT_TIMEOUT = float(os.environ.get("FFVOILE_CONNECT_TIMEOUT", "5"))
FFVOILE_READ_TIMEOUT = float(os.environ.get("FFVOILE_READ_TIMEOUT", "10"))
FFVOILE_RETRY_BASE_SECONDS = int(os.environ.get("FFVOILE_RETRY_BASE_SECONDS", "30"))

# Content-Security-Policy (django-csp), in every environment so the browser tests run under it.
# Scripts: our static files, or inline <script nonce="{{ request.csp_nonce }}">; no inline
# event handlers, no eval. Styles: our stylesheet and nonced <style> blocks; style ATTRIBUTES
# are still allowed (style-src-attr) until the templates' last style="" move into ponton.css.
# Websockets: the page's own host (ws: / wss:). Stripe.js is allowed on the payment page only,
# from wherever STRIPE_JS_URL points (ponton.payments.views.pay_page adds it).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF, "ws:", "wss:"],
        "frame-src": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Rate limits: (attempts, window in seconds).
RATELIMIT_LOGIN = (10, 300)
RATELIMIT_ACTIVATION_KEY = (5, 600)
# Forum messages per user: "count/seconds" (the benchmarks raise it to send 1,000 messages).
_forum_limit = os.environ.get("RATELIMIT_FORUM_MESSAGE", "20/60").split("/")
RATELIMIT_FORUM_MESSAGE = (int(_forum_limit[0]), int(_forum_limit[1]))

# Uploads accepted by forms.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PDF_BYTES = 10 * 1024 * 1024

SERVE_MEDIA = False
SHOW_OUTBOX = False
# The outbox backend also prints each email on the console (off while `make run` seeds the demo).
OUTBOX_ECHO = os.environ.get("OUTBOX_ECHO", "1") == "1"
# Click & Pay without Stripe keys: the clearly marked test gateway (embedded default,
# development, tests). Production turns it off (prod.py): no online payment until the
# structure enters its keys.
PAYMENTS_TEST_GATEWAY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"ponton": {"level": "INFO"}},
}
EXTRA_MODULE_PLUGINS: list[str] = []

# How absolute links in emails are built (scheme and ":port" of the public URLs).
PUBLIC_SCHEME = os.environ.get("PUBLIC_SCHEME", "http")
PUBLIC_PORT_SUFFIX = os.environ.get("PUBLIC_PORT_SUFFIX", ":8000")
