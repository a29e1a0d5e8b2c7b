"""What a signed-in session must do before it may use the site, decided at sign-in and
kept in the session (so ordinary requests cost no query):

- ``otp``: the user has 2FA, so the second factor must be given first;
- ``enrol``: a workspace requires 2FA and the user has none: enrolment first;
- ``pw``: the password is older than ``LUMINA_PASSWORD_MAX_AGE_DAYS``: change it first.

A workspace turning ``require_2fa`` on reaches its members at their next sign-in.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from . import otp
from .models import User

SESSION_KEY = "lumina_gate"


def password_expired(user: User) -> bool:
    days = settings.LUMINA_PASSWORD_MAX_AGE_DAYS
    if not days or not user.has_usable_password():
        return False
    changed = user.password_changed_at or user.date_joined
    return changed < timezone.now() - timedelta(days=days)


def compute(user: User) -> dict[str, bool]:
    has = otp.has_two_factor(user)
    return {
        "otp": has,
        "enrol": not has and otp.required_for(user),
        "pw": password_expired(user),
    }


def store(request: HttpRequest, user: User) -> dict[str, bool]:
    flags = compute(user)
    request.session[SESSION_KEY] = flags
    return flags


def flags(request: HttpRequest) -> dict[str, Any]:
    found = request.session.get(SESSION_KEY)
    if not isinstance(found, dict):
        user = request.user
        assert isinstance(user, User)
        found = store(request, user)
    return found


def clear(request: HttpRequest, name: str) -> None:
    found = dict(request.session.get(SESSION_KEY) or {})
    found[name] = False
    request.session[SESSION_KEY] = found


def set_flag(request: HttpRequest, name: str, value: bool) -> None:
    found = dict(request.session.get(SESSION_KEY) or {})
    found[name] = value
    request.session[SESSION_KEY] = found
