"""Rate limits per endpoint group, counted in the cache.

Groups (``LUMINA_RATE_LIMITS``): ``signin``, ``upload``, ``search``, ``api_read`` and
``api_write``. A request counts against one key: its API token, else its user, else its
client IP (``client_ip``: X-Forwarded-For only from trusted proxies, so a spoofed header
from anyone else changes nothing). Sign-in attempts always count per IP.

Answers counted against a group carry ``RateLimit-Limit``, ``RateLimit-Remaining`` and
``RateLimit-Reset``. The API answers 429 with ``Retry-After`` and the error envelope
(DRF's ``Throttled`` through ``lumina.core.api.exception_handler``); web pages get a
friendly 429 page,
never a redirect. Probes and static files are never limited.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from .net import client_ip

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NEVER_LIMITED = ("/healthz", "/readyz", "/static/")

# Web pages that count against a group: (method, path prefix, group).
WEB_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("POST", "/accounts/login/", "signin"),
    ("POST", "/accounts/signup/", "signin"),
    ("POST", "/accounts/password/reset/", "signin"),
    ("POST", "/accounts/oidc/", "signin"),
    ("POST", "/security/2fa/verify/", "signin"),
    ("POST", "/upload/", "upload"),
    ("GET", "/search/", "search"),
)


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """``"10/m"`` → 10 per 60 s; ``"100/5m"`` → 100 per 300 s."""
    count, _, period = text.strip().partition("/")
    unit = period[-1:]
    multiplier = int(period[:-1] or 1)
    if unit not in _UNITS or not count.isdigit():
        raise ValueError(f"Bad rate {text!r}: use N/s, N/m, N/h or N/d.")
    return Rate(int(count), multiplier * _UNITS[unit])


def rate_for(group: str) -> Rate | None:
    text = settings.LUMINA_RATE_LIMITS.get(group)
    return parse_rate(text) if text else None


# Documented on every throttled answer (IETF draft "RateLimit header fields for HTTP",
# the three-field form most clients read); lumina.core.schema puts them in the schema.
RATE_LIMIT_HEADERS: dict[str, dict[str, Any]] = {
    "RateLimit-Limit": {
        "description": "Requests allowed in the current window for this endpoint group.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "RateLimit-Remaining": {
        "description": "Requests left in the current window.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "RateLimit-Reset": {
        "description": "Seconds until the window ends and the count starts again.",
        "schema": {"type": "integer", "minimum": 0},
    },
}

# Backends whose add() and incr() are atomic across every process that shares them
# (LocMemCache: within its one process, which is all it is shared by). Any other
# backend (FileBasedCache, the embedded default; DatabaseCache) reads and then writes,
# so parallel requests would all read the same count: those count under a PostgreSQL
# advisory lock instead.
ATOMIC_CACHES = (
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
    "django_redis.cache.RedisCache",
)
_LOCK_NAMESPACE = 0x4C554D  # "LUM": keeps our advisory locks apart from others'


@dataclass(frozen=True)
class Verdict:
    limit: int
    remaining: int
    reset: int
    retry_after: int | None

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


def _cache_is_atomic() -> bool:
    return str(settings.CACHES["default"]["BACKEND"]) in ATOMIC_CACHES


def _increment(key: str, timeout: int) -> int:
    if _cache_is_atomic():
        return _add_and_incr(key, timeout)
    with transaction.atomic(), connection.cursor() as cursor:
        # Held until this small transaction commits: one counter update at a time per
        # key across every process and thread on this database.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_NAMESPACE, key])
        return _add_and_incr(key, timeout)


def _add_and_incr(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return int(cache.incr(key))
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def count(group: str, identity: str, *, now: float | None = None) -> Verdict | None:
    """Count one request of ``group`` for ``identity``; None when the group is unlimited.

    Fixed windows: one atomic increment per request, shared by every process through
    the cache (Redis in production) or, on caches that cannot increment atomically,
    under a PostgreSQL advisory lock.
    """
    rate = rate_for(group)
    if rate is None:
        return None
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    key = f"lumina:rl:{group}:{identity}:{window}"
    used = _increment(key, rate.seconds + 1)
    reset = max(1, math.ceil((window + 1) * rate.seconds - now))
    return Verdict(
        limit=rate.count,
        remaining=max(0, rate.count - used),
        reset=reset,
        retry_after=reset if used > rate.count else None,
    )


def remember(request: HttpRequest, verdict: Verdict | None) -> None:
    """Keep the verdict for the response headers (``WebRateLimitMiddleware``)."""
    if verdict is not None:
        request.lumina_rate_limit = verdict  # type: ignore[attr-defined]


def identity_for(request: HttpRequest | Request, *, by_ip: bool = False) -> str:
    if not by_ip:
        token = getattr(request, "auth", None)
        token_id = getattr(token, "pk", None)
        if token_id is not None:
            return f"token:{token_id}"
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
    raw = request._request if isinstance(request, Request) else request
    return f"ip:{client_ip(raw)}"


def api_group(request: Request, view: Any = None) -> str:
    declared = getattr(view, "throttle_group", None)
    if isinstance(declared, str):
        return declared
    path = request.path
    if path.startswith("/api/v1/search"):
        return "search"
    if request.method in SAFE_METHODS:
        return "api_read"
    if request.method == "POST" and path.rstrip("/") == "/api/v1/assets":
        return "upload"
    return "api_write"


class GroupThrottle(BaseThrottle):
    """DRF throttle: the group from the view's ``throttle_group`` or from method and path."""

    def __init__(self) -> None:
        self._wait: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.path.startswith(NEVER_LIMITED):
            return True
        verdict = count(api_group(request, view), identity_for(request))
        remember(request._request, verdict)
        self._wait = verdict.retry_after if verdict else None
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


def rate_limited_page(request: HttpRequest, retry_after: int) -> HttpResponse:
    body = render_to_string(
        "security/rate_limited.html", {"retry_after": retry_after}, request=request
    )
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


class WebRateLimitMiddleware:
    """Limits the sign-in, upload and search pages; the API has its own throttle.

    Every counted answer, web or API, carries the ``RateLimit-*`` headers.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._limit(request) or self.get_response(request)
        verdict = getattr(request, "lumina_rate_limit", None)
        if isinstance(verdict, Verdict):
            for name, value in verdict.headers().items():
                response[name] = value
        return response

    def _limit(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path
        if path.startswith(("/api/", *NEVER_LIMITED)):
            return None
        for method, prefix, group in WEB_GROUPS:
            if request.method == method and path.startswith(prefix):
                verdict = count(group, identity_for(request, by_ip=group == "signin"))
                remember(request, verdict)
                if verdict is not None and verdict.retry_after is not None:
                    return rate_limited_page(request, verdict.retry_after)
                break
        return None
