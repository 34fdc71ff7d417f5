"""Settings, read from the environment (django-environ) with embedded defaults.

Defaults give a working product with nothing installed but Python: SQLite, Celery tasks
run eagerly, channels use the ``console`` provider.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from cryptography.fernet import Fernet
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]", "testserver"]),
    CELERY_BROKER_URL=(str, ""),
)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env("DEBUG")
# No committed key serves a production site: with DEBUG off the key must come from the
# environment; the development key below is only for DEBUG (``make demo``).
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: with DEBUG off it must come from the environment "
            "(a long random string, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'). "
            "For local development set DEBUG=true instead."
        )
    SECRET_KEY = "insecure-development-key-change-me-in-production-0123456789"
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public base URL used to build channels' webhook_url and to validate provider signatures
# behind a proxy (Twilio signs the public URL it called).
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://localhost:8000").rstrip("/")
# The audit log records the client's address: REMOTE_ADDR, or the first X-Forwarded-For hop
# when the proxy in front of the app is trusted to set that header (anyone can send it).
TRUST_X_FORWARDED_FOR = env.bool("TRUST_X_FORWARDED_FOR", default=False)

# HTTPS: on by default with DEBUG off (production), off with DEBUG on (runserver over plain HTTP).
# Behind a TLS-terminating proxy, SECURE_PROXY_SSL_HEADER names the header it sets to "https"
# (e.g. X-Forwarded-Proto); only set it if the proxy always sets or strips that header.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
if _proxy_header := env.str("SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
# Proxies in front of the app whose X-Forwarded-For is trusted for the client address (login
# lockout, API key failures, the unauthenticated API throttle); 0: the address of the peer.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

# Channel credentials are encrypted at rest (crm.fields.EncryptedJSONField) with Fernet keys:
# the first key encrypts, every key decrypts (rotation: put the new key first, run
# ``manage.py rotate_credentials_key``, then drop the old one).
CREDENTIALS_KEYS = env.list("CREDENTIALS_KEYS", default=[])
if not CREDENTIALS_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "CREDENTIALS_KEYS is not set: with DEBUG off channel credentials need an encryption key "
            "from the environment (python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'). For local development set DEBUG=true instead."
        )
    _derived = hashlib.sha256(f"{SECRET_KEY}:crm.credentials".encode()).digest()
    CREDENTIALS_KEYS = [base64.urlsafe_b64encode(_derived).decode()]
for _number, _key in enumerate(CREDENTIALS_KEYS, start=1):
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            f"CREDENTIALS_KEYS: key {_number} is not a Fernet key (32 url-safe base64-encoded bytes)."
        ) from None

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
    "anymail",
    "axes",
    "crm",
    "channels_app",
    "journeys",
    "simulator",
    "insights",
    "channels",
    "live",
    "imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "crm.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy on every response (django-csp): no inline script or style but those
# carrying the response's nonce (the API docs page), nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Login throttling (django-axes) on the one login page, the admin's, which the dashboards use:
# after AXES_FAILURE_LIMIT failures for one username from one address, that pair is locked out
# (429) for AXES_COOLOFF_MINUTES. Attempts are kept in the database, shared by every process.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "crm.api.auth.client_address"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# Live updates (live/, Django Channels): the channel layer carries the events of every process
# (web, workers) to the agents' sockets. Production sets CHANNEL_LAYER_URL to Redis; without it
# the in-memory layer serves the embedded default, a single process (``make demo``).
CHANNEL_LAYER_URL = env.str("CHANNEL_LAYER_URL", default="")
CHANNEL_LAYERS = {
    "default": (
        {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py's default 5 s socket timeout would cut channels-redis's 5 s blocking reads
            "CONFIG": {
                "hosts": [{"address": CHANNEL_LAYER_URL, "socket_timeout": 15, "socket_connect_timeout": 2}],
                "expiry": 30,
                "capacity": 500,
            },
        }
        if CHANNEL_LAYER_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
}

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

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server, the worker and commands share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    # The hot hand-written statements (crm.sql.prepared_cursor) run as prepared statements from
    # their fifth execution on a connection; ORM queries bind on the client and are never
    # prepared. Empty disables it (a pooler in transaction mode older than PgBouncer 1.21).
    _prepare_threshold = env.str("DATABASE_PREPARE_THRESHOLD", default="5")
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "prepare_threshold", int(_prepare_threshold) if _prepare_threshold else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]  # English dates written the European way
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
LOGIN_URL = "admin:login"

# Request bodies: larger ones are refused with 413 before they are read.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["crm.api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "crm.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["crm.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env("API_THROTTLE_RATE", default="6000/min")},
    "NUM_PROXIES": NUM_PROXIES,
    "UNAUTHENTICATED_USER": None,
}
# Failed API key attempts per client address (crm.api.auth): past this many in the window, further
# failed attempts answer 429 with Retry-After; a valid key still authenticates.
API_KEY_FAILURE_RATE = env("API_KEY_FAILURE_RATE", default="20/min")

SPECTACULAR_SETTINGS = {
    "TITLE": "Omnichannel CRM API",
    "DESCRIPTION": "Contacts, channels, tickets, messages, events, journeys, offers and the "
    "multichannel / crosschannel / omnichannel comparison.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge from the public validator: the page loads nothing from another origin (CSP).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ChannelKindEnum": "crm.models.channels.ChannelKind",
        "TicketStatusEnum": "crm.models.tickets.TicketStatus",
        "MessageStatusEnum": "crm.models.messages.MessageStatus",
        "IdentityKindEnum": "crm.models.contacts.IdentityKind",
        "ModeEnum": "crm.models.tenants.Mode",
        "ProviderEnum": "crm.providers.provider_choices",
    },
}

# Celery: eager when no broker is configured, so the embedded defaults need no Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:  # eager tasks still take a producer: an in-memory one, not amqp on localhost
    CELERY_BROKER_WRITE_URL = "memory://localhost/"  # (which warned "No hostname was supplied")
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
# Celery closes Django's database connections around every task unless told to reuse them:
# without this each delivery would open a new PostgreSQL connection.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# Messages a worker reserves per process (Celery's default, 4). Tasks still go only to an idle
# process (-O fair, Celery's default), so a reserved message waits as it would in Redis; having
# it at hand saves the worker a fetch from Redis between two tasks, which for short tasks such as
# deliveries is 15% of the rate (docs/channels.md#benchmark). With acks_late, a worker that dies
# leaves its reserved messages for the visibility timeout; 1 keeps that to one per process.
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_WORKER_PREFETCH_MULTIPLIER", default=4)
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300)}
CELERY_BEAT_SCHEDULE: dict = {}

# Channels: outbound delivery (retries with exponential backoff and jitter, the outbox sweeper).
CHANNELS_SEND_TIMEOUT = env.float("CHANNELS_SEND_TIMEOUT", default=10.0)
#: a message's or event's time beyond this many seconds ahead of the clock is clamped to now
INBOUND_CLOCK_SKEW_SECONDS = env.int("INBOUND_CLOCK_SKEW_SECONDS", default=300)
#: outbound HTTP to URLs tenants typed (webhook outbound_url, subscriptions, media) may reach
#: loopback, private and link-local addresses: on-premises installs and tests only (crm.net)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
CHANNELS_MAX_ATTEMPTS = env.int("CHANNELS_MAX_ATTEMPTS", default=6)
CHANNELS_RETRY_BACKOFF = env.int("CHANNELS_RETRY_BACKOFF", default=10)
CHANNELS_RETRY_BACKOFF_MAX = env.int("CHANNELS_RETRY_BACKOFF_MAX", default=600)
# A message left in "sending" longer than this (its worker died) may be claimed again.
CHANNELS_SENDING_LEASE_SECONDS = env.int("CHANNELS_SENDING_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 30)
#: how long a delivery waits for the database to record a send the provider accepted (a restart),
#: before leaving it to the lease recovery; below the task's time limit
CHANNELS_RECORD_RETRY_SECONDS = env.int("CHANNELS_RECORD_RETRY_SECONDS", default=min(60, CELERY_TASK_TIME_LIMIT // 2))
CHANNELS_OUTBOX_SWEEP_AFTER = env.int("CHANNELS_OUTBOX_SWEEP_AFTER", default=120)
CHANNELS_EMAIL_BACKENDS: dict = {}  # provider -> e-mail backend path, overriding anymail's
CELERY_BEAT_SCHEDULE["channels-outbox-sweep"] = {"task": "channels_app.outbox_sweep", "schedule": 60.0}
# How often a worker looks for tasks a dead worker left unacknowledged (kombu Redis transport).
CELERY_BROKER_TRANSPORT_OPTIONS.update(
    unacked_restore_interval=env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    unacked_restore_throttle=env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
)
# Journeys: run due steps; concurrent ticks share the work (SELECT ... FOR UPDATE SKIP LOCKED).
JOURNEYS_TICK_SECONDS = env.float("JOURNEYS_TICK_SECONDS", default=10.0)
# Outgoing webhooks (docs/channels.md, "Outgoing webhooks"): retries with backoff and jitter,
# a subscription failing this long without a success disabled, lost deliveries swept.
WEBHOOK_SUBSCRIPTION_MAX_ATTEMPTS = env.int("WEBHOOK_SUBSCRIPTION_MAX_ATTEMPTS", default=12)
WEBHOOK_SUBSCRIPTION_BACKOFF = env.int("WEBHOOK_SUBSCRIPTION_BACKOFF", default=10)
WEBHOOK_SUBSCRIPTION_BACKOFF_MAX = env.int("WEBHOOK_SUBSCRIPTION_BACKOFF_MAX", default=3600)
WEBHOOK_SUBSCRIPTION_DISABLE_AFTER = env.int("WEBHOOK_SUBSCRIPTION_DISABLE_AFTER", default=86400)
WEBHOOK_SUBSCRIPTION_SWEEP_AFTER = env.int("WEBHOOK_SUBSCRIPTION_SWEEP_AFTER", default=120)
CELERY_BEAT_SCHEDULE["channels-event-deliveries-sweep"] = {
    "task": "channels_app.event_deliveries_sweep",
    "schedule": env.float("WEBHOOK_SUBSCRIPTION_SWEEP_SECONDS", default=60.0),
}
# WhatsApp templates and sends: the providers' API base URLs (tests point them at loopback).
META_GRAPH_BASE_URL = env("META_GRAPH_BASE_URL", default="https://graph.facebook.com/v21.0")
TWILIO_CONTENT_BASE_URL = env("TWILIO_CONTENT_BASE_URL", default="https://content.twilio.com")
CELERY_BEAT_SCHEDULE["journeys-tick"] = {"task": "journeys.journeys_tick", "schedule": JOURNEYS_TICK_SECONDS}

# --- Outages: recovery after a PostgreSQL or Redis restart (docs/channels.md#outages) ---
# The first query of a request or task checks a kept connection, so the first one after a
# database restart reconnects instead of failing (config/celery.py does it around tasks).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
# While the database is unreachable the API and webhooks answer a JSON 503 with this
# Retry-After, the dashboards a plain 503 page (crm/outage_middleware.py).
DATABASE_OUTAGE_RETRY_AFTER = env.int("DATABASE_OUTAGE_RETRY_AFTER", default=10)
MIDDLEWARE.append("crm.outage_middleware.DatabaseOutageMiddleware")
# The sweeper's period: replies accepted while the broker was down go out within about
# CHANNELS_OUTBOX_SWEEP_AFTER plus this.
CHANNELS_OUTBOX_SWEEP_SECONDS = env.float("CHANNELS_OUTBOX_SWEEP_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE["channels-outbox-sweep"]["schedule"] = CHANNELS_OUTBOX_SWEEP_SECONDS
# An unreachable cache (the throttle's counters) lets requests through; this often at most a
# warning says so.
API_THROTTLE_OUTAGE_LOG_SECONDS = env.int("API_THROTTLE_OUTAGE_LOG_SECONDS", default=60)
if CACHES["default"]["BACKEND"].endswith("RedisCache"):  # an unreachable Redis answers at once
    CACHES["default"].setdefault("OPTIONS", {}).update(socket_connect_timeout=1, socket_timeout=1)
# --- end of outages ---

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="support@localhost")
ANYMAIL = {
    "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET", default="anymail:secret"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# --- Web chat widget (docs/channels.md, "Web chat widget") ---
#: a staff member active in the dashboards this recently makes the tenant's agents "online"
WIDGET_AGENT_ONLINE_MINUTES = env.int("WIDGET_AGENT_ONLINE_MINUTES", default=5)
#: the widget's public endpoints: per client address (every request, and sends), per visitor
WIDGET_RATES = {
    "address": env("WIDGET_RATE_ADDRESS", default="600/min"),
    "send_address": env("WIDGET_RATE_SEND_ADDRESS", default="60/min"),
    "send": env("WIDGET_RATE_SEND", default="20/min"),
    "poll": env("WIDGET_RATE_POLL", default="150/min"),
}
WIDGET_MAX_BODY_BYTES = env.int("WIDGET_MAX_BODY_BYTES", default=16 * 1024)
MIDDLEWARE.append("channels_app.widget.presence.DashboardPresenceMiddleware")
# --- end of web chat widget ---
# Insights: the stored comparison report is computed by a task (eager without a broker).
INSIGHTS_REPORT_SOFT_TIME_LIMIT = env.int("INSIGHTS_REPORT_SOFT_TIME_LIMIT", default=900)
INSIGHTS_REPORT_TIME_LIMIT = env.int("INSIGHTS_REPORT_TIME_LIMIT", default=960)
# History imports (docs/import.md): where files uploaded to POST /imports/ wait for their task.
IMPORTS_UPLOAD_DIR = env("IMPORTS_UPLOAD_DIR", default=str(BASE_DIR / "var" / "imports"))
# --- Attachments (docs/channels.md#attachments) ---
# Files of messages, never served publicly: through the API (``url``, API key) and the
# dashboards (staff of the tenant), or a signed expiring URL handed to a provider (MMS, WhatsApp).
# Storage: the filesystem under MEDIA_ROOT by default; ATTACHMENTS_STORAGE=s3 stores them in an
# S3-compatible bucket through django-storages (AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL,
# AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
ATTACHMENTS_STORAGE = env("ATTACHMENTS_STORAGE", default="filesystem")
if ATTACHMENTS_STORAGE == "s3":
    STORAGES["attachments"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            "location": env("AWS_LOCATION", default="attachments"),
            "default_acl": None,  # the bucket's own policy: private
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif ATTACHMENTS_STORAGE == "filesystem":
    STORAGES["attachments"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "attachments", "base_url": None},
    }
else:
    raise ImproperlyConfigured("ATTACHMENTS_STORAGE must be 'filesystem' or 's3'.")
#: one file, and all the files of one message (decoded sizes)
ATTACHMENTS_MAX_BYTES = env.int("ATTACHMENTS_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENTS_MAX_TOTAL_BYTES = env.int("ATTACHMENTS_MAX_TOTAL_BYTES", default=20 * 1024 * 1024)
ATTACHMENTS_MAX_PER_MESSAGE = env.int("ATTACHMENTS_MAX_PER_MESSAGE", default=10)
#: content types (sniffed from the bytes) never stored: executables and scripts
ATTACHMENTS_BLOCKED_TYPES = env.list(
    "ATTACHMENTS_BLOCKED_TYPES",
    default=[
        "application/x-msdownload",
        "application/x-dosexec",
        "application/vnd.microsoft.portable-executable",
        "application/x-executable",
        "application/x-elf",
        "application/x-mach-binary",
        "application/x-sharedlib",
        "application/java-archive",
        "application/x-sh",
        "application/x-shellscript",
        "application/javascript",
        "text/javascript",
    ],
)
#: the two endpoints that take base64 files accept bodies this large (base64 is 4/3 of the bytes)
ATTACHMENTS_MAX_REQUEST_BYTES = env.int(
    "ATTACHMENTS_MAX_REQUEST_BYTES", default=ATTACHMENTS_MAX_TOTAL_BYTES * 4 // 3 + MAX_REQUEST_BODY_BYTES
)
#: provider media (Twilio MediaUrl, Meta media ids): fetched by a task, retried, then failed
ATTACHMENTS_FETCH_TIMEOUT = env.float("ATTACHMENTS_FETCH_TIMEOUT", default=20.0)
ATTACHMENTS_FETCH_RETRIES = env.int("ATTACHMENTS_FETCH_RETRIES", default=4)
ATTACHMENTS_FETCH_BACKOFF = env.int("ATTACHMENTS_FETCH_BACKOFF", default=10)
#: how long the signed URL a provider fetches a sent attachment from stays valid
ATTACHMENTS_SIGNED_URL_SECONDS = env.int("ATTACHMENTS_SIGNED_URL_SECONDS", default=24 * 3600)
#: the Graph API Meta media ids are read from (tests point it to a local server)
META_GRAPH_BASE_URL = env("META_GRAPH_BASE_URL", default="https://graph.facebook.com/v21.0").rstrip("/")
# --- end of attachments ---
# --- E-mail mailbox channels (provider "imap", docs/channels.md#mailboxes) ---
# The periodic poll (each mailbox once, new mail only); `manage.py poll_mailboxes` also runs it.
MAILBOX_POLL_SECONDS = env.float("MAILBOX_POLL_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE["channels-mailboxes-poll"] = {
    "task": "channels_app.mailboxes_poll",
    "schedule": MAILBOX_POLL_SECONDS,
}
MAILBOX_BATCH = env.int("MAILBOX_BATCH", default=500)  # mails imported per mailbox and poll at most
MAILBOX_FETCH_CHUNK = env.int("MAILBOX_FETCH_CHUNK", default=50)  # mails per FETCH (memory stays flat)
MAILBOX_TIMEOUT = env.float("MAILBOX_TIMEOUT", default=30.0)  # seconds per IMAP or SMTP operation
# a poll task's soft time limit; a poller holds a mailbox longer than any task may run
MAILBOX_TASK_SOFT_TIME_LIMIT = env.int("MAILBOX_TASK_SOFT_TIME_LIMIT", default=240)
MAILBOX_LEASE_SECONDS = env.int("MAILBOX_LEASE_SECONDS", default=MAILBOX_TASK_SOFT_TIME_LIMIT + 60)
MAILBOX_BACKOFF_SECONDS = env.int("MAILBOX_BACKOFF_SECONDS", default=60)  # after a failed login, doubling
MAILBOX_BACKOFF_MAX_SECONDS = env.int("MAILBOX_BACKOFF_MAX_SECONDS", default=3600)
MAILBOX_IDLE_SECONDS = env.int("MAILBOX_IDLE_SECONDS", default=600)  # one IDLE (RFC 2177: under 29 min)
MAILBOX_MAX_CONNECTIONS = env.int("MAILBOX_MAX_CONNECTIONS", default=50)  # IDLE loops of one poll_mailboxes
MAILBOX_CA_FILE = env("MAILBOX_CA_FILE", default=None)  # extra CA certificates to trust (a private server)
