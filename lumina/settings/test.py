"""Test settings: real PostgreSQL (embedded unless DATABASE_URL is set), fast hashing,
tasks eager unless a test starts a real worker."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-secret-key-not-for-production-" + "x" * 20
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="lumina-test-media-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# One test database per run, so that runs side by side (developers, helpers) never
# drop each other's; pytest-django removes it at the end.
DATABASES["default"]["TEST"] = {  # noqa: F405
    "NAME": env("LUMINA_TEST_DB", default="") or f"test_lumina_{os.getpid()}"
}
LOGGING["root"]["level"] = env("LUMINA_LOG_LEVEL", default="WARNING")  # noqa: F405
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="lumina-test-static-"))
# Security: limits high enough that the rest of the suite never meets them (the tests of
# the limits set their own); django-otp's per-device delay off (the lockout is tested).
LUMINA_RATE_LIMITS = {
    "signin": "10000/m",
    "upload": "10000/m",
    "search": "10000/m",
    "api_read": "100000/m",
    "api_write": "100000/m",
}
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Live-server threads (browser tests) must not keep connections past their request, or
# the test database cannot be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
