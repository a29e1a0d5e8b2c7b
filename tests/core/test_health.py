from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from lumina.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_healthz_is_ok_without_touching_dependencies():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_readyz_checks_every_dependency():
    response = Client().get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker", "storage"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert "no-store" in response["Cache-Control"]


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
)
def test_readyz_is_503_when_the_cache_is_down():
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"]["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"
    # The reply names the failing dependency, not its address, nor the error.
    assert "127.0.0.1" not in response.content.decode()
    assert set(body["checks"]["cache"]) == {"status", "ms"}
    assert "Error" not in response.content.decode()


_REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5},
    }
}


def test_readyz_tells_a_verified_operator_the_error(settings):
    # given: a staff member signed in with the second factor
    from tests.factories import UserFactory
    from tests.security.helpers import force_login_verified

    staff = UserFactory(is_staff=True)
    client = Client()
    force_login_verified(client, staff)
    settings.CACHES = {**settings.CACHES, "default": _REDIS_DOWN["default"]}

    # when
    body = client.get("/readyz").json()

    # then: the exception class and message, for diagnosis
    assert body["checks"]["cache"]["status"] == "error"
    assert body["checks"]["cache"]["error"].startswith("ConnectionError: ")
    assert "error" not in body["checks"]["database"]


def test_readyz_tells_staff_without_a_second_factor_no_more_than_anyone(settings):
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    client = Client()
    client.force_login(staff)
    settings.CACHES = {**settings.CACHES, "default": _REDIS_DOWN["default"]}

    body = client.get("/readyz").json()

    assert set(body["checks"]["cache"]) == {"status", "ms"}


def test_readyz_is_503_when_the_broker_is_down(monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "error"


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    # A separate process, so this one's connections stay intact.
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/readyz'); h = Client().get('/healthz');"
        "print(json.dumps([r.status_code, r.json(), h.status_code]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lumina.settings.test",
        "DATABASE_URL": "postgres://lumina@127.0.0.1:1/lumina?connect_timeout=1",
    }
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    status, body, health = json.loads(out.stdout.strip().splitlines()[-1])
    assert status == 503
    assert body["checks"]["database"]["status"] == "error"
    assert health == 200  # liveness does not depend on the database


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^healthz$", r"^readyz$"])
def test_probes_are_never_redirected_to_https():
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/readyz").status_code == 200
    assert Client().get("/api/v1/me/").status_code == 301
