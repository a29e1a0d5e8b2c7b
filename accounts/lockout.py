"""django-axes glue: who is signing in, what the lockout answers, and the same lockout
for the second-factor step and for Bearer tokens.

Failures are counted per (account, client IP) — ``client_ip`` so a forged
X-Forwarded-For from an untrusted peer cannot spread them over made-up addresses.
Operators unlock in the admin (Axes → Access attempts: delete the row).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone

from lumina.core.errors import LuminaError, envelope
from lumina.core.net import client_ip

from .models import User

# Failed Bearer tokens are counted under "<api-token>:<the token's first 10 characters>"
# per IP (axes' (username, IP) pairs): a stale token retried behind a NAT locks only that
# token out. An address is locked out of token authentication altogether once tokens of
# BEARER_IP_FACTOR x LUMINA_LOCKOUT_FAILURES different prefixes failed from it within the
# cool-off: that is guessing, not a few forgotten scripts.
BEARER = "<api-token>"
BEARER_PREFIX_CHARS = 10  # "lum_" and the six characters shown as the token's prefix
BEARER_IP_FACTOR = 4


class LockedOut(LuminaError):
    code = "locked_out"
    status = 429
    default_message = "Too many failed attempts. Try again later."


def username_from(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """The account an attempt is for, as its e-mail when we know it (so that a name and
    an address of the same account share one counter)."""
    creds = credentials or {}
    value = creds.get("email") or creds.get("username") or creds.get("login")
    if not value and request is not None:
        value = request.POST.get("login") if hasattr(request, "POST") else None
    if not value:
        return None
    # Bounded by the lockout table's column: forms refuse longer logins already, and
    # whatever else calls in (tokens, the 2FA step) must not be able to break it.
    value = str(value).strip().lower()[:255]
    if value.startswith(BEARER) or "@" in value:
        return value
    found = User.objects.filter(username__iexact=value).values_list("email", flat=True).first()
    return found or value


class LockoutBackend(AxesStandaloneBackend):
    """Axes' standalone backend, except for calls without a request (management
    commands, ``Client.login`` in tests): those come from no network, so no lockout."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **credentials: Any,
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username, password, **credentials)
        return None


def _credentials(username: str) -> dict[str, str]:
    return {"username": username}


def is_locked(request: HttpRequest, username: str) -> bool:
    return bool(getattr(settings, "AXES_ENABLED", True)) and AxesProxyHandler.is_locked(
        request, _credentials(username)
    )


def record_failure(request: HttpRequest, username: str, *, sender: str = "lumina") -> None:
    """Count a failure exactly like a failed password (axes listens to the signal)."""
    user_login_failed.send(sender=sender, credentials=_credentials(username), request=request)


def bearer_name(raw: str) -> str:
    """The name a presented token's failures are counted under."""
    return f"{BEARER}:{raw[:BEARER_PREFIX_CHARS]}"


def bearer_ip_locked(request: HttpRequest) -> bool:
    """Whether tokens of enough different prefixes failed from this address within the
    cool-off to call it guessing (one row per prefix and address in axes' table)."""
    if not getattr(settings, "AXES_ENABLED", True):
        return False
    attempts = AccessAttempt.objects.filter(
        ip_address=client_ip(request), username__startswith=f"{BEARER}:"
    )
    cool_off = get_cool_off(request)
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return bool(attempts.count() >= int(settings.AXES_FAILURE_LIMIT) * BEARER_IP_FACTOR)


def bearer_locked(request: HttpRequest, raw: str) -> str | None:
    """The name of the lock a presented token is under (its prefix's, or the whole
    address's), else None."""
    if bearer_ip_locked(request):
        return BEARER
    name = bearer_name(raw)
    return name if is_locked(request, name) else None


def reset(request: HttpRequest, username: str) -> None:
    AxesProxyHandler.reset_attempts(ip_address=client_ip(request), username=username)


def retry_after(request: HttpRequest, username: str | None) -> int:
    """Seconds until the lock on (username, client IP) ends."""
    cool_off = get_cool_off(request)
    if cool_off is None:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=client_ip(request))
    if username == BEARER:  # the address's lock: its latest failed token
        attempts = attempts.filter(username__startswith=f"{BEARER}:")
    elif username:
        attempts = attempts.filter(username=username)
    last: datetime | None = (
        attempts.order_by("-attempt_time").values_list("attempt_time", flat=True).first()
    )
    if last is None:
        return int(cool_off.total_seconds())
    remaining = (last + cool_off - timezone.now()).total_seconds()
    return int(max(1, math.ceil(remaining)))


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """What a locked-out client sees: the error envelope on the API, a page that says
    when to retry on the web. Never a redirect."""
    username = username_from(request, credentials)
    wait = retry_after(request, username)
    until = timezone.now() + timedelta(seconds=wait)
    message = f"Too many failed attempts. Try again in {max(1, math.ceil(wait / 60))} minutes."
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(envelope("locked_out", message, {"retry_after": wait}), status=429)
    else:
        body = render_to_string(
            "security/locked_out.html",
            {"retry_after": wait, "retry_at": until, "minutes": max(1, math.ceil(wait / 60))},
            request=request,
        )
        response = HttpResponse(body, status=429)
    response["Retry-After"] = str(wait)
    response["Cache-Control"] = "no-store"
    return response
