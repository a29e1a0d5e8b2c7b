"""DRF permissions every API view gets (DEFAULT_PERMISSION_CLASSES)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from lumina.core.errors import LuminaError, NotFound

from . import audit, scopes
from .ipfilter import tenants_ip_allowed, workspace_ip_allowed
from .models import ApiToken
from .tenancy import SessionRequired, membership_in, request_membership


class InsufficientScope(LuminaError):
    code = "insufficient_scope"
    status = 403
    default_message = "This token's scopes do not allow that."


class WorkspaceIPForbidden(LuminaError):
    code = "ip_not_allowed"
    status = 403
    default_message = "This workspace does not allow access from your network."


class TokenScopePermission(BasePermission):
    """A Bearer token acts only within its scopes, as ``scopes.OPERATIONS`` says for this
    operation (the one place they are decided); session users are not scope-limited."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.user and request.user.is_authenticated:
            # DRF authenticates after the middleware: name the actor of this request's
            # changes in the audit trail now (sessions, tokens, tests' force_authenticate).
            audit.set_actor(request.user)
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        match = getattr(request._request, "resolver_match", None)
        needed = scopes.required(
            url_name=match.url_name if match else None, method=request.method or "GET"
        )
        if needed is None:
            raise InsufficientScope(
                "API tokens cannot use this endpoint.", details={"required": None}
            )
        if isinstance(needed, scopes.SessionOnly):
            raise SessionRequired()
        missing = sorted(needed - scopes.effective(token.scopes))
        if missing:
            raise InsufficientScope(
                f"This token lacks the scope(s) {', '.join(missing)}.",
                details={
                    "required": sorted(needed),
                    "missing": missing,
                    "granted": sorted(token.scopes or []),
                },
            )
        return True


class WorkspaceIPPermission(BasePermission):
    """The IP allow and block lists (``Tenant.settings``) of every workspace the request
    is about: the current one (the token's, with Bearer) and the one named in the URL
    (``tenant_id``). Objects reached in other workspaces (albums shared from elsewhere)
    are checked where they are resolved (``albums.selectors.album_get``)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return True
        if not workspace_ip_allowed(request._request, lambda: request_membership(request)):
            raise WorkspaceIPForbidden()
        named = (getattr(view, "kwargs", None) or {}).get("tenant_id")
        if named is not None and not tenants_ip_allowed(request._request, [named]):
            # Only for a workspace the caller reaches (the same rule the views use): for
            # any other the view answers 404, so the lists never tell outsiders that a
            # workspace exists.
            try:
                membership_in(request, named)
            except NotFound:
                return True
            raise WorkspaceIPForbidden()
        return True
