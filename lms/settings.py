"""Koza settings: one module, configured by environment variables.

With no environment at all Koza runs as a self-contained demo: SQLite, Celery
tasks executed in-process, a local-memory cache and emails printed to the
console. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY and friends (see
.env.example and the README's configuration table).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnError
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item]


DEBUG = envbool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set SECRET_KEY (or DEBUG=1 for local development; `make run` does)."
        )
    SECRET_KEY = "django-insecure-koza-development-only"  # noqa: S105

SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", SITE_URL)

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
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "lms",
    "accounts",
    "courses",
    "quizzes",  # migration history only: see quizzes/__init__.py
    "quizzes.homework",
    "quizzes.surveys",
    "competitions",
    "completion",
    "archives",
    "notifications",
    "discussions",
    "demo",  # seed commands: imports every app, so it comes last
]

GOOGLE_CLIENT_ID = os.environ.get("GOOGLE_CLIENT_ID", "")
GOOGLE_CLIENT_SECRET = os.environ.get("GOOGLE_CLIENT_SECRET", "")
if GOOGLE_CLIENT_ID:
    INSTALLED_APPS.append("allauth.socialaccount.providers.google")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lms.middleware.RejectNulBytesMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "lms.auth.CachedAuthenticationMiddleware",
    "lms.middleware.PrivateNoStoreMiddleware",
    "lms.middleware.UserLanguageMiddleware",
    "lms.middleware.ViewerTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "lms.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "courses.middleware.StaffMfaRequiredMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "courses.context_processors.staff_area",
                "notifications.context_processors.bell",
            ],
            "builtins": ["django.templatetags.i18n", "lms.templatetags.koza"],
        },
    },
]

# Database: SQLite unless DATABASE_URL says otherwise. On PostgreSQL Django's
# own psycopg 3 connection pool replaces persistent connections.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;",
            },
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if envbool("DATABASE_POOL", True):
        from lms.db import check_pooled_connection

        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": envint("DATABASE_POOL_MIN", 2),
            "max_size": envint("DATABASE_POOL_MAX", 10),
            "timeout": 10,
            # Each connection is checked as it is handed out, so one that
            # PostgreSQL closed is replaced instead of failing a request.
            "check": check_pooled_connection,
        }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Seconds /healthz waits for a pooled database connection before it says so.
HEALTHZ_DATABASE_TIMEOUT = float(os.environ.get("HEALTHZ_DATABASE_TIMEOUT", "2"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Cache, sessions and Celery: Redis when REDIS_URL is set, otherwise
# in-process so the demo needs no services.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Redis may stop or freeze; Koza keeps serving from the database meanwhile
# (lms/cache.py). Every Redis socket gives up after REDIS_TIMEOUT seconds, and
# after an error a process leaves Redis alone for REDIS_BREAKER_SECONDS.
REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "0.5"))
REDIS_BREAKER_SECONDS = float(os.environ.get("REDIS_BREAKER_SECONDS", "5"))
# Parallel test workers (pytest-xdist sets PYTEST_XDIST_WORKER, and the Celery
# workers and servers a test starts inherit it) share one Redis database; each
# keeps its keys apart, since every test starts by clearing its own.
CACHE_KEY_PREFIX = "koza" + (
    f"-{os.environ['PYTEST_XDIST_WORKER']}"
    if os.environ.get("PYTEST_XDIST_WORKER")
    else ""
)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "lms.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
                # One more try on a fresh connection when a pooled one turns
                # out dead (Redis restarted); never again on a timeout.
                "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnError,)),
                "breaker_seconds": REDIS_BREAKER_SECONDS,
            },
        }
    }
    # Sessions live in the database with a short-lived copy in Redis, so a
    # Redis restart or outage logs nobody out (lms/sessions.py).
    SESSION_ENGINE = "lms.sessions"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_PREFIX": "koza",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Argon2id first (lms/hashers.py); PBKDF2 hashes still verify and are
# re-hashed with Argon2id at the learner's next login.
PASSWORD_HASHERS = [
    "lms.hashers.OwaspArgon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
SESSION_COOKIE_AGE = 60 * 60 * 24 * 60  # learners stay logged in for the term
# ...unless they stay away this long (lms.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_TIMEOUT = envint("SESSION_IDLE_TIMEOUT", 60 * 60 * 24 * 14)

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "koza")
# Heavy jobs (copy detection, competition scoring) go to a queue of their own,
# served by a worker of their own (docker-compose `worker-heavy`), so a long
# run never holds up grading, emails and certification on the default queue.
HEAVY_QUEUE = os.environ.get("CELERY_HEAVY_QUEUE", "heavy")
HEAVY_TASKS = (
    "competitions.tasks.entry_score_task",
    "competitions.tasks.entry_score_chunk_task",
    "quizzes.survey_tasks.survey_detect_copies",
)
CELERY_TASK_ROUTES = {name: {"queue": HEAVY_QUEUE} for name in HEAVY_TASKS}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 360)
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": REDIS_TIMEOUT,
    "socket_connect_timeout": REDIS_TIMEOUT,
}
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
# A request that enqueues work after its commit tries the broker twice (a
# stale pooled connection gets a fresh one), then gives up and leaves the work
# to the periodic sweeps (lms/celery.py): a learner never waits on a dead broker.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}
# The one resume sweep (lms.jobs): a running job whose heartbeat is older than
# JOB_HEARTBEAT_TIMEOUT seconds (its worker died) is taken over, a queued job
# whose task has not started after JOB_QUEUED_TIMEOUT seconds is sent again; a
# job whose worker stopped on JOB_MAX_ATTEMPTS runs is marked failed.
CELERY_BEAT_SCHEDULE["jobs-resume"] = {
    "task": "lms.tasks.jobs_resume",
    "schedule": 60.0,
}
JOB_HEARTBEAT_TIMEOUT = envint("JOB_HEARTBEAT_TIMEOUT", 120)
JOB_QUEUED_TIMEOUT = envint("JOB_QUEUED_TIMEOUT", 300)
JOB_MAX_ATTEMPTS = envint("JOB_MAX_ATTEMPTS", 3)
CELERY_BEAT_SCHEDULE["competitions-sweep"] = {
    "task": "competitions.tasks.competition_sweep",
    "schedule": 60.0,
}
# Competitions: an entry left in "scoring" longer than this (a killed worker)
# is queued again; after this many attempts it is marked failed.
COMPETITION_SCORING_TIMEOUT = envint("COMPETITION_SCORING_TIMEOUT", 300)
COMPETITION_MAX_ATTEMPTS = envint("COMPETITION_MAX_ATTEMPTS", 3)
# A rejected file does not use one of the day's submissions, but it has its
# own daily limit, so refused uploads cannot be sent without end.
COMPETITION_REJECTED_PER_DAY = envint("COMPETITION_REJECTED_PER_DAY", 10)
# What one learner's prediction files of one competition may take on disk.
COMPETITION_STORAGE_PER_LEARNER_MB = envint("COMPETITION_STORAGE_PER_LEARNER_MB", 200)
# Test hook: seconds a worker sleeps before scoring, so a test can kill it
# mid-scoring. Always 0 in production.
COMPETITION_SCORING_DELAY = float(os.environ.get("COMPETITION_SCORING_DELAY", "0"))
# Grades each homework once its answers are revealed, and any homework left
# ungraded with no grading job (a regrade after a key change). A grading job
# whose worker died is the job sweep's (lms.tasks.jobs_resume).
CELERY_BEAT_SCHEDULE["homework-grade-due"] = {
    "task": "quizzes.homework_tasks.homework_grade_due",
    "schedule": 60.0,
}
# Submissions graded per SQL statement (and per progress step).
HOMEWORK_GRADE_CHUNK = envint("HOMEWORK_GRADE_CHUNK", 5000)
CELERY_BEAT_SCHEDULE["archives-sweep"] = {
    "task": "archives.tasks.archives_sweep",
    "schedule": 15 * 60,
}
# Starts copy detection for surveys past due whose summaries changed since
# the last check; a lost or stuck run is the job sweep's.
CELERY_BEAT_SCHEDULE["survey-copy-detection-after-due"] = {
    "task": "quizzes.survey_tasks.survey_detect_copies_due",
    "schedule": 15 * 60,
}
# Completion records recomputed nightly (certificates only where a
# certification was already recorded): see completion.tasks.
CELERY_BEAT_SCHEDULE["completion-nightly"] = {
    "task": "completion.tasks.certification_nightly",
    "schedule": crontab(hour=18, minute=30),  # 03:30 in Japan
}
# Certificate emails owed and held by no live job (their job failed, or
# the mail server was away) are queued again.
CELERY_BEAT_SCHEDULE["certificate-emails-sweep"] = {
    "task": "completion.tasks.certificate_emails_sweep",
    "schedule": 5 * 60,
}
# Notifications: emails sent per chunk of a notification job; the daily
# digest goes out at NOTIFICATION_DIGEST_HOUR (UTC); deadline reminders are
# looked for every NOTIFICATION_REMINDER_SECONDS.
NOTIFICATION_EMAIL_CHUNK = envint("NOTIFICATION_EMAIL_CHUNK", 200)
NOTIFICATION_DIGEST_HOUR = envint("NOTIFICATION_DIGEST_HOUR", 23)  # 08:00 in Japan
CELERY_BEAT_SCHEDULE["deadline-reminders"] = {
    "task": "courses.tasks.deadline_reminders_send",
    "schedule": float(envint("NOTIFICATION_REMINDER_SECONDS", 300)),
}
CELERY_BEAT_SCHEDULE["notification-digest"] = {
    "task": "notifications.tasks.notification_digest_start",
    "schedule": crontab(hour=NOTIFICATION_DIGEST_HOUR, minute=0),
}
# Course Q&A: followers are told again of the last half hour's posts whose
# task was lost (nobody twice), and category followers hear of homework and
# competition questions once the spoiler guard lifts.
CELERY_BEAT_SCHEDULE["qa-notify-sweep"] = {
    "task": "discussions.tasks.qa_notify_sweep",
    "schedule": 10 * 60,
}
# Completion records written per statement (and per progress step).
COMPLETION_WRITE_CHUNK = envint("COMPLETION_WRITE_CHUNK", 2000)
# Test hook: seconds a worker sleeps after each written chunk, so a test can
# kill it mid-run. Always 0 in production.
COMPLETION_CHUNK_DELAY = float(os.environ.get("COMPLETION_CHUNK_DELAY", "0"))

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# allauth's backend alone: it is a ModelBackend (permissions for the admin)
# that logs in by email. With Django's ModelBackend before it, a failed login
# hashed the password once per backend, doubling the cost of every guess.
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]

# django-allauth: email is the login, verification is mandatory, rate limits
# are allauth's defaults (they live in the cache above).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_FORMS = {"signup": "accounts.signup.EqualTimeSignupForm"}
# Signing up with an address that has an account looks the same as a new
# signup (a "check your email" page; the owner gets an email): allauth's
# default, kept explicit. EqualTimeSignupForm makes it take as long.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Koza] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"
# Behind nginx the client address is the last X-Forwarded-For hop; rate
# limits (allauth's and ours) key on it.
ALLAUTH_TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Koza"
# Course staff and admins, and superusers, must enrol TOTP before they reach
# a staff page or the admin (courses.middleware). Off for the demo.
MFA_REQUIRED_FOR_STAFF = envbool("MFA_REQUIRED_FOR_STAFF", not DEBUG)

# Social login is off unless GOOGLE_CLIENT_ID is set. A provider's email never
# logs anyone into an existing local account.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "mandatory"
SOCIALACCOUNT_PROVIDERS = {}
if GOOGLE_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [{"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_CLIENT_SECRET}],
        "SCOPE": ["profile", "email"],
        "VERIFIED_EMAIL": False,
    }

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Tokyo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# In production nginx streams protected files: Django checks permission and
# answers with X-Accel-Redirect to this internal location.
MEDIA_ACCEL_REDIRECT = envbool("MEDIA_ACCEL_REDIRECT", False)
MEDIA_ACCEL_PREFIX = "/protected-media/"
# Files no web server may serve (competition answer keys, prediction files,
# reports): read only by views that check permission.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private"))
# The Ed25519 keys that sign certificates' Open Badges credentials (default
# PRIVATE_MEDIA_ROOT/credential-keys): outside the database, back them up.
CREDENTIAL_KEY_DIR = os.environ.get("CREDENTIAL_KEY_DIR", "")
# Media in an S3-compatible bucket instead of MEDIA_ROOT (needs the optional
# `s3` extra, django-storages): protected files are then answered with a
# redirect to a signed URL that expires after MEDIA_SIGNED_URL_SECONDS.
MEDIA_SIGNED_URL_SECONDS = envint("MEDIA_SIGNED_URL_SECONDS", 300)
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": MEDIA_SIGNED_URL_SECONDS,
            "file_overwrite": False,
        },
    }
# Lecture archives: resumable (tus) uploads are assembled here, next to
# MEDIA_ROOT so that a finished upload moves into storage without a copy.
ARCHIVE_UPLOAD_DIR = Path(os.environ.get("ARCHIVE_UPLOAD_DIR", MEDIA_ROOT / "tus"))
ARCHIVE_UPLOAD_EXPIRY_HOURS = envint("ARCHIVE_UPLOAD_EXPIRY_HOURS", 48)
ARCHIVE_LIMITS = {
    "recording": {
        "max_size": envint("ARCHIVE_RECORDING_MAX_SIZE", 8 * 1024**3),
        "extensions": [".mp4", ".m4v", ".mov", ".webm", ".mkv"],
    },
    "slides": {"max_size": 200 * 1024**2, "extensions": [".pdf"]},
    "notebook": {"max_size": 50 * 1024**2, "extensions": [".ipynb"]},
    "captions": {"max_size": 5 * 1024**2, "extensions": [".vtt"]},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# Email: SMTP when EMAIL_HOST is set, otherwise printed to the console.
_email_host = os.environ.get("EMAIL_HOST", "")
if _email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": envint("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": envbool("EMAIL_USE_TLS", True),
                "timeout": 30,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Koza <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("Koza operator", a) for a in envlist("ADMINS")]

# Security. Behind nginx the TLS terminates at the proxy, which sets
# X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# The benchmark's floor views (bench/urls.py): never on in production.
BENCH_VIEWS = envbool("BENCH_VIEWS", False)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
# Pages hand htmx the token (hx-headers on <body>); no script reads the cookie.
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "media-src": [CSP.SELF],
    "frame-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
}
# Submitting a domain to the browsers' HSTS preload list is a lasting decision
# for the operator's whole domain, not a default an app should make; the check
# that asks for it is silenced until SECURE_HSTS_PRELOAD=1 is chosen.
SILENCED_SYSTEM_CHECKS: list[str] = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
