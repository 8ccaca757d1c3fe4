"""TWP settings: from the environment only, through typed helpers that fail fast.

Every variable is listed in README.md. With ``DEBUG`` off, a missing ``SECRET_KEY`` or
``ALLOWED_HOSTS`` is a start-up error, never a silent fallback. With ``DATABASE_URL`` /
``REDIS_URL`` unset, the project's embedded PostgreSQL and Redis are used (twp/embedded.py).
"""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# `make` writes a git-ignored .env for development (DEBUG on, a random SECRET_KEY); real
# deployments set real environment variables, which always win over the file.
ENV_FILE = Path(os.environ.get("ENV_FILE", BASE_DIR / ".env"))
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE)


def required(name: str, *, when: bool, value):
    """Fail fast when a setting that production needs is missing."""
    if when and not value:
        raise ImproperlyConfigured(
            f"The environment variable {name} is required when DEBUG is off (see README.md)."
        )
    return value


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = required("SECRET_KEY", when=not DEBUG, value=env.str("SECRET_KEY", default=""))
if DEBUG and not SECRET_KEY:
    # Only in DEBUG: a throwaway key, different on every start, so nothing can rely on it.
    SECRET_KEY = os.urandom(32).hex()
ALLOWED_HOSTS = required(
    "ALLOWED_HOSTS",
    when=not DEBUG,
    value=env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else []),
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "localflavor",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "twp",
    "workers",
    "certification",
    "employers",
    "contracts",
    "savings",
    "observatory",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Order matters: the absolute lifetime ends old sessions before anything reads the user, and
    # a session still waiting for its second factor reaches only the sign-in pages.
    "twp.middleware.SessionLifetimeMiddleware",
    "twp.middleware.SecondFactorRequiredMiddleware",
    "twp.middleware.LoginRequiredMiddleware",
    "twp.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the request into the answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "twp.urls"
WSGI_APPLICATION = "twp.wsgi.application"

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
                "twp.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# PostgreSQL everywhere, never SQLite: exclusion constraints, triggers and row locks are design.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    EMBEDDED_POSTGRES = False
else:
    from twp import embedded

    # Started on the first connection (twp/db), not here: see twp/db/base.py.
    DATABASES = {"default": embedded.postgres_info().django_settings()}
    EMBEDDED_POSTGRES = True
if DATABASES["default"]["ENGINE"] not in ("django.db.backends.postgresql", "twp.db"):
    raise ImproperlyConfigured("TWP runs on PostgreSQL only; DATABASE_URL must be postgres://…")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, Celery, cache --------------------------------------------------------------------
if env.str("REDIS_URL", default=""):
    REDIS_URL = env.str("REDIS_URL")
    CELERY_BROKER_URL = REDIS_URL
    CACHE_REDIS_URL = REDIS_URL
    EMBEDDED_REDIS = False
else:
    from twp import embedded

    _socket = embedded.redis()
    REDIS_URL = f"unix://{_socket}"
    # Over a socket Celery ignores ?db=N; virtual_host selects the database.
    CELERY_BROKER_URL = f"redis+socket://{_socket}?virtual_host=0"
    CACHE_REDIS_URL = f"unix://{_socket}?db=1"
    EMBEDDED_REDIS = True

CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="twp")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivery. A killed pool child's task is requeued at once (acks_late +
# task_reject_on_worker_lost). A worker that died outright (SIGKILL, lost machine) never rejects:
# its unacknowledged task goes back to the queue only ``visibility_timeout`` seconds after it was
# taken, when a worker's periodic restore sweep (every ``unacked_restore_interval`` ×
# ``unacked_restore_throttle`` seconds, and at each worker's start) sees it. One hour, longer
# than any task of ours runs: a task still running past it would be handed to a second worker
# (harmless for our jobs, which are safe twice, but wasteful). The nightly jobs do not depend on
# it: the next beat run sweeps the database again. Tests lower all three (tests/contracts/test_jobs_celery.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / ".local" / "celerybeat-schedule")
# Exactly one beat runs these; every job is a sweep over the database, safe to run twice.
CELERY_BEAT_SCHEDULE = {
    "dispatch-notifications": {
        "task": "twp.tasks.dispatch_notifications_task",
        "schedule": 60.0,
    },
    # Absence deadlines are whole days in each program's time zone. Daily at 11:00 UTC (Celery's
    # clock): past midnight in every time zone of the Americas, before the consulates open.
    "absence-deadlines": {
        "task": "contracts.tasks.absence_deadlines_task",
        "schedule": crontab(hour=11, minute=0),
    },
    # The nightly jobs of contracts (contracts.jobs), at the same kind of hour: first the expiry
    # (it opens the expected returns), then the reminders, then the document alerts. Each judges
    # by today in each program's time zone and catches up a day it missed.
    "expire-contracts": {
        "task": "contracts.tasks.expire_contracts_task",
        "schedule": crontab(hour=10, minute=30),
    },
    "return-reminders": {
        "task": "contracts.tasks.send_return_reminders_task",
        "schedule": crontab(hour=10, minute=45),
    },
    "document-expiry-alerts": {
        "task": "contracts.tasks.document_expiry_alerts_task",
        "schedule": crontab(hour=11, minute=15),
    },
    # The savings ledger proves it adds up (savings.reconciliation): read-only, one snapshot, a
    # few seconds of SQL at 10,000,000 entries; before the jobs above, while the offices are closed.
    "reconcile-savings": {
        "task": "savings.tasks.reconcile_savings_task",
        "schedule": crontab(hour=8, minute=30),
    },
    # Payout reservations past their deadline give the money back (savings.payouts); then the
    # reminders of unclaimed savings (savings.unclaimed), after the return reminders.
    "expire-payouts": {
        "task": "savings.tasks.expire_payouts_task",
        "schedule": crontab(hour=10, minute=15),
    },
    "unclaimed-savings-reminders": {
        "task": "savings.tasks.remind_unclaimed_savings_task",
        "schedule": crontab(hour=11, minute=30),
    },
    # The Observatory's precomputed facts (observatory.facts): what its dashboards and public
    # tables read; each page says when they were computed.
    "refresh-observatory-facts": {
        "task": "observatory.tasks.refresh_facts_task",
        "schedule": env.int("OBSERVATORY_REFRESH_MINUTES", default=60) * 60.0,
    },
    "purge-export-jobs": {
        "task": "twp.tasks.purge_export_jobs_task",
        "schedule": crontab(hour=9, minute=5),
    },
    "purge-idempotency-records": {
        "task": "twp.tasks.purge_idempotency_records_task",
        "schedule": crontab(hour=9, minute=0),
    },
}
# Rows per transaction of the nightly jobs (contracts.jobs): their queries grow with batches,
# never with rows, and they hold one batch in memory.
JOB_BATCH_SIZE = env.int("JOB_BATCH_SIZE", default=500)
# Database connections the savings reconciliation reads the ledger on at once (one snapshot,
# savings.reconciliation): one per core the database server can spare at night.
SAVINGS_RECONCILIATION_CONNECTIONS = env.int("SAVINGS_RECONCILIATION_CONNECTIONS", default=2)
# How long the public Observatory's tables are kept before they are computed again (seconds).
OBSERVATORY_CACHE_SECONDS = env.int("OBSERVATORY_CACHE_SECONDS", default=3600)

# Idempotency-Key answers (twp.idempotency): kept this many days; a second request with a key
# still being processed waits this long for the first before it answers 409.
IDEMPOTENCY_KEEP_DAYS = env.int("IDEMPOTENCY_KEEP_DAYS", default=7)
IDEMPOTENCY_WAIT_SECONDS = env.float("IDEMPOTENCY_WAIT_SECONDS", default=10.0)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="twp"),
    }
}

