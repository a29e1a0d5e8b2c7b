from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from .models import Membership
from .tenancy import current_membership


class TenantMiddleware:
    """Attaches ``request.membership`` and ``request.tenant`` (lazily): the workspace
    chosen in the session, checked against the user's memberships on every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        def membership() -> Membership | None:
            found = current_membership(request)
            request._cached_tenant = found.tenant if found else None  # type: ignore[attr-defined]
            return found

        request.membership = SimpleLazyObject(membership)  # type: ignore[attr-defined]
        request.tenant = SimpleLazyObject(  # type: ignore[attr-defined]
            lambda: request.membership.tenant if request.membership else None  # type: ignore[attr-defined]
        )
        return self.get_response(request)
