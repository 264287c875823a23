"""Accord settings: one module, a small set of environment switches.

Every switch is read from the environment (or a `.env` file beside manage.py); the
defaults give the embedded set-up that `make demo` runs: SQLite, a broker that needs no
server. README.md lists the switches.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # local state of the embedded set-up (git-ignored)
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"  # noqa: S105 - DEBUG only; production refuses to start without one

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_filters",
    "django_htmx",
    "csp",
    "axes",
    "simple_history",
    "import_export",
    "rules.apps.AutodiscoverRulesConfig",
    "django_celery_beat",
    "catalog",
    "sla",
    "feedback",
    "portal",
]

MIDDLEWARE = [
    "config.ops.request_id.RequestIdMiddleware",  # first: every log line of the request carries its id
    "config.ops.unavailable.DatabaseUnavailableMiddleware",  # database down: 503, not 500
    "django.middleware.security.SecurityMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires: turns a lockout into its page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'accord.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded set-up runs web, worker and scheduler on one file: WAL lets readers
    # and one writer work together, IMMEDIATE takes the write lock up front so two
    # writers wait for each other instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The list APIs' compiled statements run prepared (catalog/api/compiled.py asks psycopg to prepare
    # each; a threshold never reached by count prepares nothing else). None (Django's default: no
    # preparing) behind a pooler in transaction mode that cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        2**31 if env.bool("DATABASE_PREPARED_STATEMENTS", default=True) else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out sign-in before any other
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

# Anyone who can reach Accord may browse the catalogue (services, categories, business
# units and the agreements in force). Off: only signed-in users.
CATALOGUE_PUBLIC = env.bool("CATALOGUE_PUBLIC", default=True)

# Login throttling with lockout (django-axes), on the portal's and the admin's sign-in alike:
# AXES_FAILURE_LIMIT wrong passwords for one username from one address lock that pair out for
# AXES_COOLOFF_MINUTES (a 429 page); a success resets the count. Admins unlock in the admin
# (Axes → access attempts) or with `manage.py axes_reset_username USERNAME`. docs/security.md.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.security.login_lockout_response"  # 429, Retry-After, our page
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password"]

# --- Internationalisation: stored in UTC, shown in TIME_ZONE --------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- E-mail ---------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Accord <accord@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security (production defaults whenever DEBUG is off) -----------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp), on every response: scripts, styles, fonts and images only
# from Accord itself, never inline (no <script> blocks, no on*= handlers, no style= attributes, no
# eval: htmx runs with allowEval off). Page data goes to static JS through `json_script`.
# docs/security.md has the rule; tests/test_security_headers.py holds every template to it.
# The admin and the API's own HTML pages (third-party templates) may also use inline styles, never
# inline scripts: config/security.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "catalog.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # ApiKeyScope first: a key without the scope is refused before anything else (docs/api.md).
    "DEFAULT_PERMISSION_CLASSES": [
        "catalog.api.permissions.ApiKeyScope",
        "catalog.api.permissions.CatalogueReadable",
    ],
    # Per key and per anonymous address, in the shared cache (CACHE_URL); rates: API_THROTTLE_RATES.
    "DEFAULT_THROTTLE_CLASSES": [
        "catalog.api.throttling.ApiKeyRateThrottle",
        "catalog.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_PAGINATION_CLASS": "catalog.api.pagination.PageNumberPagination",
    # JSON only, within a size, depth and number range: 413, 400 or 415 (catalog/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["catalog.api.parsers.JsonParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "catalog.api.schema.AccordAutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Requests per key, per anonymous address and per address to the webhooks, as DRF rates
# ("600/min", "20/s", "10000/h", "100000/d"); empty: no limit. docs/api.md: Throttling.
API_THROTTLE_RATES = {
    "key": env.str("API_THROTTLE_KEY_RATE", default="6000/min"),
    "anonymous": env.str("API_THROTTLE_ANONYMOUS_RATE", default="300/min"),
    "webhook": env.str("API_THROTTLE_WEBHOOK_RATE", default="6000/min"),
}
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "catalog.api.errors.AccordExceptionHandler",
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Accord API",
    "DESCRIPTION": "Service catalogue, agreements and SLA outcomes. "
    "Integrations authenticate with `Authorization: Bearer <key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AgreementStatusEnum": "catalog.models.AgreementStatus",
        "MeasureSourceEnum": "catalog.models.MeasureSource",
        "MeasurementSourceEnum": "sla.models.MeasurementSource",
        "TicketStateEnum": "sla.models.TicketState",
        "AlertStateEnum": "sla.models.AlertState",
        "CommitmentStatusEnum": "sla.commitments.STATUS_CHOICES",
        "MeasureStatusEnum": "sla.models.MeasureStatus",
        "FactorStatusEnum": "sla.scorecard.FACTOR_STATUS_CHOICES",
        "ForecastOutlookEnum": "sla.scorecard.OUTLOOK_CHOICES",
        "MaturityLevelEnum": "sla.scorecard.LEVEL_CHOICES",
        "SurveyInvitationKindEnum": "feedback.models.InvitationKind",
        "AlignmentRequestSourceEnum": "catalog.alignment.models.RequestSource",
        "AlignmentAnswerOutcomeEnum": "catalog.alignment.api.ANSWER_OUTCOME_CHOICES",
        "AlignmentRequestEventKindEnum": "catalog.alignment.models.RequestEventKind",
        "CommitmentOutcomeEnum": "sla.models.CommitmentOutcome",
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
    },
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
}

# --- Celery ---------------------------------------------------------------------------
# Default: kombu's filesystem transport, a broker that needs no server (make demo).
# Production: CELERY_BROKER_URL=redis://host:6379/0.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Broker down: a web request that publishes a task (after its data is committed) gives up within
# about a second instead of hanging; the message is logged as not queued and the periodic passes
# catch up from the database (docs/deploy.md → Faults).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# A worker lost mid-task (killed, machine gone): its message goes back to the queue, and another
# worker runs the task again (every task is safe to run twice).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # An unacknowledged message of a worker that vanished is delivered again after this long. It
    # must exceed the longest countdown a task is given (deliveries retry after at most an hour).
    # Workers look for such messages every CELERY_UNACKED_RESTORE_INTERVAL seconds, scanning
    # Redis on every CELERY_UNACKED_RESTORE_THROTTLE-th look (kombu's defaults: 10 and 10).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3900),
        "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
        "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
        "socket_connect_timeout": 2,
    }

# --- Cache ------------------------------------------------------------------------------
# Holds the public survey page's rate-limit counters. The default is per process: with several
# web processes, point CACHE_URL at a shared cache (redis://host:6379/1) so they count together.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Survey pages one address may open (django-ratelimit rate: "30/m", "300/h").
FEEDBACK_SURVEY_RATE = env.str("FEEDBACK_SURVEY_RATE", default="30/m")
# Fewer answers than this in a period: "not enough responses", never a score.
FEEDBACK_MIN_RESPONSES = env.int("FEEDBACK_MIN_RESPONSES", default=10)
# The calendar whose public holidays and closures move "the first business day" the monthly
# service reviews are prepared on (a calendar's slug; empty: the support calendar most services
# use). docs/reviews.md#the-monthly-preparation.
REVIEWS_CALENDAR = env.str("REVIEWS_CALENDAR", default="")
# Lost time (docs/feedback.md#lost-time): the loaded cost of one hour of a person's work, in the
# catalogue's currency (0: the cost of lost time is not shown), and the average hours lost per
# answer above which a service's lost time is "red" (the watermelon warning, docs/board.md).
LOST_TIME_HOURLY_COST = env.float("LOST_TIME_HOURLY_COST", default=60.0)
LOST_TIME_RED_HOURS = env.float("LOST_TIME_RED_HOURS", default=2.0)
# Happiness is "red" when a score with enough answers is below the service's agreed feedback
# measure's target, or without such a measure below these lines (CSAT %, NPS points, CES 1-7).
WATERMELON_RED_CSAT = env.float("WATERMELON_RED_CSAT", default=70.0)
WATERMELON_RED_NPS = env.float("WATERMELON_RED_NPS", default=0.0)
WATERMELON_RED_CES = env.float("WATERMELON_RED_CES", default=4.0)
# The window the board and the homes judge a service's experience over (days, up to now).
WATERMELON_WINDOW_DAYS = env.int("WATERMELON_WINDOW_DAYS", default=90)
if env.str("RATELIMIT_IP_META_KEY", default=""):  # behind a proxy: the header with the client's address
    RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY")

# --- Logging --------------------------------------------------------------------------
# LOG_FORMAT=json (the default with DEBUG off): one JSON object a line, each with the request id
# (X-Request-ID, honoured or generated, and sent back in the response). LOG_FORMAT=text: plain lines.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.ops.request_id.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # One line per request from RequestIdMiddleware; Django's own request logger would repeat it.
    "loggers": {"accord.request": {"level": env.str("ACCESS_LOG_LEVEL", default="INFO")}},
}

# --- Metrics (/metrics, Prometheus) ----------------------------------------------------
# Who may read /metrics: `Authorization: Bearer <METRICS_TOKEN>`, or a signed-in staff member.
# Without a token, also callers from METRICS_ALLOWED_NETWORKS (REMOTE_ADDR): loopback by default
# with DEBUG on only. In production the default is none: behind a proxy on the same machine every
# caller has the proxy's loopback address, so an address proves nothing (docs/deploy.md, Metrics).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"] if DEBUG else [])

# --- SLA engine -----------------------------------------------------------------------
# How many workers share a check pass when many clocks are due at once.
SLA_CHECK_PARALLELISM = env.int("SLA_CHECK_PARALLELISM", default=4)
# Clocks checked per transaction by the check pass; measures per task of the evaluation pass
# (the chunks are shared out over the workers).
SLA_CHECK_CHUNK = env.int("SLA_CHECK_CHUNK", default=200)
# Seconds a check task takes new chunks for, then hands the rest of the pass to another task:
# with the chunk under way it stays well inside the tasks' soft time limit (120 s) under load.
SLA_CHECK_TASK_BUDGET = env.int("SLA_CHECK_TASK_BUDGET", default=60)
SLA_EVALUATION_CHUNK = env.int("SLA_EVALUATION_CHUNK", default=200)
# POST /api/v1/ticket-events/ with a list of more events than this: checked, stored and answered
# 202 at once; the tickets are derived on a worker (docs/sla.md). Up to this many: derived in the
# request, answered 201/200 with the tickets.
SLA_TICKET_EVENTS_INLINE_MAX = env.int("SLA_TICKET_EVENTS_INLINE_MAX", default=100)

# --- Fault points (tests only) -----------------------------------------------------------
# "<point>#<n>": a worker stops the n-th time it reaches the named point (config/ops/faults.py)
# and waits there to be killed. Only with DEBUG on: a production process never stops.
FAULT_PAUSE_AT = env.str("ACCORD_FAULT_PAUSE_AT", default="") if DEBUG else ""
FAULT_DIR = env.str("ACCORD_FAULT_DIR", default="")