# --- E-mail ---------------------------------------------------------------------------------
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / ".local" / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="TWP <no-reply@twp.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- SMS (twp.messaging) ------------------------------------------------------------------------
# The console backend writes messages to the worker's output; a provider is plugged in by naming
# its adapter (twp.messaging.HttpSmsBackend, or a subclass) with its URL, token and sender id.
SMS_BACKEND = env.str("SMS_BACKEND", default="twp.messaging.ConsoleSmsBackend")
# Numbers written without "+" are read as numbers of this country (ISO 3166 code).
SMS_DEFAULT_REGION = env.str("SMS_DEFAULT_REGION", default="MX")
SMS_HTTP_URL = env.str("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env.str("SMS_HTTP_TOKEN", default="")
SMS_SENDER = env.str("SMS_SENDER", default="")
SMS_HTTP_TIMEOUT = env.int("SMS_HTTP_TIMEOUT", default=10)

# --- Users ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "twp.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_HOURS", default=2) * 3600
# Employer sign-up e-mail verification links (twp.verification) stay valid this long.
EMAIL_VERIFICATION_MAX_AGE = env.int("EMAIL_VERIFICATION_HOURS", default=72) * 3600

# Second factor: TOTP codes (django-otp), required for administrators and office staff.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="TWP")

# Sessions end after SESSION_IDLE_MINUTES without a request (twp.middleware moves the expiry at
# most once a minute, so a page view does not cost a session write) and, whatever the activity,
# SESSION_MAX_HOURS after signing in.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_RENEW_AFTER_SECONDS = 60
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_MAX_HOURS", default=12) * 3600

# How many reverse proxies in front of the app append to X-Forwarded-For. 0 (the default): the
# header is ignored and the client is REMOTE_ADDR, so a forged header changes nothing. With N
# proxies, the N-th address from the right is the client (twp.security.client_ip_address).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Lockout (django-axes): the tenth wrong password in a row locks the username (the eleventh and
# every later attempt, right password included, get 429 until AXES_COOLOFF_MINUTES pass),
# whatever address it comes from, so changing X-Forwarded-For neither escapes nor spreads it.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_LOCK_OUT_AT_FAILURE = True
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_COOLOFF_TIME = __import__("datetime").timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=60))
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "twp.security.client_ip_address"
AXES_LOCKOUT_CALLABLE = "twp.security.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
AXES_SENSITIVE_PARAMETERS = ["password", "otp", "otp_token"]
# axes.W006 asks to lock addresses too. We do not on purpose: offices sign in from behind shared
# NAT addresses, so one mistyping colleague would lock a whole consulate out; per-username
# lockout plus DRF's per-address throttle of anonymous clients covers guessing.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="America/Mexico_City")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / ".local" / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# In development (and the tests, which load these settings with DEBUG on) whitenoise serves files
# straight from the apps; production serves the hashed, compressed copies collectstatic made.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / ".local" / "media")))
# A filtered list up to this many rows downloads at once; a longer one is written by a Celery task
# (twp.export_jobs) and downloaded from its job page.
EXPORT_SYNC_LIMIT = env.int("EXPORT_SYNC_LIMIT", default=5000)
# Export jobs and their files (twp.export_jobs) are deleted this many days after they were asked for.
EXPORT_KEEP_DAYS = env.int("EXPORT_KEEP_DAYS", default=7)

# --- REST -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "twp.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "twp.api.pagination.CursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "twp.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Anonymous clients by address, signed-in clients and tokens by user; counters live in Redis.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
    },
    # DRF would otherwise take the whole X-Forwarded-For header as the client's identity.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
REST_KNOX = {
    "TOKEN_TTL": __import__("datetime").timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=10)),
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TWP — Temporary Worker Program API",
    "DESCRIPTION": "REST interface for offices, employers and integration clients.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Shared choice sets get one enum each in the document.
    "ENUM_NAME_OVERRIDES": {
        "CountryEnum": "twp.models.Program.Country",
        "MexicanStateEnum": "twp.regions.MEXICAN_STATES",
        "DestinationRegionEnum": "twp.regions.DESTINATION_REGIONS",
        "WorkerStatusEnum": "workers.models.WorkerStatus",
        "TerminationReasonEnum": "contracts.models.TerminationReason",
        "EvaluationDirectionEnum": "contracts.models.Evaluation.Direction",
        "AbsenceStageEnum": "contracts.models.Absence.Stage",
        "ReturnPlaceEnum": "contracts.models.ExpectedReturn.Place",
        "IdentityDocumentEnum": "contracts.models.ExpectedReturn.IdentityDocument",
        "ReturnStateEnum": "contracts.models.ReturnState",
        "CertificateStatusEnum": "certification.models.CertificateStatus",
        "VerificationStatusEnum": "certification.services.VERIFICATION_STATUSES",
        "EmployerStatusEnum": "employers.models.Employer.Status",
        "ImportJobStatusEnum": "twp.models.ImportJob.Status",
        "SavingsAccountKindEnum": "savings.models.Account.Kind",
        "LedgerTransactionKindEnum": "savings.models.LedgerTransaction.Kind",
        "LedgerSourceEnum": "savings.models.Source",
        "ContributionStatusEnum": "savings.models.Contribution.Status",
        "PayoutMethodEnum": "savings.models.Payout.Method",
        "PayoutStatusEnum": "savings.models.Payout.Status",
        "HeldReleaseReasonEnum": "savings.models.HeldRelease.Reason",
    },
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "twp.api.schema.add_error_responses",
    ],
}

# --- Audit trail ----------------------------------------------------------------------------
PGHISTORY_DEFAULT_TRACKERS = None  # each model names its trackers through twp.audit.track

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Scripts and styles only from our own files: no inline script, no eval, no CDN. The API docs
# use drf-spectacular's split Swagger view, whose start-up script is a file too.
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
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # CURP, NSS and passport numbers are masked in every record before any handler writes it.
    "filters": {"personal_data": {"()": "twp.security.PersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["personal_data"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes logs every start and every successful sign-in at INFO; lockouts stay visible (WARNING).
    "loggers": {"axes": {"level": env.str("AXES_LOG_LEVEL", default="WARNING")}},
}
