"""Which workspace a request acts in.

Web: the one stored in the session (``SESSION_KEY``), if the user still belongs to
it, else their default. API with a token: the token's workspace, always.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lumina.core.errors import PermissionDenied

from . import selectors
from .models import Membership, Tenant, User

SESSION_KEY = "lumina_tenant_id"


def current_membership(request: HttpRequest) -> Membership | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    token = getattr(request, "auth", None)
    token_tenant = getattr(token, "tenant_id", None)
    if token_tenant is not None:
        return (
            Membership.objects.select_related("tenant")
            .filter(user=user, tenant_id=token_tenant)
            .first()
        )
    session = getattr(request, "session", None)
    wanted = session.get(SESSION_KEY) if session is not None else None
    if wanted is not None:
        found = (
            Membership.objects.select_related("tenant").filter(user=user, tenant_id=wanted).first()
        )
        if found is not None:
            return found
    return selectors.default_membership(user=user)


def switch_tenant(request: HttpRequest, tenant: Tenant) -> None:
    """Make ``tenant`` current for this session (the caller checked membership)."""
    request.session[SESSION_KEY] = tenant.pk
    request._cached_tenant = tenant  # type: ignore[attr-defined]


def request_user(request: Any) -> User:
    """The authenticated user of a request (views behind login or IsAuthenticated)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied()
    return user


def request_membership(request: Any) -> Membership | None:
    """The current membership of a DRF or Django request."""
    found = getattr(request, "_lumina_membership", None)
    if found is None:
        found = current_membership(request)
        request._lumina_membership = found
    return found
