"""The one rule for redirect targets taken from a request (``next``, ``Referer``): only
this site, never another host or scheme (open redirects), checked by Django's
``url_has_allowed_host_and_scheme``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def is_safe_url(request: HttpRequest, target: str) -> bool:
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next_url(request: HttpRequest, *, referer: bool = False) -> str:
    """``next`` from the form or the query string (else, with ``referer``, the Referer
    header) when it stays on this site; otherwise ""."""
    candidates = [request.POST.get("next", ""), request.GET.get("next", "")]
    if referer:
        candidates.append(request.META.get("HTTP_REFERER", ""))
    for target in candidates:
        if target:
            return target if is_safe_url(request, target) else ""
    return ""


def redirect_next(request: HttpRequest, default: str, *, referer: bool = False) -> HttpResponse:
    """Redirect to a safe ``next`` (see `safe_next_url`), else to ``default`` (a URL
    name or path of this site)."""
    target = safe_next_url(request, referer=referer)
    # A URL, never a view name: redirect("abc") would try to reverse it (a 500).
    return HttpResponseRedirect(target) if target else redirect(default)
