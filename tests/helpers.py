"""Helpers for tests that start real processes (Celery worker, the `make run` runner)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_database_url() -> str:
    """A DATABASE_URL for the database this test run uses (test_…), for child processes."""
    s = connection.settings_dict
    host = s.get("HOST") or s.get("OPTIONS", {}).get("host", "")
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    if host.startswith("/"):
        return f"postgres://{user}{password}@/{s['NAME']}?host={host}"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{s['NAME']}"


def wait_for(predicate: Any, *, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


@contextmanager
def celery_worker(var_dir: Path, *, database_url: str) -> Iterator[subprocess.Popen[str]]:
    """A real `celery worker` process on the filesystem broker in ``var_dir``."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lumina.settings.local",
        "DATABASE_URL": database_url,
        "LUMINA_VAR_DIR": str(var_dir),
        "REDIS_URL": "",
        "PYTHONUNBUFFERED": "1",
    }
    log = (var_dir / "worker.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "lumina", "worker", "--pool", "solo", "-l", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        ready = wait_for(lambda: "ready." in (var_dir / "worker.log").read_text(), timeout=60)
        assert ready, (var_dir / "worker.log").read_text()
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@contextmanager
def filesystem_broker(app: Any, var_dir: Path) -> Iterator[None]:
    """Point this process's Celery app at the worker's filesystem broker, not eager."""
    folder = var_dir / "broker"
    for sub in ("queue", "processed"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    saved = {
        k: app.conf[k] for k in ("broker_url", "broker_transport_options", "task_always_eager")
    }
    app.conf.broker_url = "filesystem://"
    app.conf.broker_transport_options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
    }
    app.conf.task_always_eager = False
    _reset_pools(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        _reset_pools(app)


def _reset_pools(app: Any) -> None:
    # Celery caches connection and producer pools built from the old broker URL.
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    pools.reset()
