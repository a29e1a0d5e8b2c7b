"""What a visitor sees when Django's CSRF check refuses a form (``CSRF_FAILURE_VIEW``).

Django's own page is a bare "Forbidden (403)" in English. Here the site's layout says
what most likely happened (a page left open too long, a sign-in or sign-out in another
tab, cookies blocked) and offers the form again; API paths get the error envelope.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .errors import envelope

CODE = "csrf_failed"


def _form_page(request: HttpRequest) -> str:
    """Where the refused form was shown: the page that sent it (a same-site Referer),
    else the address it was sent to (most forms post to their own page)."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, {request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path()


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            envelope(
                CODE,
                "The CSRF check failed: send the X-CSRFToken header with the csrftoken "
                "cookie's value, from a page of this site.",
                {"reason": reason},
            ),
            status=403,
        )
    else:
        response = render(
            request,
            "security/csrf_failed.html",
            {
                "form_page": _form_page(request),
                "no_cookie": reason == REASON_NO_CSRF_COOKIE,
                "title": _("This form has expired"),
            },
            status=403,
        )
    response["Cache-Control"] = "no-store"
    # The address may hold a secret (share-link token, password-reset key).
    response["Referrer-Policy"] = "same-origin"
    return response
