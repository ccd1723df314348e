"""Kalliky settings: one flat, env-driven file.

Every value comes from the environment (or `.env`), read once here. With nothing set the app
runs fully offline: SQLite under var/, local-memory cache, in-memory channel layer, a Celery
broker on the filesystem, the local AI brain and console email.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from kalliky.envtools import env_bool, env_float, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KALLIKY_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# `.env` is optional; real environment variables win over it.
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "dev-insecure-kalliky-key-change-me-in-production-0123456789abcdef"
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
PUBLIC_BASE_URL = env_url("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [PUBLIC_BASE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    # django-ninja ships Swagger UI; as an app its assets are served from here, not a CDN.
    "ninja",
    "django_htmx",
    "tailwind",
    "kalliky",
    "accounts",
    "stores",
    "telephony",
    "ai",
    "billing",
    "notifications",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kalliky.urls"
ASGI_APPLICATION = "kalliky.asgi.application"
WSGI_APPLICATION = None

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kalliky.sqlite3'}")
DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE lets the web process and the Celery worker share the file without
    # "database is locked" on concurrent writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # The test database is a file too: the end-to-end call tests process webhooks on several
    # threads, and an in-memory shared-cache database fails those with "table is locked".
    # One file per test run, so that two runs on one machine never share (and delete) it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_kalliky_{os.getpid()}.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if env_bool("DATABASE_POOL", True):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 1),
            "max_size": env_int("DATABASE_POOL_MAX", 20),
            "timeout": 10,
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, Celery broker ---------------------------------------------
REDIS_URL = env_url("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "kalliky"),
        }
    }
    # redis-py 8 reads with a 5 s socket timeout by default, exactly channels_redis's 5 s blocking
    # pop: every socket idle for 5 s (a kitchen board, a call's media stream) died with "Timeout
    # reading". The socket timeout must outlast the pop.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}]},
        }
    }
else:
    # Live call sessions sit in this cache for the length of a call: the default cap of 300
    # entries would start dropping them under a few hundred calls' worth of keys.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env_int("LOCMEM_CACHE_MAX_ENTRIES", 20_000)},
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Embedded broker for `make run`: queue files under var/, no server needed.
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Brute-force protection on login (per account and per client IP, sliding 15 min window).
LOGIN_MAX_FAILURES_PER_ACCOUNT = env_int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
LOGIN_MAX_FAILURES_PER_IP = env_int("LOGIN_MAX_FAILURES_PER_IP", 20)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "fr")
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
# "6 déc. 2026 14:05" / "6 Dec 2026 14:05": dates in each language's own way (kalliky/formats).
FORMAT_MODULE_PATH = ["kalliky.formats"]
USE_TZ = True

# --- Static ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
TAILWIND_APP_NAME = "kalliky"

# --- Email ----------------------------------------------------------------------------------
EMAIL_URL = env_url("EMAIL_URL", "consolemail://")
vars().update(environ.Env.email_url_config(EMAIL_URL))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kalliky <no-reply@kalliky.local>")
# Seconds an SMTP exchange may take: a hung server must not hold a notification worker forever.
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10.0)

# --- Notifications (email / SMS / webhook queue) --------------------------------------------
# Attempts before a notification is dead-lettered; the wait after the n-th failure is
# BASE × 2^(n-1) seconds, at most MAX.
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 5)
NOTIFICATIONS_RETRY_BASE_SECONDS = env_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 30)
NOTIFICATIONS_RETRY_MAX_SECONDS = env_int("NOTIFICATIONS_RETRY_MAX_SECONDS", 3600)
# Items one dispatcher run claims; how long a claimed item is its sender's before another
# worker may take it again (a worker that died mid-send).
NOTIFICATIONS_BATCH_SIZE = env_int("NOTIFICATIONS_BATCH_SIZE", 100)
NOTIFICATIONS_SENDING_LEASE_SECONDS = env_int("NOTIFICATIONS_SENDING_LEASE_SECONDS", 300)
NOTIFICATIONS_WEBHOOK_TIMEOUT = env_float("NOTIFICATIONS_WEBHOOK_TIMEOUT", 5.0)
# Webhooks to http:// and private or local addresses: fine on a laptop, refused in production.
NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = env_bool("NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE", DEBUG)
# Local hour (store time zone) of the daily digest for new stores; each store can change it.
NOTIFICATIONS_DIGEST_HOUR = env_int("NOTIFICATIONS_DIGEST_HOUR", 8)

# --- Providers ------------------------------------------------------------------------------
TELNYX_API_KEY = env_str("TELNYX_API_KEY", "")
TELNYX_PUBLIC_KEY = env_str("TELNYX_PUBLIC_KEY", "")
TELNYX_BASE_URL = env_url("TELNYX_BASE_URL", "https://api.telnyx.com/v2")
# Set by `manage.py serve` when the Telnyx simulator plays the phone network. Calls count as
# sandbox calls only while TELNYX_BASE_URL points at it too (a pretend clock on a call is honoured
# then, never on real Telnyx).
TELNYX_SIMULATOR_URL = env_url("TELNYX_SIMULATOR_URL", "")
# Seconds per Telnyx request; the SDK retries 408/409/429/5xx this many times with the same body.
TELNYX_TIMEOUT = env_float("TELNYX_TIMEOUT", 5.0)
TELNYX_MAX_RETRIES = env_int("TELNYX_MAX_RETRIES", 2)
# Where Telnyx sends call events (the Call Control application is created with these).
TELNYX_WEBHOOK_URL = env_url("TELNYX_WEBHOOK_URL", f"{PUBLIC_BASE_URL}/api/telnyx/webhook")
TELNYX_WEBHOOK_FAILOVER_URL = env_url("TELNYX_WEBHOOK_FAILOVER_URL", "")
TELNYX_APPLICATION_NAME = env_str("TELNYX_APPLICATION_NAME", "Kalliky")
# Threads that react to call events in each web process (answer, speak, transfer).
TELNYX_REACTION_WORKERS = env_int("TELNYX_REACTION_WORKERS", 8)
# Threads per web process that verify and store incoming webhooks (the ASGI fast path).
TELNYX_INGEST_THREADS = env_int("TELNYX_INGEST_THREADS", 4)
# Where call events are reacted to: "threads", a background pool in each web process (the
# embedded default); "reactor", the `telnyx_reactor` process fed by PostgreSQL notifications
# (production: acknowledgements and reactions never share an interpreter); "inline", in the
# request (unit tests).
TELNYX_REACTIONS = env_str("TELNYX_REACTIONS", "threads", choices=("threads", "reactor", "inline"))
# The reactor rescans for events it was not told about (it was down) this often, in seconds.
TELNYX_REACTOR_SCAN_SECONDS = env_float("TELNYX_REACTOR_SCAN_SECONDS", 2.0)
# On stop, the reactor lets its lanes finish for at most this long.
TELNYX_REACTOR_DRAIN_SECONDS = env_float("TELNYX_REACTOR_DRAIN_SECONDS", 30.0)
TELNYX_TRANSCRIPTION_ENGINE = env_str("TELNYX_TRANSCRIPTION_ENGINE", "Google")
# Text-to-speech voices by language and voice type (IntelligentAIConfig.voice_type).
TELNYX_VOICES = {
    ("fr", "female"): env_str("TELNYX_VOICE_FR_FEMALE", "AWS.Polly.Lea-Neural"),
    ("fr", "male"): env_str("TELNYX_VOICE_FR_MALE", "AWS.Polly.Remi-Neural"),
    ("en", "female"): env_str("TELNYX_VOICE_EN_FEMALE", "AWS.Polly.Joanna-Neural"),
    ("en", "male"): env_str("TELNYX_VOICE_EN_MALE", "AWS.Polly.Matthew-Neural"),
}
# Caller silence: reprompt after this many seconds, then say goodbye after the reprompts.
CALL_SILENCE_SECONDS = env_float("CALL_SILENCE_SECONDS", 8.0)
CALL_SILENCE_REPROMPTS = env_int("CALL_SILENCE_REPROMPTS", 1)
# A call still counted as active after this long is stale (lost hang-up) and released.
CALL_STALE_SECONDS = env_int("CALL_STALE_SECONDS", 2 * 60 * 60)
# Seconds a transfer step rings before the next step of the escalation chain.
TRANSFER_TIMEOUT_SECONDS = env_int("TRANSFER_TIMEOUT_SECONDS", 25)
# Monthly price of a number by country (EUR); others cost NUMBER_PRICE_DEFAULT.
NUMBER_PRICES = {"FR": "1.00", "US": "1.00", "GB": "1.20", "DE": "1.50", "ES": "1.50"}
NUMBER_PRICE_DEFAULT = env_str("NUMBER_PRICE_DEFAULT", "2.00")
# How long the purchase task waits for Telnyx to complete a number order.
NUMBER_ORDER_POLL_SECONDS = env_float("NUMBER_ORDER_POLL_SECONDS", 5.0)
NUMBER_ORDER_MAX_POLLS = env_int("NUMBER_ORDER_MAX_POLLS", 24)
OPENAI_API_KEY = env_str("OPENAI_API_KEY", "")
OPENAI_BASE_URL = env_url("OPENAI_BASE_URL", "https://api.openai.com/v1")
AI_BRAIN = env_str("AI_BRAIN", "local", choices=("local", "openai"))
OPENAI_MODEL = env_str("OPENAI_MODEL", "gpt-4o-mini")
# Strict budgets for one caller turn (seconds): beyond them the local brain takes the turn.
OPENAI_CONNECT_TIMEOUT = env_float("OPENAI_CONNECT_TIMEOUT", 1.0)
OPENAI_FIRST_TOKEN_TIMEOUT = env_float("OPENAI_FIRST_TOKEN_TIMEOUT", 2.5)
OPENAI_TURN_TIMEOUT = env_float("OPENAI_TURN_TIMEOUT", 8.0)
OPENAI_MAX_TOOL_ROUNDS = env_int("OPENAI_MAX_TOOL_ROUNDS", 5)
# Post-call analysis: "local" (offline) or "openai" (structured outputs); defaults to the brain.
AI_ANALYZER = env_str("AI_ANALYZER", AI_BRAIN, choices=("local", "openai"))
OPENAI_ANALYSIS_MODEL = env_str("OPENAI_ANALYSIS_MODEL", OPENAI_MODEL)
OPENAI_ANALYSIS_TIMEOUT = env_float("OPENAI_ANALYSIS_TIMEOUT", 30.0)
OPENAI_ANALYSIS_ATTEMPTS = env_int("OPENAI_ANALYSIS_ATTEMPTS", 2)
ANALYSIS_MAX_RETRIES = env_int("ANALYSIS_MAX_RETRIES", 4)
# Queued calls are analysed in batches of this many per drain task (decision 0016).
ANALYSIS_BATCH_SIZE = env_int("ANALYSIS_BATCH_SIZE", 100)
# How long a published drain suppresses the next one (and how old a queued call must be for the
# beat's sweep to publish a drain itself).
ANALYSIS_KICK_SECONDS = env_int("ANALYSIS_KICK_SECONDS", 2)
# A call RUNNING this long (its worker died) is queued again by the sweep.
ANALYSIS_RUNNING_TIMEOUT = env_int("ANALYSIS_RUNNING_TIMEOUT", 900)
# USD per million tokens (input, output), for the cost of each conversation.
OPENAI_PRICES = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    # Realtime models: a call's tokens are mostly audio, priced at the audio rate.
    "gpt-realtime-2.1-mini": (10.00, 20.00),
}
if env_str("OPENAI_PRICE_PER_MTOK", ""):  # "input,output" for a model not in the table
    _in, _, _out = env_str("OPENAI_PRICE_PER_MTOK", "").partition(",")
    try:
        OPENAI_PRICES[OPENAI_MODEL] = (float(_in), float(_out or _in))
    except ValueError:
        raise ImproperlyConfigured("OPENAI_PRICE_PER_MTOK must look like 0.15,0.60") from None
# Transcription of call recordings (calls a person took, or with the AI off): "local" is
# PocketSphinx, offline and English only; "openai" sends the recording to OPENAI_TRANSCRIPTION_MODEL.
STT_PROVIDER = env_str("STT_PROVIDER", "local", choices=("local", "openai"))
OPENAI_TRANSCRIPTION_MODEL = env_str("OPENAI_TRANSCRIPTION_MODEL", "gpt-4o-mini-transcribe")
# Post-call work in Celery, not a caller waiting: a long recording may take a while to upload.
OPENAI_TRANSCRIPTION_TIMEOUT = env_float("OPENAI_TRANSCRIPTION_TIMEOUT", 120.0)
OPENAI_TRANSCRIPTION_MAX_RETRIES = env_int("OPENAI_TRANSCRIPTION_MAX_RETRIES", 2)
# Realtime voice (plans with realtime_voice): Telnyx streams the call's audio to
# /ws/telnyx/media/ and the assistant answers with audio. Off, every call stays on the text loop
# (Telnyx transcription + speak). On by default in production; `make run` keeps the text loop so
# `simulate_call` can be typed into (`simulate_call --voice` streams espeak speech instead).
VOICE_MEDIA_STREAMS = env_bool("VOICE_MEDIA_STREAMS", not DEBUG)
# Stores whose assistant uses OpenAI get the Realtime bridge (needs OPENAI_API_KEY); the others,
# or all when this is false, the local pipeline (voice detection, PocketSphinx, the agent, TTS).
VOICE_REALTIME_ENABLED = env_bool("VOICE_REALTIME_ENABLED", True)
OPENAI_REALTIME_MODEL = env_str("OPENAI_REALTIME_MODEL", "gpt-realtime-2.1-mini")
OPENAI_REALTIME_TRANSCRIPTION_MODEL = env_str("OPENAI_REALTIME_TRANSCRIPTION_MODEL", "gpt-4o-mini-transcribe")
OPENAI_REALTIME_CONNECT_TIMEOUT = env_float("OPENAI_REALTIME_CONNECT_TIMEOUT", 3.0)
# Quiet after the caller's last word before their turn is over (local voice detector, and the
# Realtime server VAD's silence_duration_ms).
VOICE_END_OF_SPEECH_MS = env_int("VOICE_END_OF_SPEECH_MS", 500)
# Speech synthesis of the local pipeline: espeak-ng (offline) or OpenAI audio.speech.
TTS_PROVIDER = env_str("TTS_PROVIDER", "local", choices=("local", "openai"))
OPENAI_TTS_MODEL = env_str("OPENAI_TTS_MODEL", "gpt-4o-mini-tts")
# A day whose p95 reply time (end of caller speech → first audio) is above this shows as an alert.
VOICE_LATENCY_ALERT_MS = env_int("VOICE_LATENCY_ALERT_MS", 1500)
# Menu import from a photo: "auto" reads it with tesseract when installed, else with OpenAI vision
# (OPENAI_MODEL) when OPENAI_API_KEY is set; "tesseract" or "openai" forces one reader.
MENU_PHOTO_READER = env_str("MENU_PHOTO_READER", "auto", choices=("auto", "tesseract", "openai"))
MENU_PHOTO_TIMEOUT = env_float("MENU_PHOTO_TIMEOUT", 90.0)
# AI requests per business per hour (sliding window); a plan may override it.
AI_RATE_LIMIT_PER_HOUR = env_int("AI_RATE_LIMIT_PER_HOUR", 100)
AI_RATE_LIMITS_BY_PLAN = {
    plan: env_int(f"AI_RATE_LIMIT_{plan}", AI_RATE_LIMIT_PER_HOUR) for plan in ("STARTER", "PRO", "BUSINESS")
}
# Re-run the assistant self-test after catalog or hours edits (debounced).
ASSISTANT_SELFTEST_ON_CHANGE = env_bool("ASSISTANT_SELFTEST_ON_CHANGE", True)
SELFTEST_DEBOUNCE_SECONDS = env_int("SELFTEST_DEBOUNCE_SECONDS", 60)
# The dashboard's charts (a year of orders, the period's calls per hour) are cached this long.
DASHBOARD_CHART_CACHE_SECONDS = env_int("DASHBOARD_CHART_CACHE_SECONDS", 60)
RESERVATION_DURATION_MINUTES = env_int("RESERVATION_DURATION_MINUTES", 90)
RESERVATION_LAST_SEATING_MINUTES = env_int("RESERVATION_LAST_SEATING_MINUTES", 45)
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = env_url("STRIPE_API_BASE", "https://api.stripe.com")
STRIPE_PRICE_STARTER = env_str("STRIPE_PRICE_STARTER", "")
STRIPE_PRICE_PRO = env_str("STRIPE_PRICE_PRO", "")
STRIPE_PRICE_BUSINESS = env_str("STRIPE_PRICE_BUSINESS", "")
# Unpaid: numbers suspended this long after the failed payment (0: at once). Cancelled: numbers
# released to Telnyx this many days after the cancellation.
BILLING_SUSPEND_GRACE_SECONDS = env_int("BILLING_SUSPEND_GRACE_SECONDS", 0)
BILLING_RELEASE_GRACE_DAYS = env_int("BILLING_RELEASE_GRACE_DAYS", 30)
# Signup: the trial length when billing is not configured (no STRIPE_SECRET_KEY), how long the
# one-time login after payment stays valid, and where a new account's first number is bought.
BILLING_TRIAL_DAYS = env_int("BILLING_TRIAL_DAYS", 14)
SIGNUP_LOGIN_TOKEN_MINUTES = env_int("SIGNUP_LOGIN_TOKEN_MINUTES", 15)
SIGNUP_NUMBER_COUNTRY = env_str("SIGNUP_NUMBER_COUNTRY", "FR")
# The Stripe billing meter that sums our per-order commissions (in cents).
STRIPE_COMMISSION_METER = env_str("STRIPE_COMMISSION_METER", "kalliky_order_commission")

# --- Security (production values come from DEBUG=false) -------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", [])
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
