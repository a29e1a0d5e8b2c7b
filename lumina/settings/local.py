"""`make run` and `make dev`: the embedded defaults and readable logs.

DEBUG is off unless DJANGO_DEBUG=1 (`make dev` sets it): `make run` serves the way
production does, with the error pages and the API envelope, never Django's debug pages.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=False)


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


def _var(name: str) -> str:
    from lumina.core.embedded import var_dir

    return str(var_dir() / name)


# Everything the embedded default writes lives under LUMINA_VAR_DIR (var/ by default).
STATIC_ROOT = Path(env("LUMINA_STATIC_ROOT", default=_var("static")))
MEDIA_ROOT = Path(env("LUMINA_MEDIA_ROOT", default=_var("media")))
# Set by `make run` for the web processes: /readyz names a process its supervisor gave up on.
LUMINA_SUPERVISOR_SOCKET = env("LUMINA_SUPERVISOR_SOCKET", default="")

if not env("REDIS_URL", default=""):
    from lumina.core.embedded import broker_folder

    _broker = str(broker_folder())
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": f"{_broker}/queue",
        "data_folder_out": f"{_broker}/queue",
        "processed_folder": f"{_broker}/processed",
        "control_folder": f"{_broker}/control",
        "store_processed": False,
        # Taken but not yet acknowledged messages: a killed worker's tasks come back.
        "unacked_folder": f"{_broker}/unacked",
        # kombu polls the folder once a second by default: a second of latency per task.
        "polling_interval": 0.05,
    }
    CELERY_BROKER_TRANSPORT = "lumina.core.broker:Transport"
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": _var("cache"),
        }
    }
