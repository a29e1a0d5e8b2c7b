"""`make run`: the whole app on the embedded defaults, in one command.

Starts (or reuses) the embedded PostgreSQL, migrates, makes the first operator
account, then runs web, Celery worker and Celery beat together under honcho. Ctrl-C
stops the three and then the database. Run as ``python -m lumina.core.runner``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _manage(*args: str, env: dict[str, str]) -> None:
    # bandit B603: our own interpreter and manage.py, fixed arguments
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)  # noqa: S603  # nosec B603


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
    opts = parser.parse_args(argv)

    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "lumina.settings.local")
    env["PYTHONUNBUFFERED"] = "1"
    server = None
    if not env.get("DATABASE_URL"):
        from lumina.core.embedded import start_postgres

        # This process owns the embedded server: it stops when we exit.
        server = start_postgres()
        env["DATABASE_URL"] = server.url()
        print(f"PostgreSQL (embedded) ready on socket {server.socket_dir}", flush=True)

    from lumina.core.embedded import var_dir

    run_dir = var_dir() / "run"
    run_dir.mkdir(exist_ok=True)
    _manage("migrate", "--noinput", "-v", "0", env=env)
    _manage("lumina_bootstrap", env=env)

    from honcho.manager import Manager

    url = f"http://{opts.host}:{opts.port}"
    manager = Manager()
    python = sys.executable
    manager.add_process(
        "web",
        f"{python} manage.py runserver {opts.host}:{opts.port} --noreload",
        env=env,
        cwd=str(BASE_DIR),
    )
    manager.add_process(
        "worker",
        f"{python} -m celery -A lumina worker -l INFO --concurrency 2 --hostname lumina@%h",
        env=env,
        cwd=str(BASE_DIR),
    )
    manager.add_process(
        "beat",
        f"{python} -m celery -A lumina beat -l INFO --pidfile {run_dir / 'beat.pid'} "
        f"-s {run_dir / 'beat-schedule'}",
        env=env,
        cwd=str(BASE_DIR),
    )
    print(
        f"\n  Lumina Host is starting at {url}  (admin: {url}/admin/)\n"
        "  Ctrl-C stops everything.\n",
        flush=True,
    )
    try:
        manager.loop()
    finally:
        if server is not None:
            server.stop()
            print("PostgreSQL (embedded) stopped.", flush=True)
    # Ctrl-C (130) or a TERM (143) from the user is a clean stop, not a failure.
    return 0 if manager.returncode in (None, 130, 143) else manager.returncode


if __name__ == "__main__":
    sys.exit(main())
