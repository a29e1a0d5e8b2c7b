"""Rate limits per endpoint group, counted in the cache.

Groups (``LUMINA_RATE_LIMITS``): ``signin``, ``upload``, ``search``, ``api_read`` and
``api_write``. A request counts against one key: its API token, else its user, else its
client IP (``client_ip``: X-Forwarded-For only from trusted proxies, so a spoofed header
from anyone else changes nothing). Sign-in attempts always count per IP.

The API answers 429 with ``Retry-After`` and the error envelope (DRF's ``Throttled``
through ``lumina.core.api.exception_handler``); web pages get a friendly 429 page,
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


def hit(group: str, identity: str, *, now: float | None = None) -> int | None:
    """Count one request; return the seconds to wait when over the limit, else None.

    Fixed windows: one atomic ``incr`` per request, shared by every process through the
    cache (Redis in production).
    """
    rate = rate_for(group)
    if rate is None:
        return None
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    key = f"lumina:rl:{group}:{identity}:{window}"
    cache.add(key, 0, timeout=rate.seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=rate.seconds + 1)
        count = 1
    if count <= rate.count:
        return None
    return max(1, math.ceil((window + 1) * rate.seconds - now))


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
        self._wait = hit(api_group(request, view), identity_for(request))
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
    """Limits the sign-in, upload and search pages; the API has its own throttle."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if not path.startswith(("/api/", *NEVER_LIMITED)):
            for method, prefix, group in WEB_GROUPS:
                if request.method == method and path.startswith(prefix):
                    wait = hit(group, identity_for(request, by_ip=group == "signin"))
                    if wait is not None:
                        return rate_limited_page(request, wait)
                    break
        return self.get_response(request)
