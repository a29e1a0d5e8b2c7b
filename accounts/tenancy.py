"""Which workspace a request acts in.

Web: the one stored in the session (``SESSION_KEY``), if the user still belongs to
it, else their default. API with a token: the token's workspace, always.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from lumina.core.errors import LuminaError, NotFound, PermissionDenied

from . import selectors
from .models import ApiToken, Membership, Tenant, User

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


def require_membership(request: Any) -> Membership:
    """The current membership, or `NotFound` ("No workspace is selected."): the API's
    not_found error, and the 404 page on the web (`lumina.core.web`)."""
    membership = request_membership(request)
    if membership is None:
        raise NotFound("No workspace is selected.")
    return membership


class SessionRequired(LuminaError):
    code = "session_required"
    status = 403
    default_message = "API tokens are bound to one workspace; sign in to do that."


def request_token(request: Any) -> ApiToken | None:
    """The API token a request authenticated with, if any."""
    token = getattr(request, "auth", None)
    return token if isinstance(token, ApiToken) else None


def require_session(request: Any) -> None:
    """Acts beyond one workspace (creating workspaces) are for people, not tokens."""
    if request_token(request) is not None:
        raise SessionRequired()


def membership_in(request: Any, tenant_id: Any) -> Membership:
    """The caller's membership in the workspace named by a URL. A token reaches only its
    own workspace: any other id is missing (404), exactly like one that does not exist."""
    token = request_token(request)
    if token is not None and str(token.tenant_id) != str(tenant_id):
        raise NotFound("Workspace not found.")
    return selectors.membership_get(user=request_user(request), tenant_id=tenant_id)


def reachable_tenants(request: Any) -> QuerySet[Tenant]:
    """The workspaces a request may list: the user's, or only the token's."""
    tenants = selectors.tenant_list(user=request_user(request))
    token = request_token(request)
    if token is not None:
        tenants = tenants.filter(pk=token.tenant_id)
    return tenants
