"""Response headers Django has no setting for, and the CSP with its few exceptions.

Django's SecurityMiddleware sets HSTS (production), ``X-Content-Type-Options``,
``Referrer-Policy`` and ``Cross-Origin-Opener-Policy``; XFrameOptionsMiddleware sets
``X-Frame-Options``. Here: ``Permissions-Policy`` and ``Content-Security-Policy``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

# The API documentation pages load Swagger UI and ReDoc from their CDN and ReDoc styles
# itself at run time; they show no user content. Only there the policy allows them.
API_DOCS_PREFIXES = ("/api/v1/docs/", "/api/v1/redoc/")
API_DOCS_CDN = "https://cdn.jsdelivr.net"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.LUMINA_PERMISSIONS_POLICY
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware plus two exceptions computed at request time:

    - the OpenID Connect issuer in ``form-action`` (browsers apply it to the redirect
      that follows the SSO form);
    - the CDN and inline styles on the API documentation pages only.
    """

    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        update: dict[str, Any] = dict(parts.update or {})
        issuer = _origin(getattr(settings, "LUMINA_OIDC_ISSUER", "") or "")
        if issuer:
            update["form-action"] = [*update.get("form-action", []), issuer]
        if request.path.startswith(API_DOCS_PREFIXES):
            update["script-src"] = [*update.get("script-src", []), API_DOCS_CDN]
            update["style-src"] = [*update.get("style-src", []), API_DOCS_CDN]
            update["img-src"] = [*update.get("img-src", []), API_DOCS_CDN]
            update["worker-src"] = ["'self'", "blob:"]
            # ReDoc injects its own <style> elements: 'unsafe-inline' would be ignored
            # next to a nonce, so the docs pages get a replaced style-src without one.
            replace: dict[str, Any] = dict(parts.replace or {})
            replace["style-src"] = ["'self'", "'unsafe-inline'", API_DOCS_CDN]
            update.pop("style-src", None)
            parts.replace = replace
        parts.update = update or None
        return parts
