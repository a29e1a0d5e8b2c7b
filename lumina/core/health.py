"""Liveness and readiness probes.

``/healthz`` says the process answers (no dependency is touched). ``/readyz`` checks
the database, the cache, the broker and the storage, and under ``make run`` the
processes its supervisor runs. Both answer JSON, 200 or 503, are never cached, never
redirected (see SECURE_REDIRECT_EXEMPT) and never throttled.

What a caller learns (docs/operations.md, "Probes"): everyone sees which check failed
and how long each took; only a signed-in staff member with a verified second factor
also sees the exception class and message, which may name hosts and ports.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def check_database() -> None:
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")


def check_cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value just written")
    cache.delete(key)


def check_broker() -> None:
    from lumina.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def check_storage() -> None:
    default_storage.exists("readyz-probe")


class CheckFailed(RuntimeError):
    """A failed check with details every caller may see (names, never addresses)."""

    def __init__(self, message: str, details: dict[str, object]) -> None:
        super().__init__(message)
        self.details = details


def check_processes() -> None:
    """Under `make run`: fail when the supervisor gave up on a process (it kept crashing)."""
    from lumina.core.runner import GIVEN_UP, supervisor_states

    states = supervisor_states(getattr(settings, "LUMINA_SUPERVISOR_SOCKET", ""))
    given_up = sorted(name for name, state in states.items() if state in GIVEN_UP)
    if given_up:
        raise CheckFailed(
            f"gave up on {', '.join(given_up)}",
            {"given_up": given_up, "states": {k: v.lower() for k, v in states.items()}},
        )


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
}


def _checks() -> dict[str, Callable[[], None]]:
    if getattr(settings, "LUMINA_SUPERVISOR_SOCKET", ""):
        return {**CHECKS, "processes": check_processes}
    return CHECKS


def _is_verified_staff(request: HttpRequest, database_ok: bool) -> bool:
    # Without a database the session and the user cannot be loaded: treat as anonymous.
    if not database_ok:
        return False
    try:
        user = request.user
        return bool(user.is_authenticated and user.is_staff and user.is_verified())  # type: ignore[attr-defined]
    except Exception:
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, dict[str, object]] = {}
    errors: dict[str, str] = {}
    healthy = True
    for name, check in _checks().items():
        started = time.perf_counter()
        try:
            check()
            results[name] = {"status": "ok"}
        except Exception as exc:
            healthy = False
            logger.warning("readiness check %s failed: %s: %s", name, type(exc).__name__, exc)
            # Everyone learns which dependency failed, not its address or the error.
            results[name] = {"status": "error", **getattr(exc, "details", {})}
            errors[name] = f"{type(exc).__name__}: {exc}"[:300]
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    if errors and _is_verified_staff(request, results["database"]["status"] == "ok"):
        for name, error in errors.items():
            results[name]["error"] = error
    body = {"status": "ok" if healthy else "unavailable", "checks": results}
    return JsonResponse(body, status=200 if healthy else 503)
