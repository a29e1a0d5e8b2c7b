from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from lumina.core.net import client_ip

from . import audit, lockout, selectors, services
from .models import ApiToken


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer lum_...``: no CSRF, no session. The token carries its workspace."""

    keyword = "bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        raw_request = request._request
        # Failures count per token prefix and address, and per address over many
        # prefixes (accounts.lockout): a locked token or address is refused before any
        # lookup, without locking everyone else's tokens behind the same address.
        locked = lockout.bearer_locked(raw_request, parts[1])
        if locked is not None:
            raise lockout.LockedOut(
                "Too many invalid tokens. Try again later.",
                details={"retry_after": lockout.retry_after(raw_request, locked)},
            )
        token = selectors.api_token_by_raw(raw=parts[1])
        if token is None:
            lockout.record_failure(
                raw_request, lockout.bearer_name(parts[1]), sender="lumina.bearer"
            )
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        services.api_token_touch(token=token, ip=client_ip(raw_request))
        audit.set_actor(token.user, token=token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Describes Bearer tokens in the OpenAPI schema (Swagger's Authorize button)."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "lum_…"}
