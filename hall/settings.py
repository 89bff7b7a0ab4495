"""Project settings, read from the environment (12-factor) with safe embedded defaults.

On a bare machine everything runs without servers: SQLite under ``var/``, Celery on kombu's
filesystem transport, a file-based cache. Set ``DATABASE_URL`` / ``CELERY_BROKER_URL`` /
``REDIS_URL`` to use PostgreSQL and Redis.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """An environment variable; set-but-empty counts as unset (docker compose passes "")."""
    value = os.environ.get(name, "").strip()
    return value or default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    return default if not value else value.lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var")))
DEBUG = env_bool("DEBUG", True)
# A development key is only acceptable while DEBUG is on; production must set SECRET_KEY.
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-dev-only-key-do-not-use-in-production"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "hall",
    "hall.catalog",
    "hall.queue",
    "approvals",
    "enterprises",
    "evaluations",
    "evaluations.workorders",
    "reports",
]

MIDDLEWARE = [
    "hall.middleware.ClientAddressMiddleware",  # first: REMOTE_ADDR = the real client (TRUSTED_PROXIES)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hall.middleware.RejectNulMiddleware",  # %00 in a path → 404, in a query or form → 400
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hall.urls"
WSGI_APPLICATION = "hall.wsgi.application"
ASGI_APPLICATION = "hall.asgi.application"

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
                "hall.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "staticfiles").mkdir(exist_ok=True)  # whitenoise warns when STATIC_ROOT is missing
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hall.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and beat share the file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # File-based so that the web server, worker and beat processes see the same entries.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- People, passwords, sessions (DOMAIN.md §8) ------------------------------------------------
AUTH_USER_MODEL = "hall.User"
AUTHENTICATION_BACKENDS = ["hall.auth.LockoutModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "hall.auth.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "hall.auth.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
]
# [local] lock an account after this many consecutive failed logins, for this many minutes.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 30)
# Idle sessions expire: the expiry is pushed back on every request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded application materials live outside static files and are served only through views
# that check permission (never by the web server directly).
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# --- Security (``manage.py check --deploy`` is clean with DEBUG=0) -------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks, comma-separated).
# Empty (the default): the socket address is the client, whatever the header says.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

# --- Django REST framework and the OpenAPI schema ----------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "hall.api_schema.HallAutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "hall.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Throttles read REMOTE_ADDR, which hall.middleware has already resolved behind TRUSTED_PROXIES.
    "NUM_PROXIES": 0,
    "EXCEPTION_HANDLER": "hall.api_errors.exception_handler",
}
# JSON bodies of the API: at most this many bytes and this many nested levels (else 400).
API_JSON_MAX_BYTES = env_int("API_JSON_MAX_BYTES", 1024 * 1024)
API_JSON_MAX_DEPTH = env_int("API_JSON_MAX_DEPTH", 32)
SPECTACULAR_SETTINGS = {
    "TITLE": "政务服务大厅管理系统 API",
    "DESCRIPTION": "Service hall management system: hall, applications, evaluations, reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a field called "status"; name each choice set explicitly so the schema
    # stays stable (and `check --deploy` stays free of drf-spectacular's W001).
    "ENUM_NAME_OVERRIDES": {
        "WindowStatusEnum": "hall.models.places.Window.Status",
        "MatterVersionStatusEnum": "hall.catalog.models.MatterVersion.Status",
        "TicketStatusEnum": "hall.queue.models.Ticket.Status",
        "AppointmentStatusEnum": "hall.queue.models.Appointment.Status",
        "ApplicationStatusEnum": "approvals.models.Status",
        "DeregistrationKindEnum": "enterprises.models.Deregistration.Kind",
        "WorkOrderKindEnum": "evaluations.workorders.models.Kind",
        "WorkOrderStatusEnum": "evaluations.workorders.models.Status",
        "WorkOrderSourceEnum": "evaluations.workorders.models.Source",
    },
}

# --- Celery ---------------------------------------------------------------------------------------
# Default: kombu's filesystem transport, so a bare machine still runs a real worker and beat.
# The host part only silences kombu's "No hostname was supplied" warning; the folders are below.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery" / "broker"
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        # kombu's exchange table; its default is ./control, relative to the working directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # With acks_late, a task whose worker died is redelivered once it has been unacknowledged
    # this long (Redis's default is an hour). It must exceed the longest task's run time, which
    # CELERY_TASK_TIME_LIMIT enforces below it (docs/production.md).
    # Workers look for expired unacknowledged tasks every CELERY_UNACKED_RESTORE_INTERVAL seconds
    # (kombu would otherwise scan only every tenth tick, i.e. every 100 s).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600),
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
        "unacked_restore_throttle": 1,
    }
# Hard limit of any task, kept below the visibility timeout so that a running task is never
# redelivered to a second worker while the first still works on it.
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 540)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 480)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or None
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
DJANGO_CELERY_BEAT_TZ_AWARE = True

# --- Hall-specific settings [local] -------------------------------------------------------------
# From this day of the year on, the daily check warns administrators if next year's official
# holiday schedule has not been loaded (the State Council publishes it each November).
CALENDAR_NEXT_YEAR_CHECK_FROM = (11, 1)

# --- Applications (办件) [local] — owned by the approvals app ----------------------------------
# SMS to applicants: "approvals.sms.RecordingBackend" only records the message (development);
# production names its gateway's backend class here.
SMS_BACKEND = env("SMS_BACKEND", "approvals.sms.RecordingBackend")
SMS_SIGNATURE = env("SMS_SIGNATURE", "【清源县政务服务中心】")
# Yellow card (黄牌) when remaining working days ≤ max(MIN_DAYS, promised limit / DIVISOR).
APPROVALS_WARNING_MIN_DAYS = env_int("APPROVALS_WARNING_MIN_DAYS", 1)
APPROVALS_WARNING_LIMIT_DIVISOR = env_int("APPROVALS_WARNING_LIMIT_DIVISOR", 3)
# Remind applicants this many working days before a 容缺 promise falls due.
APPROVALS_PROMISE_REMINDER_DAYS = env_int("APPROVALS_PROMISE_REMINDER_DAYS", 2)
# Art. 32: unanswered for this many working days after receipt → deemed accepted (视为受理).
APPROVALS_ANSWER_PERIOD_DAYS = env_int("APPROVALS_ANSWER_PERIOD_DAYS", 5)
# Public tracking (办件查询) attempts per client address.
APPROVALS_TRACK_RATE = env("APPROVALS_TRACK_RATE", "10/min")
# Sign-up, phone / ID look-ups and kiosk check-in, per client (hall.ratelimit): the same budget.
SENSITIVE_RATE = env("SENSITIVE_RATE", APPROVALS_TRACK_RATE)
# --- end of applications settings ---------------------------------------------------------------

# --- Work orders (诉求工单) [local] — owned by evaluations.workorders ------------------------------
# 差评转办: open a complaint work order for every 差评 (off by default).
WORKORDER_FROM_BAD_REVIEW = env_bool("WORKORDER_FROM_BAD_REVIEW", False)
# Client pushing replies back to the 12345 platform; the default only records them.
WORKORDER_HOTLINE_CLIENT = env("WORKORDER_HOTLINE_CLIENT", "evaluations.workorders.hotline.RecordingClient")
# --- end of work-order settings -----------------------------------------------------------------

# --- Evaluations (好差评) [local] — owned by the evaluations app ---------------------------------
# 差评 handling limits in working days: verification (核实, with the callback) and rectification (整改).
EVALUATIONS_VERIFY_DAYS = env_int("EVALUATIONS_VERIFY_DAYS", 1)
EVALUATIONS_RECTIFY_DAYS = env_int("EVALUATIONS_RECTIFY_DAYS", 15)
EVALUATIONS_APPEAL_DAYS = env_int("EVALUATIONS_APPEAL_DAYS", 3)
# A step is "即将到期" when this many working days or fewer remain (0 = on its last day).
EVALUATIONS_WARNING_DAYS = env_int("EVALUATIONS_WARNING_DAYS", 0)
# Evaluation links (QR codes, SMS) stay valid this many days.
EVALUATIONS_LINK_MAX_DAYS = env_int("EVALUATIONS_LINK_MAX_DAYS", 30)
# The window evaluator shows a finished service for this long, then records it as not evaluated.
EVALUATIONS_EVALUATOR_IDLE_SECONDS = env_int("EVALUATIONS_EVALUATOR_IDLE_SECONDS", 90)
# The provincial 好差评 platform pushes evaluations with this key (header X-Platform-Key); empty = off.
EVALUATIONS_PLATFORM_KEY = env("EVALUATIONS_PLATFORM_KEY", "")
# The public address put in front of evaluation links sent by SMS (短信评价链接).
EVALUATIONS_PUBLIC_URL = env("EVALUATIONS_PUBLIC_URL", "http://127.0.0.1:8000")
# --- end of evaluations settings ----------------------------------------------------------------

# --- Logging ------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Drop Django's own DEBUG console handler: "django" records reach the root handler once,
        # instead of twice (runserver's "Watching for file changes" line was printed double).
        "django": {"handlers": [], "level": "INFO"},
    },
}
