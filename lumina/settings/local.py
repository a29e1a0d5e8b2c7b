"""Development and `make run`: the embedded defaults, readable logs, DEBUG on."""

from __future__ import annotations

import secrets

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)


def _local_secret_key() -> str:
    # A per-checkout key kept under var/ so sessions survive restarts; never committed.
    from lumina.core.embedded import var_dir

    path = var_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("DJANGO_SECRET_KEY", default="") or _local_secret_key()
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

if not env("REDIS_URL", default=""):
    from lumina.core.embedded import broker_folder

    _broker = str(broker_folder())
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": f"{_broker}/queue",
        "data_folder_out": f"{_broker}/queue",
        "processed_folder": f"{_broker}/processed",
        "control_folder": f"{_broker}/control",
        "store_processed": False,
        # kombu polls the folder once a second by default: a second of latency per task.
        "polling_interval": 0.05,
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BASE_DIR / "var" / "cache"),
        }
    }
