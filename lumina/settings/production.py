"""Production: every secret from the environment, hardened defaults.

`manage.py check --deploy` is clean with DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS,
DATABASE_URL and REDIS_URL set (CI checks it).
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

# Before base is imported: without DATABASE_URL, base would start the embedded
# PostgreSQL, which belongs to `make run` and the tests, never to a production server.
environ.Env.read_env(Path(__file__).resolve().parents[2] / ".env", overwrite=False)
if not environ.Env()("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "Set the DATABASE_URL environment variable (e.g. postgres://user:pass@host:5432/lumina): "
        "production never starts the embedded PostgreSQL."
    )

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")  # required: no default in production
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
LUMINA_JSON_LOGS = env.bool("LUMINA_JSON_LOGS", default=True)
LOGGING["handlers"]["console"]["formatter"] = "json" if LUMINA_JSON_LOGS else "plain"  # noqa: F405

# TLS ends at the proxy; it tells us the scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Probes talk plain HTTP to the container; they must never be redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# Browsers load nothing over plain HTTP from our pages.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True  # noqa: F405
X_FRAME_OPTIONS = "DENY"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
