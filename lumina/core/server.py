"""The HTTP server of `make run` and of the web container: gunicorn with uvicorn workers.

gunicorn's master keeps ``--workers`` processes alive (a crashed one is replaced) and
stops them gracefully on SIGTERM; each worker runs uvicorn's event loop around the ASGI
app (lumina.asgi), which is what WebSockets will need later.
"""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker


class Worker(UvicornWorker):
    CONFIG_KWARGS: dict[str, Any] = {
        "loop": "auto",
        "http": "auto",
        # The client address and scheme are Django's business (LUMINA_TRUSTED_PROXIES,
        # SECURE_PROXY_SSL_HEADER). uvicorn would otherwise believe X-Forwarded-For from
        # any local peer: under `make run` that is every browser on the machine.
        "proxy_headers": False,
        "server_header": False,
    }


def command(*, bind: str, workers: int) -> list[str]:
    """The gunicorn command line (compose/start-web.sh runs the same)."""
    return [
        "gunicorn",
        "lumina.asgi:application",
        "--worker-class",
        "lumina.core.server.Worker",
        "--bind",
        bind,
        "--workers",
        str(workers),
        # Long enough for a ZIP download or an upload in progress to finish on a stop.
        "--graceful-timeout",
        "30",
        # gunicorn's control socket defaults to one path per user (~/.gunicorn): two
        # servers on one machine would fight over it, and nothing here uses it.
        "--no-control-socket",
    ]
