"""`make run`'s start-up path, for real: embedded PostgreSQL in a fresh folder,
migrations, the operator account, web + worker + beat, then a clean stop."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request

import psutil
import pytest

from tests.helpers import ROOT, free_port, wait_for


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except Exception:
        return 0


def _postgres_running(pgdata: str) -> bool:
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info.get("cmdline") or []
        if proc.info.get("name") == "postgres" and pgdata in " ".join(cmdline):
            return True
    return False


@pytest.mark.slow
def test_make_run_starts_everything_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {
            "LUMINA_VAR_DIR": str(tmp_path / "var"),
            "DJANGO_SETTINGS_MODULE": "lumina.settings.local",
            "LUMINA_ADMIN_EMAIL": "first@example.com",
            "PORT": str(port),
        }
    )
    env.pop("LUMINA_ADMIN_PASSWORD", None)
    log_path = tmp_path / "run.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lumina.core.runner"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            up = wait_for(lambda: _get(f"http://127.0.0.1:{port}/healthz") == 200, timeout=120)
            output = log_path.read_text()
            assert up, output
            assert wait_for(lambda: "ready." in log_path.read_text(), timeout=60), (
                "worker never ready"
            )
            assert _get(f"http://127.0.0.1:{port}/readyz") == 200
            output = log_path.read_text()
            assert f"http://127.0.0.1:{port}" in output
            assert re.search(r"Created the operator account first@example.com", output)
            assert re.search(r"Password: \S+", output)
            assert "beat" in output
            pgdata = str(tmp_path / "var" / "postgres")
            assert _postgres_running(pgdata)
        finally:
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's group
            code = proc.wait(timeout=60)
    assert code == 0, log_path.read_text()
    assert "PostgreSQL (embedded) stopped." in log_path.read_text()
    assert wait_for(lambda: not _postgres_running(pgdata), timeout=20)
    assert _get(f"http://127.0.0.1:{port}/healthz") == 0

    # a second start reuses the data: no new operator account
    with (tmp_path / "run2.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lumina.core.runner"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            assert wait_for(lambda: _get(f"http://127.0.0.1:{port}/healthz") == 200, timeout=120)
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=60)
    assert "existing" in (tmp_path / "run2.log").read_text()
