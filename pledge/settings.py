"""Pledge settings, read from the environment.

The embedded default (no variable set) runs the demo on SQLite under ``var/``.
``PLEDGE_ENV=production`` switches to production: secrets must be given, placeholders
are refused, and ``manage.py check --deploy`` passes.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(os.environ.get("PLEDGE_ENV_FILE", BASE_DIR / ".env"))

PLACEHOLDERS = {"", "change-me", "changeme", "secret", "insecure"}


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def envsecret(name: str, demo_value: str) -> str:
    """A secret: the demo value in the embedded default, mandatory in production."""
    raw = os.environ.get(name)
    if PRODUCTION:
        if raw is None or raw.strip().lower() in PLACEHOLDERS or len(raw) < 32:
            raise ImproperlyConfigured(
                f"{name} must be set to a real secret of at least 32 characters in production"
            )
        return raw
    return raw or demo_value


PLEDGE_ENV = os.environ.get("PLEDGE_ENV", "demo")
if PLEDGE_ENV not in {"demo", "production"}:
    raise ImproperlyConfigured(f"PLEDGE_ENV must be demo or production, not {PLEDGE_ENV!r}")
PRODUCTION = PLEDGE_ENV == "production"

VAR_DIR = Path(os.environ.get("PLEDGE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
DEBUG = envbool("PLEDGE_DEBUG", not PRODUCTION)
SECRET_KEY = envsecret(
    "PLEDGE_SECRET_KEY", "demo-only-secret-key-never-use-in-production-0123456789"
)
# Field encryption keys (Fernet, urlsafe base64 of 32 bytes), newest first: rotation adds one in front.
FIELD_ENCRYPTION_KEYS = env.list(
    "PLEDGE_FIELD_ENCRYPTION_KEYS",
    default=[] if PRODUCTION else ["u0sI1dE2Sx-Lh9Yqf3b8Q6kY1v5o7cXw2gN4pR0tZ8M="],
)
if PRODUCTION and not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("PLEDGE_FIELD_ENCRYPTION_KEYS must be set in production")

# The policy declaration that drives the statement and the gate.
POLICY_DECLARATION = Path(
    os.environ.get("PLEDGE_DECLARATION", BASE_DIR / "declarations" / "claxton.yaml")
)

ALLOWED_HOSTS = env.list(
    "PLEDGE_ALLOWED_HOSTS",
    default=[] if PRODUCTION else [".localhost", "127.0.0.1", "localhost", "testserver"],
)

INSTALLED_APPS = [
    # Before the admin, so its templates (admin/base_site.html, ...) override the admin's.
    "pledge.staff",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "pledge.policy",
    "pledge.people",
    "pledge.mail",
    "pledge.rights",
    "pledge.shop",
    "pledge.campaigns",
    "pledge.site",
    "pledge.analytics",
    "pledge.licensing",
    "pledge.payments",
    "pledge.orders",
    "pledge.support",
]

MIDDLEWARE = [
    # C7: outermost, so the line carries the status and size that left.
    "pledge.analytics.accesslog.AccessLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "pledge.site.middleware.SiteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pledge.urls"
WSGI_APPLICATION = "pledge.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "pledge" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pledge.site.context.site",
                "pledge.policy.context.notice",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'pledge.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the site, the worker and the mail listener share one file; a busy
    # writer makes others wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        # Seconds a writer waits for another before failing (the mail listener then
        # answers 451 and the mail server retries).
        "timeout": envint("PLEDGE_SQLITE_TIMEOUT", 20),
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests run on a file too, as the site does: each thread of a live server then
    # has its own connection and its own transaction, where an in-memory database
    # would share one connection between threads and let a page read another
    # request's uncommitted rows.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-run.sqlite3")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.Person"
AUTHENTICATION_BACKENDS = ["pledge.people.backends.EmailBackend"]
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
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "people:account"
LOGOUT_REDIRECT_URL = "site:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
VERIFICATION_MAX_AGE = 60 * 60 * 24 * 3

# C5: the session cookie lives until the browser closes: no Max-Age, no Expires.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 60 * 60 * 12  # server-side limit of an idle session
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_AGE = 60 * 60 * 24 * 365  # declared in the policy's cookie table

CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://pledge_cache")}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "pledge" / "static"]
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing one
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Mail: every message leaves through the outbox; the worker speaks SMTP to this host.
SMTP_HOST = os.environ.get("PLEDGE_SMTP_HOST", "127.0.0.1")
SMTP_PORT = envint("PLEDGE_SMTP_PORT", 1025)
SMTP_USER = os.environ.get("PLEDGE_SMTP_USER", "")
SMTP_PASSWORD = os.environ.get("PLEDGE_SMTP_PASSWORD", "")
SMTP_STARTTLS = envbool("PLEDGE_SMTP_STARTTLS", PRODUCTION)
SMTP_TIMEOUT = envint("PLEDGE_SMTP_TIMEOUT", 30)
# A CA bundle to verify the relay's STARTTLS certificate by; empty: the system's CAs.
SMTP_CA_FILE = os.environ.get("PLEDGE_SMTP_CA_FILE", "")
MAIL_CATCHER_DIR = VAR_DIR / "mail"
# The demo's mail catcher listens where the worker sends by default.
MAIL_CATCHER_HOST = os.environ.get("PLEDGE_MAIL_CATCHER_HOST", "127.0.0.1")
MAIL_CATCHER_PORT = envint("PLEDGE_MAIL_CATCHER_PORT", 1025)
# Delivery: rows claimed per pass, how long a claim holds before another worker may
# take the row over, and the retry schedule for temporary failures (doubling, capped).
MAIL_BATCH_SIZE = envint("PLEDGE_MAIL_BATCH_SIZE", 200)
MAIL_LEASE_SECONDS = envint("PLEDGE_MAIL_LEASE_SECONDS", 300)
MAIL_RETRY_BASE_SECONDS = envint("PLEDGE_MAIL_RETRY_BASE_SECONDS", 60)
MAIL_RETRY_MAX_SECONDS = envint("PLEDGE_MAIL_RETRY_MAX_SECONDS", 6 * 60 * 60)
# A destination domain that answers a temporary failure (a provider's throttling
# 421/450) is left alone for a wait doubling from the base with each failure in a
# row, capped; its other queued mail waits without spending attempts.
MAIL_DOMAIN_BACKOFF_SECONDS = envint("PLEDGE_MAIL_DOMAIN_BACKOFF_SECONDS", 60)
MAIL_DOMAIN_BACKOFF_MAX_SECONDS = envint("PLEDGE_MAIL_DOMAIN_BACKOFF_MAX_SECONDS", 60 * 60)
MAIL_MAX_ATTEMPTS = envint("PLEDGE_MAIL_MAX_ATTEMPTS", 12)
# SMTP sessions a worker keeps open, and messages it sends per session before it
# marks them: a worker killed mid-batch can repeat at most their product (50).
MAIL_CONNECTIONS = envint("PLEDGE_MAIL_CONNECTIONS", 5)
MAIL_MARK_EVERY = envint("PLEDGE_MAIL_MARK_EVERY", 10)
# Base URL used in links inside mail when no request is at hand.
PUBLIC_SCHEME = os.environ.get("PLEDGE_PUBLIC_SCHEME", "https" if PRODUCTION else "http")
PUBLIC_PORT = os.environ.get("PLEDGE_PUBLIC_PORT", "" if PRODUCTION else "8000")

# Rate limits: attempts per window, keyed by a keyed hash of the account or email.
RATE_LIMIT_WINDOW = envint("PLEDGE_RATE_LIMIT_WINDOW", 15 * 60)
RATE_LIMIT_LOGIN = envint("PLEDGE_RATE_LIMIT_LOGIN", 5)
RATE_LIMIT_REGISTER = envint("PLEDGE_RATE_LIMIT_REGISTER", 5)
RATE_LIMIT_RESET = envint("PLEDGE_RATE_LIMIT_RESET", 3)

# C6: no third-party script, style, frame or image; nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    # C20: sensitive data only over TLS.
    SECURE_SSL_REDIRECT = envbool("PLEDGE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("PLEDGE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Django's "Not Found: /path" and runserver's request lines, masked as the access
    # log is: no token, email address or query string in the process's log (C7).
    "filters": {"mask_paths": {"()": "pledge.analytics.logfilter.MaskRequestPaths"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PLEDGE_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler (DEBUG only) would print each line a second time,
        # and its mail_admins handler would send mail around the outbox: the root's only.
        "django": {"handlers": [], "propagate": True},
        "django.request": {"filters": ["mask_paths"]},
        # Request lines of runserver (the demo): once, on the console like the rest.
        "django.server": {"filters": ["mask_paths"], "handlers": ["console"], "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # Stripe's SDK logs whole request and response bodies at DEBUG: never here (C3).
        "stripe": {"level": "INFO"},
    },
}

# The domain of Message-IDs and of the VERP return path.
MAIL_DOMAIN = os.environ.get("PLEDGE_MAIL_DOMAIN", "claxton.localhost")
DEFAULT_FROM_EMAIL = os.environ.get(
    "PLEDGE_FROM_EMAIL", "ContactGenie <no-reply@claxton.localhost>"
)
# Outbound mail says From: "<the site's name>" <this address>.
MAIL_FROM_ADDRESS = os.environ.get(
    "PLEDGE_MAIL_FROM_ADDRESS", DEFAULT_FROM_EMAIL.rpartition("<")[2].rstrip(">").strip()
)
# The name the worker gives in EHLO; the sending domain unless the relay wants another.
SMTP_HELO_NAME = os.environ.get("PLEDGE_SMTP_HELO_NAME", MAIL_DOMAIN)
# DKIM: with both set, the worker signs every message for MAIL_DOMAIN with this key
# (PEM, RSA), published in DNS at <selector>._domainkey.<MAIL_DOMAIN>.
DKIM_SELECTOR = os.environ.get("PLEDGE_DKIM_SELECTOR", "")
DKIM_PRIVATE_KEY_FILE = os.environ.get("PLEDGE_DKIM_PRIVATE_KEY_FILE", "")
if bool(DKIM_SELECTOR) != bool(DKIM_PRIVATE_KEY_FILE):
    raise ImproperlyConfigured(
        "PLEDGE_DKIM_SELECTOR and PLEDGE_DKIM_PRIVATE_KEY_FILE are set together or not at all"
    )
if DKIM_PRIVATE_KEY_FILE and not Path(DKIM_PRIVATE_KEY_FILE).is_file():
    raise ImproperlyConfigured(f"PLEDGE_DKIM_PRIVATE_KEY_FILE: no file at {DKIM_PRIVATE_KEY_FILE}")

# Support by mail (C11): attachments are kept in this directory, not the database;
# one over the size limit or of a type not listed is recorded as refused and the
# mail still lands. A sender gets at most one acknowledgement per window, so two
# auto-responders cannot loop. Ticket references read PREFIX-12345.
SUPPORT_ATTACHMENT_DIR = Path(
    os.environ.get("PLEDGE_SUPPORT_ATTACHMENT_DIR", VAR_DIR / "support-attachments")
)
SUPPORT_ATTACHMENT_MAX_BYTES = envint("PLEDGE_SUPPORT_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
SUPPORT_ATTACHMENT_TYPES = env.list(
    "PLEDGE_SUPPORT_ATTACHMENT_TYPES",
    default=[
        "text/plain",
        "text/csv",
        "image/png",
        "image/jpeg",
        "image/gif",
        "application/pdf",
        "application/zip",
        "message/rfc822",
    ],
)
SUPPORT_ACK_WINDOW_SECONDS = envint("PLEDGE_SUPPORT_ACK_WINDOW_SECONDS", 60 * 60)
SUPPORT_REFERENCE_PREFIX = os.environ.get("PLEDGE_SUPPORT_REFERENCE_PREFIX", "CG")

# Mail in (pledge mail receive / serve): the LMTP listener's address, the largest
# message kept (a 25 MB attachment is about 34 MB in base64), and bounces: a run of
# SOFT_LIMIT soft bounces within SOFT_WINDOW_DAYS suspends an address for SUSPEND_DAYS.
INBOUND_LMTP_HOST = os.environ.get("PLEDGE_INBOUND_LMTP_HOST", "127.0.0.1")
INBOUND_LMTP_PORT = envint("PLEDGE_INBOUND_LMTP_PORT", 8024)
INBOUND_MAX_BYTES = envint("PLEDGE_INBOUND_MAX_BYTES", 50 * 1024 * 1024)
BOUNCE_SOFT_LIMIT = envint("PLEDGE_BOUNCE_SOFT_LIMIT", 3)
BOUNCE_SOFT_WINDOW_DAYS = envint("PLEDGE_BOUNCE_SOFT_WINDOW_DAYS", 30)
BOUNCE_SUSPEND_DAYS = envint("PLEDGE_BOUNCE_SUSPEND_DAYS", 14)

# Jobs the worker runs every so many seconds, by dotted path.
PERIODIC_JOBS = {
    "pledge.rights.retention.apply_retention": 60 * 60,
    "pledge.support.retention.purge_closed_tickets": 60 * 60,
    # Start scheduled campaigns, write the next recipients of those sending.
    "pledge.campaigns.sending.run_due_campaigns": 15,
    # C7: visitor salts (and the marks made under them) live at most 48 hours.
    "pledge.analytics.visitors.purge_salts": 60 * 60,
    # C7: count the access logs into aggregates; delete raw logs past their retention.
    "pledge.analytics.tasks.ingest_access_logs": 15 * 60,
    "pledge.analytics.tasks.purge_raw_logs": 60 * 60,
    # Inbound mail stored but not processed (a crash, a failing rule): try again.
    "pledge.mail.inbound.intake.process_pending": 60,
}

# C7: where Pledge writes its own access log (the embedded default; in production
# nginx writes it, and this is empty), and which files the worker ingests.
ACCESS_LOG_DIR = os.environ.get(
    "PLEDGE_ACCESS_LOG_DIR", "" if PRODUCTION else str(VAR_DIR / "logs")
)
ACCESS_LOGS = env.list(
    "PLEDGE_ACCESS_LOGS",
    default=[str(Path(ACCESS_LOG_DIR) / "access-*.log")] if ACCESS_LOG_DIR else [],
)
# C6: hosts the exit redirect follows without our signature.
EXIT_HOSTS = env.list("PLEDGE_EXIT_HOSTS", default=[])

# License keys (docs/licenses.md): the Ed25519 key that signs them, as KID:SEED, and
# the public halves of earlier signing keys (KID:PUBLIC, comma-separated), which
# still verify the keys they signed. Empty in the demo: a fixed demo-only key.
LICENSE_SIGNING_KEY = os.environ.get("PLEDGE_LICENSE_SIGNING_KEY", "").strip()
LICENSE_RETIRED_KEYS = env.list("PLEDGE_LICENSE_RETIRED_KEYS", default=[])
if PRODUCTION and not LICENSE_SIGNING_KEY:
    raise ImproperlyConfigured(
        "PLEDGE_LICENSE_SIGNING_KEY must be set in production: `pledge license keygen KID` makes one"
    )

# The payment processor (C3, C14): Stripe's API, or the sandbox that speaks it. The
# embedded demo falls back to the sandbox's demo keys (sandbox_processor/demo.py).
if PRODUCTION:
    _STRIPE_DEMO = {"base": "https://api.stripe.com", "secret": "", "webhook": ""}
else:
    from sandbox_processor import demo as _sandbox_demo

    _STRIPE_DEMO = {
        "base": _sandbox_demo.API_BASE,
        "secret": _sandbox_demo.SECRET_KEY,
        "webhook": _sandbox_demo.WEBHOOK_SECRET,
    }
STRIPE_API_BASE = os.environ.get("PLEDGE_STRIPE_API_BASE", _STRIPE_DEMO["base"])
STRIPE_SECRET_KEY = envsecret("PLEDGE_STRIPE_SECRET_KEY", _STRIPE_DEMO["secret"])
STRIPE_WEBHOOK_SECRET = envsecret("PLEDGE_STRIPE_WEBHOOK_SECRET", _STRIPE_DEMO["webhook"])
# Where the processor's hosted payment page lives: the order forms may post there (CSP
# form-action follows the redirect). Empty: the origin of PLEDGE_STRIPE_API_BASE (the sandbox).
STRIPE_CHECKOUT_ORIGIN = os.environ.get(
    "PLEDGE_STRIPE_CHECKOUT_ORIGIN", "https://checkout.stripe.com" if PRODUCTION else ""
)
# A signed event older (or further in the future) than this many seconds is refused.
STRIPE_WEBHOOK_TOLERANCE = envint("PLEDGE_STRIPE_WEBHOOK_TOLERANCE", 300)
# What to do when payment is confirmed after a promotion's window closed (C10):
# "honour" (checkout started inside the window) or "refund".
LATE_PROMOTION_PAYMENT = os.environ.get("PLEDGE_LATE_PROMOTION_PAYMENT", "honour")
if LATE_PROMOTION_PAYMENT not in {"honour", "refund"}:
    raise ImproperlyConfigured(
        f"PLEDGE_LATE_PROMOTION_PAYMENT must be honour or refund, not {LATE_PROMOTION_PAYMENT!r}"
    )
