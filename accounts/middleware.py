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


# Paths a session may always reach, whatever it still has to do.
ALWAYS = ("/accounts/logout/", "/static/", "/i18n/", "/healthz", "/readyz", "/favicon.ico")
VERIFY_PATH = "/security/2fa/verify/"
SETUP_PATH = "/security/2fa/setup/"
# A URL path, not a secret (ruff S105, bandit B105).
PASSWORD_PATH = "/accounts/password/change/"  # noqa: S105  # nosec B105
HOLD_MESSAGES = (
    ("two_factor_pending", "Give your second factor on the web first."),
    ("two_factor_required", "Set up two-factor authentication on the web first."),
    ("password_expired", "Your password has expired; change it on the web first."),
)
# Reachable when the current workspace refuses the client's IP (to switch away, or sign out).
IP_EXEMPT = (*ALWAYS, "/workspaces/switch/", "/security/", "/accounts/")


class SecurityGateMiddleware:
    """Holds a signed-in session at the second-factor step, at 2FA enrolment (required by
    a workspace, or for staff entering the admin) or at a password change (expired), and
    applies the current workspace's IP lists to web pages. See ``accounts.gate``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(ALWAYS):
            return self.get_response(request)
        blocked = self._gate(request)
        if blocked is not None:
            return blocked
        if not request.path.startswith(("/api/", *IP_EXEMPT)):
            from lumina.core.ipfilter import forbidden_response

            from .ipfilter import workspace_ip_allowed

            if not workspace_ip_allowed(request, lambda: request.membership):  # type: ignore[attr-defined]
                return forbidden_response(request, scope="workspace")
        return self.get_response(request)

    def _gate(self, request: HttpRequest) -> HttpResponse | None:
        from . import gate

        flags = gate.flags(request)
        verified = request.user.is_verified()  # type: ignore[union-attr]
        path = request.path
        if flags.get("otp") and not verified:
            return self._hold(request, VERIFY_PATH, "two_factor_pending")
        if flags.get("enrol") and not verified:
            return self._hold(request, SETUP_PATH, "two_factor_required")
        if flags.get("pw"):
            return self._hold(request, PASSWORD_PATH, "password_expired")
        if path.startswith("/admin/") and request.user.is_staff and not verified:
            from django.contrib import messages
            from django.utils.translation import gettext as _

            messages.info(request, _("The operator console requires two-factor authentication."))
            return redirect_to(SETUP_PATH, path)
        return None

    def _hold(self, request: HttpRequest, target: str, code: str) -> HttpResponse | None:
        if request.path.startswith(target):
            return None
        if request.path.startswith("/api/"):
            from django.http import JsonResponse

            from lumina.core.errors import envelope

            return JsonResponse(envelope(code, dict(HOLD_MESSAGES)[code]), status=403)
        return redirect_to(target, request.get_full_path())


def redirect_to(target: str, next_path: str) -> HttpResponse:
    from django.shortcuts import redirect
    from django.utils.http import urlencode

    if next_path and next_path != "/" and not next_path.startswith(target):
        return redirect(f"{target}?{urlencode({'next': next_path})}")
    return redirect(target)
