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

# The API documentation pages (Swagger UI, ReDoc: pinned files under /static/, nonces on
# their inline script and styles) also run web workers from blob: URLs.
API_DOCS_PREFIXES = ("/api/v1/docs/", "/api/v1/redoc/")
# ReDoc's bundle adds two <style> elements while it loads, before it can be handed the
# nonce (an empty one and its scrollbar styles). Their hashes, for the pinned
# drf-spectacular-sidecar version only: tests/core/test_api_docs_browser.py fails on an
# upgrade that changes them. A hash allows exactly that text, unlike 'unsafe-inline'.
REDOC_PREFIX = "/api/v1/redoc/"
REDOC_STYLE_HASHES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
)


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
    - web workers from ``blob:`` on the API documentation pages only.
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
            update["worker-src"] = ["'self'", "blob:"]
        if request.path.startswith(REDOC_PREFIX):
            update["style-src"] = [*update.get("style-src", []), *REDOC_STYLE_HASHES]
        parts.update = update or None
        return parts
